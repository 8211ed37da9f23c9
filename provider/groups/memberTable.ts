import { deflateRawSync, inflateRawSync } from "node:zlib";

/**
 * The stored form of a binding's members (state version 3, field `memberTable`): one string
 * instead of four maps keyed by address. The engine already stores the binding's inputs, whose
 * `members` map shows every member by address in previews; repeating each address in three
 * output maps (`members`, `userIds`, `managedMembers`) tripled the state. Here each address and
 * id is written once, and the whole is deflated (RFC 1951, `node:zlib`) and base64-encoded:
 * a 7,000-member binding stores ~18 (Google) to ~25 (Entra) bytes per member here instead of
 * ~120 in the maps.
 *
 * Before deflating, the table is: a 4-byte big-endian length, then that many bytes of UTF-8
 * text, then the packed ids. The text is the sorted keys, one a line, an empty line, then one
 * line per key (same order) of tab-separated `flags`, `userId`, `otherId`, `managed`: flags
 * has `M` when the key is in `members`; `userId` / `otherId` are the key's values in `userIds` /
 * `otherMemberIds` (empty when absent); `managed` is its value in `managedMembers`: empty when
 * absent, `=` when it equals `userId` (the usual case), else the value itself (version-1
 * Google states stored addresses there). An id that is a lowercase GUID (Entra object ids) is
 * written `#` and its 16 bytes follow the text, in order of appearance (GUIDs are random:
 * their hex text cannot deflate below 16 bytes, and costs ~21 after base64 as text).
 *
 * The table is lossless: `decodeMemberTable(encodeMemberTable(m))` deep-equals `m`. Keys and
 * ids never contain tabs or newlines (addresses and directory ids), which `encodeMemberTable`
 * checks.
 */
export interface MemberMaps {
  members: Record<string, "member">;
  userIds: Record<string, string>;
  otherMemberIds: Record<string, string>;
  managedMembers: Record<string, string>;
}

/** Marks the table's version inside the string, so a later format can be told apart. */
const PREFIX = "t1:";

const SEPARATOR = /[\t\n]/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PACKED = "#";

export function encodeMemberTable(maps: MemberMaps): string {
  const keys = [...new Set([...Object.keys(maps.members), ...Object.keys(maps.userIds), ...Object.keys(maps.otherMemberIds), ...Object.keys(maps.managedMembers)])].sort();
  if (keys.length === 0) return PREFIX;
  const guids: Buffer[] = [];
  // A GUID goes to the binary part; "#" itself never is an id or address, so it cannot be mistaken.
  const packed = (value: string) => {
    if (!GUID.test(value)) return value;
    guids.push(Buffer.from(value.replaceAll("-", ""), "hex"));
    return PACKED;
  };
  const rows = keys.map((key) => {
    const userId = maps.userIds[key] ?? "";
    const otherId = maps.otherMemberIds[key] ?? "";
    const managedValue = maps.managedMembers[key];
    // "=" stands for "same as userId"; a real value is never "=" (ids and addresses are longer).
    const managed = managedValue === undefined ? "" : managedValue === userId && userId !== "" ? "=" : managedValue;
    const fields = [key, userId, otherId, managed];
    if (fields.some((f) => SEPARATOR.test(f) || f === PACKED)) throw new Error(`member table: a key or id contains a tab or newline, or is "#": ${JSON.stringify(key)}`);
    return [key in maps.members ? "M" : "", packed(userId), packed(otherId), managed === "=" ? managed : packed(managed)].join("\t");
  });
  const text = Buffer.from(`${keys.join("\n")}\n\n${rows.join("\n")}`, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(text.length);
  return PREFIX + deflateRawSync(Buffer.concat([length, text, ...guids]), { level: 9 }).toString("base64");
}

/** Reads a table written by `encodeMemberTable`; throws on anything else. */
export function decodeMemberTable(table: string): MemberMaps {
  if (!table.startsWith(PREFIX)) throw new Error(`member table: unknown format (expected "${PREFIX}...")`);
  const maps: MemberMaps = { members: {}, userIds: {}, otherMemberIds: {}, managedMembers: {} };
  const body = table.slice(PREFIX.length);
  if (body === "") return maps;
  const raw = inflateRawSync(Buffer.from(body, "base64"));
  const textEnd = 4 + raw.readUInt32BE(0);
  const [keyText, rowText] = raw.subarray(4, textEnd).toString("utf8").split("\n\n");
  const keys = keyText.split("\n");
  const rows = (rowText ?? "").split("\n");
  if (rows.length !== keys.length) throw new Error("member table: keys and rows differ in number");
  let offset = textEnd;
  const unpacked = (value: string) => {
    if (value !== PACKED) return value;
    if (offset + 16 > raw.length) throw new Error("member table: fewer packed ids than marks");
    const hex = raw.subarray(offset, (offset += 16)).toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  keys.forEach((key, i) => {
    const [flags, userIdField, otherIdField, managedField] = rows[i].split("\t");
    if (managedField === undefined) throw new Error("member table: a row has fewer than 4 fields");
    const userId = unpacked(userIdField);
    const otherId = unpacked(otherIdField);
    const managed = managedField === "=" ? userId : unpacked(managedField);
    if (flags.includes("M")) maps.members[key] = "member";
    if (userId !== "") maps.userIds[key] = userId;
    if (otherId !== "") maps.otherMemberIds[key] = otherId;
    if (managed !== "") maps.managedMembers[key] = managed;
  });
  return maps;
}

/**
 * Which of a sorted key list are in `present`, as `<count>:<base64 of a deflated bitmap>` (bit
 * i, most significant first, is keys[i]): a few bytes whatever the count when all or none are.
 * Used for `__membersAtCheck` (bindingSchema.ts).
 */
export function encodeKeySet(keys: readonly string[], present: ReadonlySet<string>): string {
  const bits = Buffer.alloc(Math.ceil(keys.length / 8));
  keys.forEach((key, i) => {
    if (present.has(key)) bits[i >> 3] |= 0x80 >> (i & 7);
  });
  return `${keys.length}:${deflateRawSync(bits, { level: 9 }).toString("base64")}`;
}

/** The keys `encodeKeySet` marked; throws when the list is not the one it was made for (another count). */
export function decodeKeySet(text: string, keys: readonly string[]): Set<string> {
  const match = /^(\d+):(.*)$/.exec(text);
  if (!match || Number(match[1]) !== keys.length) throw new Error(`key set: made for ${match?.[1] ?? "?"} keys, given ${keys.length}`);
  const bits = inflateRawSync(Buffer.from(match[2], "base64"));
  return new Set(keys.filter((_, i) => (bits[i >> 3] & (0x80 >> (i & 7))) !== 0));
}

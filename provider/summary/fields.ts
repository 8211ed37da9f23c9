import { z } from "zod";
import { UNKNOWN } from "../contract/checkInputs";
import { SECRET_SIGNATURE, SECRET_SIGNATURE_KEY } from "../contract/secrets";
import { memberListKeys, membershipModeSchema } from "../groups/bindingSchema";
import { deletionPolicySchema, groupOriginSchema } from "../groups/lifecycle";
import { directoryGroupManagementArgsSchema, managementRef } from "../groups/management";
import { decodeKeySet, decodeMemberTable } from "../groups/memberTable";
import { keysToResolve } from "../groups/ownersAndNesting";
import { decodeBindingTarget, decodeManagementRef } from "../resources/referenceText";
import type { ResourceState } from "./engineOutput";

/**
 * The summary's reading of this package's resources: every field it uses, as the engine's
 * JSON shows the resource's inputs and outputs (sdk/*.ts documents them). One module, so that
 * a field the provider adds is one line here. Values may be secret (`"[secret]"` in a preview,
 * a signature object in an update's events) or unknown until apply (the engine's UNKNOWN
 * marker); neither is ever shown.
 */

export const TYPE_PREFIX = "pulumi-nodejs:dynamic/groupexport:";
export const RESOURCE_KINDS = ["DirectoryGroupManagement", "GoogleDistributionGroup", "EntraSecurityGroup", "GroupBinding"] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** The kind of one of this package's resources, from its type token; undefined for any other resource. */
export function kindOf(type: string): ResourceKind | undefined {
  if (!type.startsWith(TYPE_PREFIX)) return undefined;
  const kind = type.slice(TYPE_PREFIX.length);
  return (RESOURCE_KINDS as readonly string[]).includes(kind) ? (kind as ResourceKind) : undefined;
}

/** A value the summary may show, or why it may not. */
export type Shown<T> = { known: true; value: T } | { known: false; why: "secret" | "unknown" };

function isSecret(value: unknown): boolean {
  if (value === "[secret]") return true;
  return typeof value === "object" && value !== null && ((value as Record<string, unknown>)[SECRET_SIGNATURE_KEY] === SECRET_SIGNATURE || "ciphertext" in value);
}

function hidden(value: unknown): "secret" | "unknown" | undefined {
  if (isSecret(value)) return "secret";
  if (value === UNKNOWN) return "unknown";
  return undefined;
}

/** `value` read with `schema`; hidden when secret or unknown; `fallback` when absent or unreadable. */
function shown<T>(value: unknown, schema: z.ZodType<T>, fallback: T): Shown<T> {
  const why = hidden(value);
  if (why) return { known: false, why };
  const parsed = schema.safeParse(value);
  return { known: true, value: parsed.success ? parsed.data : fallback };
}

/** A plain field: undefined when absent, secret, unknown or not of `schema`. */
function plain<T>(value: unknown, schema: z.ZodType<T>): T | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success && !hidden(value) ? parsed.data : undefined;
}

const text = z.string();
const textMap = z.record(z.string(), z.string());
const textList = z.array(z.string());

export interface DirectoryView {
  /** "google:<customer>" or "entra:<tenant>". */
  key: string;
  service: "google" | "entra";
  /** Google: the domains. */
  domains: string[];
  disabled: boolean;
  /** Why the group is not made yet (the SDK's `enabled: false`, e.g. a user group without users). */
  waitingFor?: string;
  /** Why the group is released: no longer synced, left as it is (e.g. its email was removed at the source). */
  released?: string;
}

/** The management reference every group and binding carries (`management`). */
export function directoryOf(props: Record<string, unknown> | null | undefined): DirectoryView | undefined {
  const ref = decodeManagementRef(props?.management);
  if (!ref) return undefined;
  return {
    key: ref.directoryKey,
    service: ref.service,
    domains: ref.domains ?? [],
    disabled: !ref.enabled,
    ...(ref.waitingFor ? { waitingFor: ref.waitingFor } : {}),
    ...(ref.released ? { released: ref.released } : {}),
  };
}

/** A GoogleDistributionGroup or EntraSecurityGroup as one state shows it. */
export interface GroupView {
  service: "google" | "entra";
  /** How people know the group: Google's declared address, Entra's display name. */
  label: string;
  directory?: DirectoryView;
  /** Outputs: whether this stack made the group, took it over, or has not made it yet. */
  origin?: z.infer<typeof groupOriginSchema>;
  /** What check found: "create", or "adopt existing group <id>…", with the provider's notes after it. */
  adoption?: string;
  deletionPolicy?: z.infer<typeof deletionPolicySchema>;
  /** Names and texts a person edits: Google `name`, `description`; Entra `displayName`, `description`, `mailNickname`. */
  texts: Record<string, string>;
  /** Google: the managed settings (absent: none managed). */
  settings?: Record<string, string>;
  /** Google: the declared aliases (absent: aliases not managed). */
  aliases?: string[];
}

const GROUP_TEXTS = { GoogleDistributionGroup: ["name", "description"], EntraSecurityGroup: ["displayName", "description", "mailNickname"] } as const;

export function groupOf(kind: "GoogleDistributionGroup" | "EntraSecurityGroup", state: ResourceState | undefined): GroupView {
  const inputs = state?.inputs ?? {};
  const outputs = state?.outputs ?? {};
  const field = (name: string) => inputs[name] ?? outputs[name];
  const texts: Record<string, string> = {};
  for (const name of GROUP_TEXTS[kind]) {
    const value = plain(field(name), text);
    if (value !== undefined) texts[name] = value;
  }
  const service = kind === "GoogleDistributionGroup" ? "google" : "entra";
  const label = plain(service === "google" ? field("email") : field("displayName"), text) ?? "";
  const view: GroupView = { service, label, texts };
  const directory = directoryOf(inputs) ?? directoryOf(outputs);
  if (directory) view.directory = directory;
  const origin = plain(outputs.origin, groupOriginSchema);
  if (origin) view.origin = origin;
  const adoption = plain(field("adoption"), text);
  if (adoption) view.adoption = adoption;
  const deletionPolicy = plain(field("deletionPolicy"), deletionPolicySchema);
  if (deletionPolicy) view.deletionPolicy = deletionPolicy;
  if (service === "google") {
    const settings = plain(inputs.settings ?? (state?.inputs ? undefined : outputs.settings), textMap);
    if (settings) view.settings = settings;
    const aliases = plain(inputs.aliases ?? (state?.inputs ? undefined : outputs.aliases), textList);
    if (aliases) view.aliases = aliases;
  }
  return view;
}

/** Whether `adoption` says an existing group is taken over (else this stack makes one). */
export function adopts(adoption: string | undefined): boolean {
  return adoption?.startsWith("adopt") ?? false;
}

/** The provider's notes after what check found (`create; replaces the group of …`, `adopt existing group 03x…; settings to change: …`). */
export function adoptionNotes(adoption: string | undefined): string | undefined {
  if (!adoption) return undefined;
  const notes = adoption.replace(/^(create|adopt existing group \S+)/, "").replace(/^;\s*/, "").trim();
  // Entra's notes come in parentheses (`create (…; mailNickname eng-1a2b3c4d)`): shown without them.
  const bare = /^\((.*)\)$/.exec(notes)?.[1] ?? notes;
  return bare === "" ? undefined : bare;
}

/**
 * One entry of a binding's `removals` (provider/resources/groupBinding.ts writes them: a member
 * label, `<label> (OWNER)` for a demotion, `owner <label>` for an Entra owner removed,
 * `<label> (in <old group>)` for a member leaving the group the binding moves away from).
 */
export type Removal =
  | { kind: "remove"; member: string }
  | { kind: "demote"; member: string; from: string; to: string }
  | { kind: "owner"; member: string }
  | { kind: "move"; member: string; from: string };

export function readRemoval(key: string, note: string): Removal {
  if (key.startsWith("owner ")) return { kind: "owner", member: key.slice("owner ".length) };
  const demotion = /^(.*) \((OWNER|MANAGER)\)$/.exec(key);
  if (demotion) return { kind: "demote", member: demotion[1]!, from: demotion[2]!, to: /demote to (\w+)/.exec(note)?.[1] ?? "MEMBER" };
  const move = /^(.*) \(in (.*)\)$/.exec(key);
  if (move) return { kind: "move", member: move[1]!, from: move[2]! };
  return { kind: "remove", member: key };
}

/** A GroupBinding as one state shows it. */
export interface BindingView {
  /** The target group: its label (address or display name), directory and id ("" or UNKNOWN until known). */
  target?: { label: string; directoryKey: string; groupId: string };
  /** The URN of the target's group resource, when the target is a group of the program. */
  targetUrn?: string;
  directory?: DirectoryView;
  /** The members to have (inputs), by address or label. */
  members: Shown<string[]>;
  /** What the apply removes or demotes, found at preview. */
  removals: Shown<Removal[]>;
  /** Members left alone on purpose: label -> why. */
  kept: Shown<Record<string, string>>;
  /** Declared owners / managers (absent: not managed). */
  owners?: Shown<string[]>;
  managers?: Shown<string[]>;
  /** Why the binding waits (an empty user group with allowEmpty). */
  waiting?: string;
  membershipMode?: z.infer<typeof membershipModeSchema>;
  maxRemovalPercent?: number;
  /** A removal count below which the guard never stops (when the provider has one). */
  removalGuardFloor?: number;
  /** On a create: the users that were already members when check ran. */
  presentAtCheck?: Set<string>;
  /** Outputs: the group's direct members at the last apply or refresh (the guard's base). */
  memberCount?: number;
  /** Outputs: the members this binding added (what deleting it removes). */
  managedMembers: Shown<string[]>;
  /** Outputs: nothing applied yet, or waiting (allowEmpty, or its management waiting): deleting it removes nobody. */
  pending?: boolean;
}

const memberMap = z.record(z.string(), z.unknown());

/** Member keys from a member list (text, one a line; a map in states before 0.3). */
function memberKeys(value: unknown): Shown<string[]> {
  const why = hidden(value);
  if (why) return { known: false, why };
  if (typeof value === "string") return { known: true, value: memberListKeys(value) };
  const map = plain(value, memberMap);
  return { known: true, value: map ? Object.keys(map) : [] };
}

function roleKeys(value: unknown): Shown<string[]> | undefined {
  if (value === undefined || value === null) return undefined;
  const keys = shown(value, memberMap, {});
  return keys.known ? { known: true, value: Object.keys(keys.value) } : keys;
}

export function bindingOf(state: ResourceState | undefined): BindingView {
  const inputs = state?.inputs ?? {};
  const outputs = state?.outputs ?? {};
  const view: BindingView = {
    members: memberKeys(inputs.members),
    removals: (() => {
      const notes = shown(inputs.removals, textMap, {});
      return notes.known ? { known: true, value: Object.entries(notes.value).map(([key, note]) => readRemoval(key, note)) } : notes;
    })(),
    kept: shown(inputs.kept ?? outputs.kept, textMap, {}),
    managedMembers: (() => {
      const table = outputs.memberTable;
      const why = hidden(table);
      if (why) return { known: false, why };
      if (typeof table === "string") return { known: true, value: Object.keys(decodeMemberTable(table).managedMembers) };
      return { known: true, value: Object.keys(plain(outputs.managedMembers, memberMap) ?? {}) };
    })(),
  };
  if (outputs.pending === true) view.pending = true;
  const target = decodeBindingTarget(inputs.target ?? outputs.target);
  if (target) view.target = { label: target.label, directoryKey: target.directoryKey, groupId: target.groupId };
  const targetUrn = state?.propertyDependencies?.target?.[0];
  if (targetUrn) view.targetUrn = targetUrn;
  const directory = directoryOf(inputs) ?? directoryOf(outputs);
  if (directory) view.directory = directory;
  const owners = roleKeys(inputs.owners);
  if (owners) view.owners = owners;
  const managers = roleKeys(inputs.managers);
  if (managers) view.managers = managers;
  const waiting = plain(inputs.waiting, text);
  if (waiting) view.waiting = waiting;
  const mode = plain(inputs.membershipMode ?? outputs.membershipMode, membershipModeSchema);
  if (mode) view.membershipMode = mode;
  const maxRemovalPercent = plain(inputs.maxRemovalPercent ?? outputs.maxRemovalPercent, z.number());
  if (maxRemovalPercent !== undefined) view.maxRemovalPercent = maxRemovalPercent;
  const floor = plain(inputs.removalGuardFloor ?? outputs.removalGuardFloor, z.number());
  if (floor !== undefined) view.removalGuardFloor = floor;
  const memberCount = plain(outputs.memberCount, z.number());
  if (memberCount !== undefined) view.memberCount = memberCount;
  const atCheck = plain(inputs.__membersAtCheck, text);
  if (atCheck && view.members.known && target) {
    try {
      const members = Object.fromEntries(view.members.value.map((k) => [k, "member" as const]));
      const owned = view.owners?.known ? Object.fromEntries(view.owners.value.map((k) => [k, "owner" as const])) : undefined;
      view.presentAtCheck = decodeKeySet(atCheck, keysToResolve({ members, owners: owned, target }));
    } catch {
      // Written for another key list (an older release): the summary counts every user as added.
    }
  }
  return view;
}

/** A DirectoryGroupManagement: its directory and switch. */
export function managementOf(state: ResourceState | undefined): { key?: string; enabled?: boolean } {
  const props = { ...(state?.outputs ?? {}), ...(state?.inputs ?? {}) };
  const args = directoryGroupManagementArgsSchema.safeParse({ google: props.google, entra: props.entra, enabled: plain(props.enabled, z.boolean()) ?? true });
  const key = plain(props.directoryKey, text) ?? (args.success && (args.data.google || args.data.entra) ? managementRef(args.data).directoryKey : undefined);
  return { ...(key ? { key } : {}), ...(args.success ? { enabled: args.data.enabled } : {}) };
}

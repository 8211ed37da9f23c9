import type { MemberDirectory, MemberFailure } from "../membership/memberDirectory";
import type { BatchOutcome, GoogleDirectoryClient } from "./directoryClient";

function failures(keys: string[], outcomes: BatchOutcome[]): MemberFailure[] {
  return keys.flatMap((key, i) =>
    outcomes[i]?.ok ? [] : [{ key, reason: `${outcomes[i]?.status ?? "no reply"} ${outcomes[i]?.reason ?? ""} ${outcomes[i]?.message ?? ""}`.trim() }],
  );
}

/** Google members are addressed by email, so "resolving" a user is the identity. */
export function googleMemberDirectory(client: GoogleDirectoryClient): MemberDirectory {
  return {
    async listMembers(groupId) {
      return new Map((await client.listMembers(groupId)).map((m) => [m.email, m.id]));
    },
    async resolveUsers(keys) {
      return { resolved: new Map(keys.map((k) => [k, k])), unresolved: [] };
    },
    async addMembers(groupId, members) {
      const keys = [...members.keys()];
      return failures(keys, await client.insertMembers(groupId, keys));
    },
    async removeMembers(groupId, members) {
      const keys = [...members.keys()];
      return failures(keys, await client.removeMembers(groupId, keys));
    },
  };
}

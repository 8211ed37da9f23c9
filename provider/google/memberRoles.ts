import type { MemberFailure, MemberRole } from "../groups/memberDirectory";
import type { BatchOutcome, GoogleDirectoryClient } from "./client";

const DIRECTORY_PATH = "admin/directory/v1";

function reason(outcome: BatchOutcome | undefined): string {
  return `${outcome?.status ?? "no reply"} ${outcome?.reason ?? ""} ${outcome?.message ?? ""}`.replace(/\s+/g, " ").trim();
}

/**
 * Changes members' roles in place with members.patch (`{"role": ...}`), through the batch
 * endpoint: the member keeps its id and delivery settings, and is never out of the group
 * (Directory API `members.patch`; removing and adding would be two writes and a gap).
 */
export async function patchMemberRoles(client: GoogleDirectoryClient, groupKey: string, changes: { key: string; id: string; role: MemberRole }[]): Promise<MemberFailure[]> {
  if (changes.length === 0) return [];
  const outcomes = await client.batch(
    changes.map((c) => ({ method: "PATCH", path: `${DIRECTORY_PATH}/groups/${encodeURIComponent(groupKey)}/members/${encodeURIComponent(c.id)}`, body: { role: c.role } })),
    (reply) => (reply.status >= 200 && reply.status < 300 ? "ok" : "fail"),
  );
  return changes.flatMap((c, i) => (outcomes[i]?.ok ? [] : [{ key: c.key, reason: reason(outcomes[i]) }]));
}

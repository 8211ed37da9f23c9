import { claimKeys, type Claim } from "../groups/runRegistry";
import type { GraphGroup } from "./client";
import type { EntraSecurityGroupInputs } from "./schema";

/**
 * Pure takeover rules for an Entra security group, identified by display name:
 * exactly one security group of that name is adopted; none means create; several stop
 * (unless the user chose to create another or pinned one); groups of other kinds are
 * never taken over.
 */
export type TakeoverPlan =
  | { action: "adopt"; groupId: string; note?: string }
  | { action: "create"; note?: string }
  /** `field`: the input the failure is about, so that check reports it there. */
  | { action: "fail"; field: "displayName" | "adoptId"; message: string };

/** Security groups only: not mail-enabled, not Microsoft 365 ("Unified"). */
export function isSecurityGroup(g: GraphGroup): boolean {
  return g.securityEnabled && !g.mailEnabled && !g.groupTypes.includes("Unified");
}

export function groupKind(g: GraphGroup): string {
  if (g.groupTypes.includes("Unified")) return "Microsoft 365";
  if (g.mailEnabled && g.securityEnabled) return "mail-enabled security";
  if (g.mailEnabled) return "distribution";
  return "security";
}

/**
 * `candidates` are what Graph's `displayName eq` filter returned: that filter ignores case,
 * so the exact rule (case and whitespace included, as the seed says) is applied here, and
 * near matches are reported, never adopted.
 */
export function planTakeover(
  displayName: string,
  candidates: GraphGroup[],
  options: { adoptId?: string; onAmbiguousName?: "fail" | "create"; onExisting?: "adopt" | "create" | "fail" },
): TakeoverPlan {
  if (options.adoptId) return { action: "adopt", groupId: options.adoptId };
  const sameName = candidates.filter((g) => g.displayName === displayName);
  const near = candidates.filter((g) => g.displayName !== displayName);
  const security = sameName.filter(isSecurityGroup);
  const others = sameName.filter((g) => !isSecurityGroup(g));
  const notes = [
    others.length ? `${others.map((g) => `${groupKind(g)} group ${g.id}`).join(", ")} has this name but is never taken over` : "",
    // "never taken over" first: the CLI shortens long strings in previews.
    near.length ? `never taken over, not exactly ${JSON.stringify(displayName)}: ${near.map((g) => `group ${g.id} is named ${JSON.stringify(g.displayName)}`).join(", ")}` : "",
  ].filter(Boolean);
  const ids = security.map((g) => g.id).sort();
  if (security.length > 0 && options.onExisting === "create") notes.push(`onExisting is "create": ${ids.join(", ")} not taken over`);
  const skipped = notes.length ? notes.join("; ") : undefined;
  if (security.length === 0 || options.onExisting === "create") return { action: "create", ...(skipped ? { note: skipped } : {}) };
  if (options.onExisting === "fail") {
    return { action: "fail", field: "displayName", message: `security group ${ids.join(", ")} is already named "${displayName}" and onExisting is "fail": choose another displayName, or take it over with onExisting: "adopt" or adoptId` };
  }
  if (security.length === 1) return { action: "adopt", groupId: security[0].id, ...(skipped ? { note: skipped } : {}) };
  if (options.onAmbiguousName === "create") return { action: "create", note: `${ids.length} security groups are named "${displayName}" (${ids.join(", ")}); onAmbiguousName is "create"` };
  return {
    action: "fail",
    field: "displayName",
    message: `${ids.length} security groups are named "${displayName}": ${ids.join(", ")}. Set adoptId to the one to take over, or onAmbiguousName: "create" to create another`,
  };
}

/**
 * How the preview tells the reader what create will do. A create names the mail nickname it
 * will give the group when the program gives none (`plannedNickname`): chosen at check, unique
 * to this create, it is how a create whose answer was lost, or that a killed run left pending,
 * is told apart from anyone else's group (docs/guides/recovery.md).
 */
export function describeTakeover(plan: TakeoverPlan, plannedNickname?: string): string {
  if (plan.action === "adopt") return plan.note ? `adopt existing group ${plan.groupId} (${plan.note})` : `adopt existing group ${plan.groupId}`;
  if (plan.action === "create") {
    // The note first: the CLI shortens long strings in previews, and the nickname is for recovery.
    const notes = [plan.note ?? "", plannedNickname ? `mailNickname ${plannedNickname}` : ""].filter(Boolean);
    return notes.length > 0 ? `create (${notes.join("; ")})` : "create";
  }
  return "fail";
}

/** The mail nickname a create planned at check (see describeTakeover), read back from its `adoption`. */
export function plannedNickname(adoption: string | undefined): string | undefined {
  return adoption?.startsWith("create") ? /(?:^create \(|; )mailNickname ([^;)\s]+)\)?$/.exec(adoption)?.[1] ?? /^create \(mailNickname ([^;)\s]+)/.exec(adoption)?.[1] : undefined;
}

type ManagedField = "displayName" | "description" | "mailNickname";

/**
 * Fields of an existing group that differ from the desired ones (one-way sync); description and
 * mailNickname only when the program gives them (check gives a created group's description as
 * "", so it is managed; an adopted group keeps its own unless the program gives one).
 */
export function groupFieldChanges(desired: Pick<EntraSecurityGroupInputs, ManagedField>, current: Record<ManagedField, string>): Partial<Record<ManagedField, string>> {
  const patch: Partial<Record<ManagedField, string>> = {};
  if (desired.displayName !== current.displayName) patch.displayName = desired.displayName;
  if (desired.description !== undefined && desired.description !== current.description) patch.description = desired.description;
  if (desired.mailNickname && desired.mailNickname !== current.mailNickname) patch.mailNickname = desired.mailNickname;
  return patch;
}

/** The display name decides a takeover unless an id is pinned or takeover is refused. */
function takesOverByName(desired: { adoptId?: unknown; onExisting?: unknown }): boolean {
  return desired.adoptId === undefined && desired.onExisting !== "create";
}

/** The keys naming the remote group a resource would manage (one remote group, one owner): the display name it takes over by, the pinned id, the group found. */
export function takeoverClaims(directoryKey: string, desired: { displayName: string; adoptId?: string; onExisting?: string }, adopted: string | undefined): Claim[] {
  const claims: Claim[] = [];
  if (takesOverByName(desired)) claims.push({ key: claimKeys.displayName(directoryKey, desired.displayName), label: `display name "${desired.displayName}"` });
  for (const id of [desired.adoptId, adopted]) if (id) claims.push({ key: claimKeys.group(directoryKey, id), label: `group ${id}` });
  return claims;
}

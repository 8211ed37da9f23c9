import { containsUnknown, isUnknown, UNKNOWN, type CheckFailure } from "../contract/checkInputs";
import { bindingTargetSchema, type BindingTarget, type GroupBindingInputs, type GroupBindingState } from "./bindingSchema";
import { GROUP_KEY_PREFIX, type MemberDirectory, type MemberFailure, type MemberRole, type ObservedMember } from "./memberDirectory";
import { normalizeUsers } from "./membershipPlan";
import { nestingKey, type NestingGraph } from "./nesting";
import { planOwners, type OwnersPlan } from "./ownersPlan";
import { heldAbove, heldAboveNote, inBothRoles, managedRoles, ROLE_RANK, roleOf } from "./rolePlan";

/**
 * Owners, managers and nested groups of a binding: the checks at preview and the directory
 * operations they need beyond plain membership (docs/resources/group-binding.md#owners-managers-and-nested-groups),
 * through the member-directory port (`setRoles`, `owners`). Pure plans are in rolePlan.ts,
 * ownersPlan.ts and nesting.ts.
 */

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** An Entra object id: how an owner that is no user (a service principal, e.g. the calling application's) is declared. */
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A declared Entra owner's object id: given as one, or resolved from the address. */
export function ownerId(key: string, resolved: ReadonlyMap<string, { id: string }>): string | undefined {
  return OBJECT_ID.test(key) ? key : resolved.get(key)?.id;
}

export function isGroupKey(key: string): boolean {
  return key.startsWith(GROUP_KEY_PREFIX);
}

/** A nested group's member key: `group:` + its address (Google, lowercased) or display name (Entra). */
export function groupKeyOf(target: Pick<BindingTarget, "service" | "label">): string {
  return GROUP_KEY_PREFIX + (target.service === "google" ? target.label.toLowerCase() : target.label);
}

export interface RolesAndNesting {
  owners?: Record<string, "owner">;
  managers?: Record<string, "manager">;
  memberGroupIds?: Record<string, string>;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function addressList(field: "owners" | "managers", list: string[], failures: CheckFailure[], objectIds: boolean): string[] {
  const { members, caseDuplicates } = normalizeUsers(list);
  for (const spellings of caseDuplicates) failures.push({ property: field, reason: `lists ${spellings.map((s) => `"${s}"`).join(" and ")}: the same user in different case; keep one` });
  const malformed = members.filter((m) => !EMAIL.test(m) && !(objectIds && OBJECT_ID.test(m)));
  if (malformed.length > 0) {
    const forms = objectIds ? "email addresses/user principal names or object ids" : "email addresses";
    failures.push({ property: field, reason: `has entries that are not ${forms}: ${malformed.join(", ")}; give each as name@domain${objectIds ? " (a service principal by its object id)" : ""}` });
  }
  return members;
}

/**
 * Check-time validation of `owners`, `managers` and `memberGroups`, and the program-wide cycle
 * check of nested groups. Returns the checked fields (absent when not declared); a field whose
 * value is unknown at preview is returned as UNKNOWN.
 */
export function checkRolesAndNesting(
  values: Record<string, unknown>,
  target: BindingTarget | undefined,
  bindingName: string,
  failures: CheckFailure[],
  run: { nesting: NestingGraph; roles: RoleClaims },
): RolesAndNesting | typeof UNKNOWN {
  const out: RolesAndNesting = {};
  let unknown = false;
  const service = target && !isUnknown(target.service) ? target.service : undefined;
  // Checked against the schema by checkFields: a list of strings, unless unknown until apply.
  const owners = values.owners;
  const managers = values.managers;
  if (owners !== undefined) {
    if (containsUnknown(owners)) unknown = true;
    else out.owners = Object.fromEntries(addressList("owners", stringList(owners), failures, service === "entra").map((o) => [o, "owner" as const]));
  }
  if (managers !== undefined) {
    if (service === "entra") failures.push({ property: "managers", reason: "is for Google groups only: Entra groups have owners and members, no managers; use owners, or remove managers" });
    if (containsUnknown(managers)) unknown = true;
    else out.managers = Object.fromEntries(addressList("managers", stringList(managers), failures, false).map((m) => [m, "manager" as const]));
  }
  if ((owners !== undefined || managers !== undefined) && target && !isUnknown(target.label) && !isUnknown(target.directoryKey)) {
    // Several additive bindings may share a group, but only one can say who its owners are.
    const other = run.roles.claim(bindingName, nestingKey(target.directoryKey, target.label));
    if (other) failures.push({ property: owners !== undefined ? "owners" : "managers", reason: `the owners and managers of ${target.label} are also declared by GroupBinding ${other}: declare them on one binding of the group` });
  }
  if (out.owners && out.managers) {
    const both = inBothRoles(Object.keys(out.owners), Object.keys(out.managers));
    if (both.length > 0) failures.push({ property: "managers", reason: `${both.join(", ")} listed in both owners and managers: a member has exactly one role; keep each in one list` });
  }
  const groups = values.memberGroups;
  if (groups !== undefined) {
    if (!Array.isArray(groups)) return UNKNOWN;
    const ids: Record<string, string> = {};
    const children: { key: string; label: string }[] = [];
    let labelsKnown = true;
    for (const [i, entry] of groups.entries()) {
      // Each entry was checked as a target; one that is (or holds) a value unknown until apply is skipped.
      const g = bindingTargetSchema.safeParse(entry).data;
      if (!g || isUnknown(g.label) || isUnknown(g.directoryKey)) {
        labelsKnown = false;
        unknown = true;
        continue;
      }
      if (target && !isUnknown(target.directoryKey) && g.directoryKey !== target.directoryKey) {
        failures.push({ property: "memberGroups", reason: `memberGroups.${i} (${g.label}) is in directory ${g.directoryKey}, but this binding's group is in ${target.directoryKey}: nest groups of one directory only` });
        continue;
      }
      const key = groupKeyOf(g);
      if (target && !isUnknown(target.label) && key === groupKeyOf({ service: g.service, label: target.label })) {
        failures.push({ property: "memberGroups", reason: `memberGroups.${i} is ${g.label}, the binding's own group: a group cannot contain itself; remove it` });
        continue;
      }
      if (key in ids) failures.push({ property: "memberGroups", reason: `lists ${g.label} twice: keep one` });
      ids[key] = g.groupId;
      children.push({ key: nestingKey(g.directoryKey, g.label), label: g.label });
    }
    out.memberGroupIds = Object.fromEntries(Object.entries(ids).sort(([a], [b]) => a.localeCompare(b)));
    if (labelsKnown && target && !isUnknown(target.label) && !isUnknown(target.directoryKey)) {
      const cycle = run.nesting.declare(bindingName, { key: nestingKey(target.directoryKey, target.label), label: target.label }, children);
      if (cycle) failures.push({ property: "memberGroups", reason: cycle });
    }
  }
  return unknown ? UNKNOWN : out;
}

/** Which binding declares the owners / managers of each group, in one run (held by the provider's context). */
export class RoleClaims {
  /** Group key -> the bindings that declare its owners / managers (from their checks and the program's manifest). */
  private readonly claims = new Map<string, Set<string>>();

  /** Claims the group for `binding`; returns another binding that claims it too, if any (each of the two sees the other). */
  claim(binding: string, groupKey: string): string | undefined {
    const holders = this.claims.get(groupKey) ?? new Set<string>();
    holders.add(binding);
    this.claims.set(groupKey, holders);
    return [...holders].find((other) => other !== binding);
  }
}

/** The member keys owners, managers and nested groups add to a Google binding's members (Entra owners are not members). */
export function extraMemberKeys(service: "google" | "entra", fields: RolesAndNesting): string[] {
  const groups = Object.keys(fields.memberGroupIds ?? {});
  if (service === "entra") return groups;
  return [...Object.keys(fields.owners ?? {}), ...Object.keys(fields.managers ?? {}), ...groups];
}

/** The user keys to resolve: members that are not nested groups, plus Entra owners (resolved like users). */
export function keysToResolve(inputs: Pick<GroupBindingInputs, "members" | "owners" | "target">): string[] {
  const keys = new Set(Object.keys(inputs.members).filter((k) => !isGroupKey(k)));
  if (inputs.target.service === "entra") for (const o of Object.keys(inputs.owners ?? {})) if (!OBJECT_ID.test(o)) keys.add(o);
  return [...keys].sort();
}

/** Desired member key -> id: users by their resolution, nested groups by their group id (undefined when unknown). */
export function desiredIds(memberKeys: string[], memberGroupIds: Record<string, string> | undefined, resolved: ReadonlyMap<string, { id: string }>): Map<string, string | undefined> {
  return new Map(
    memberKeys.map((k) => {
      if (!isGroupKey(k)) return [k, resolved.get(k)?.id];
      const id = memberGroupIds?.[k];
      return [k, id && !isUnknown(id) ? id : undefined];
    }),
  );
}

/** The role each desired member id should hold (Google). */
export function desiredRolesById(desired: ReadonlyMap<string, string | undefined>, inputs: Pick<GroupBindingInputs, "owners" | "managers">): Map<string, MemberRole> {
  const owners = new Set(Object.keys(inputs.owners ?? {}));
  const managers = new Set(Object.keys(inputs.managers ?? {}));
  const roles = new Map<string, MemberRole>();
  // Two keys of one member (an owner given by an alias of a user in users, on a group the
  // update creates, which only the apply can tell apart): the higher role wins, whatever the order.
  for (const [key, id] of desired) {
    if (id === undefined) continue;
    const role = roleOf(key, owners, managers);
    const before = roles.get(id);
    if (before === undefined || ROLE_RANK[role] > ROLE_RANK[before]) roles.set(id, role);
  }
  return roles;
}

export function roleOfKey(key: string, inputs: Pick<GroupBindingInputs, "owners" | "managers">): MemberRole {
  return roleOf(key, new Set(Object.keys(inputs.owners ?? {})), new Set(Object.keys(inputs.managers ?? {})));
}

/** Which roles the binding manages (declared lists), for the membership plan and refresh. */
export function declaredRoles(fields: Pick<GroupBindingInputs, "owners" | "managers" | "target">): Record<MemberRole, boolean> {
  return managedRoles(fields.target.service === "google" && fields.owners !== undefined, fields.managers !== undefined);
}

/** Entra owners: what the group has, who is calling, and the exact plan. Undefined when owners are not declared or not Entra. */
export async function entraOwnersPlan(
  directory: MemberDirectory,
  groupId: string | undefined,
  inputs: Pick<GroupBindingInputs, "owners" | "target">,
  resolved: ReadonlyMap<string, { id: string }>,
): Promise<{ plan: OwnersPlan; observed: ObservedMember[] } | undefined> {
  const relation = directory.owners;
  if (inputs.target.service !== "entra" || inputs.owners === undefined || !relation) return undefined;
  const observed = groupId ? ((await relation.list(groupId)) ?? []) : [];
  const callerId = await relation.callerId();
  const desired = new Map(Object.keys(inputs.owners).map((k) => [k, ownerId(k, resolved)]));
  return { plan: planOwners({ desired, observed, callerId }), observed };
}

/** Applies an Entra owners plan: additions first (Graph refuses to remove the last user owner). */
export async function applyEntraOwners(directory: MemberDirectory, groupId: string, plan: OwnersPlan, resolved: ReadonlyMap<string, { id: string }>): Promise<MemberFailure[]> {
  const relation = directory.owners;
  if (!relation) return [];
  const adds = plan.add.flatMap((key) => {
    const id = ownerId(key, resolved);
    return id ? [{ key, id }] : [];
  });
  const failures = await relation.add(groupId, adds);
  // Removing while an addition failed could leave the group with fewer owners than declared, or none.
  if (failures.length > 0) return failures;
  return relation.remove(groupId, plan.remove.map((m) => ({ key: m.label, id: m.id })));
}

/** Google: changes roles in place (members.patch). */
export async function applyGoogleRoles(directory: MemberDirectory, groupId: string, changes: { key: string; id: string; role: MemberRole }[]): Promise<MemberFailure[]> {
  if (changes.length === 0) return [];
  if (!directory.setRoles) return changes.map((c) => ({ key: c.key, reason: "this directory has no member roles" }));
  return directory.setRoles(groupId, changes);
}

/** Refresh of Entra owners: declared owners by id, other owners by label; the calling application left out. */
export async function refreshEntraOwners(directory: MemberDirectory, state: GroupBindingState): Promise<Pick<GroupBindingState, "owners" | "ownerIds"> & { callerKept?: [string, string] }> {
  const relation = directory.owners;
  if (state.target.service !== "entra" || state.owners === undefined || !relation) return {};
  const observed = (await relation.list(state.target.groupId)) ?? [];
  const callerId = await relation.callerId();
  const keyOfId = new Map(Object.entries(state.ownerIds ?? {}).map(([k, id]) => [id, k]));
  const owners: Record<string, "owner"> = {};
  const ownerIds: Record<string, string> = {};
  let callerKept: [string, string] | undefined;
  for (const m of observed) {
    if (m.id === callerId && !keyOfId.has(m.id)) {
      callerKept = [`owner ${m.label}`, "the calling application: kept (the directory may make a group's creator its owner; list it in owners to manage it)"];
      continue;
    }
    const key = keyOfId.get(m.id) ?? m.label;
    owners[key] = "owner";
    ownerIds[key] = m.id;
  }
  return { owners: sortKeys(owners), ownerIds: sortKeys(ownerIds), ...(callerKept ? { callerKept } : {}) };
}

/** Google: members listed in a declared role who keep a higher one the binding does not manage, as `kept` notes by label. */
export function rolesKeptAbove(desiredRoles: ReadonlyMap<string, MemberRole>, observed: readonly ObservedMember[], fields: Pick<GroupBindingInputs, "owners" | "managers" | "target">): Record<string, string> {
  if (fields.target.service !== "google") return {};
  const declared = declaredRoles(fields);
  return Object.fromEntries(heldAbove({ desiredRoles, observed, ownersDeclared: declared.OWNER, managersDeclared: declared.MANAGER }).map(({ member, wanted }) => [member.label, heldAboveNote(member.role, wanted)]));
}

/** Refresh of Google roles: which members hold the declared roles now (keyed like `members`). */
export function refreshGoogleRoles(state: GroupBindingState, observed: readonly ObservedMember[]): Pick<GroupBindingState, "owners" | "managers"> {
  if (state.target.service !== "google") return {};
  const keyOfId = new Map(Object.entries(state.userIds).map(([k, id]) => [id, k]));
  const declared = declaredRoles(state);
  // A listed member who keeps a higher role the binding does not manage holds what its list asks (planRoles never demotes it).
  const desiredRoles = new Map(Object.entries(state.userIds).map(([key, id]) => [id, roleOfKey(key, state)]));
  const above = new Map(heldAbove({ desiredRoles, observed, ownersDeclared: declared.OWNER, managersDeclared: declared.MANAGER }).map(({ member, wanted }) => [member.id, wanted]));
  const holding = (role: MemberRole) => observed.filter((m) => m.role === role || above.get(m.id) === role).map((m) => keyOfId.get(m.id) ?? m.label);
  return {
    ...(state.owners !== undefined ? { owners: sortKeys(Object.fromEntries(holding("OWNER").map((k) => [k, "owner" as const]))) } : {}),
    ...(state.managers !== undefined ? { managers: sortKeys(Object.fromEntries(holding("MANAGER").map((k) => [k, "manager" as const]))) } : {}),
  };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

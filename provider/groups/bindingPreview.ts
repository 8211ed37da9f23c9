import type { CheckFailure } from "../contract/checkInputs";
import { isKnownId, sameUserTwice, type PreviousInputs, type TargetLookup } from "./bindingCheck";
import { addresses, ambiguousUsers, usersNotFound } from "./bindingMessages";
import { planBinding } from "./bindingPlan";
import type { GroupBindingInputs } from "./bindingSchema";
import type { MemberDirectory } from "./memberDirectory";
import { encodeKeySet } from "./memberTable";
import { desiredIds, entraOwnersPlan, keysToResolve } from "./ownersAndNesting";

/**
 * Preview: resolves the users, plans against what the group holds now (read-only calls) and
 * reports what the apply will remove and keep, with the mass-removal guard evaluated on the
 * same figures as at apply (one `planBinding` for both). Only called when the binding asks for
 * something new. `found`: the group to read (lookupTargetId), undefined when there is none yet.
 */
export async function previewPlan(
  directory: MemberDirectory,
  found: TargetLookup | undefined,
  inputs: GroupBindingInputs,
  previous: PreviousInputs | undefined,
  failures: CheckFailure[],
): Promise<void> {
  const keys = keysToResolve(inputs);
  const groupId = found?.groupKey;
  const observed = groupId ? await directory.listMembers(groupId) : undefined;
  const resolution = await directory.resolveUsers(keys, observed ? groupId : undefined, observed, new Map(), { findUnknownUsers: true });
  const owners = await entraOwnersPlan(directory, observed ? groupId : undefined, inputs, resolution.resolved);
  if (owners?.plan.lastOwnerProblem) failures.push({ property: "owners", reason: owners.plan.lastOwnerProblem });
  const name = inputs.userGroupName;
  const secret = inputs.__secretUsers;
  // Entra owners are resolved with the users; one not found is the owners list's problem, not the user group's.
  const isOwnerOnly = (k: string) => inputs.target.service === "entra" && inputs.owners?.[k] !== undefined && inputs.members[k] === undefined;
  const unresolvedUsers = resolution.unresolved.filter((k) => !isOwnerOnly(k));
  const unresolvedOwners = resolution.unresolved.filter(isOwnerOnly);
  if (unresolvedUsers.length > 0) {
    failures.push({ property: "userGroup", reason: `user group "${name}" has ${usersNotFound(unresolvedUsers, inputs.management.directoryKey, secret)}` });
  }
  if (unresolvedOwners.length > 0) {
    failures.push({
      property: "owners",
      reason: `owners lists ${unresolvedOwners.length} address(es) not found in ${inputs.management.directoryKey}: ${addresses(unresolvedOwners, secret)}; give each owner's user principal name or mail (a service principal by its object id), or create the users`,
    });
  }
  if (resolution.ambiguous.size > 0) failures.push({ property: "userGroup", reason: `user group "${name}": ${ambiguousUsers(resolution.ambiguous, secret)}` });
  for (const keysOfOne of sameUserTwice(resolution.resolved)) {
    // An owner or manager given by another address of a user of the user group is the same
    // person twice too; say which list holds which address, so the fix is obvious.
    const inRole = keysOfOne.filter((k) => inputs.owners?.[k] !== undefined || inputs.managers?.[k] !== undefined);
    if (inRole.length > 0 && inRole.length < keysOfOne.length) {
      const role = inputs.owners?.[inRole[0]!] !== undefined ? "owners" : "managers";
      const users = keysOfOne.filter((k) => !inRole.includes(k));
      failures.push({
        property: role,
        reason: `${addresses(inRole, secret)} (in ${role}) and ${addresses(users, secret)} (a user of user group "${name}") are one user (an address and its alias): give the same address in both lists, so that the user is one member with that role`,
      });
    } else {
      failures.push({ property: "userGroup", reason: `user group "${name}" lists ${addresses(keysOfOne, secret)}, which are one user (an address and its alias): keep one` });
    }
  }
  // A move: another group than before, by id when it is known now (its resource's plan gives it for a
  // group renamed in place or taken over), else by label (a new address: a group made by this update).
  const idNow = found?.groupId;
  const movedAway = previous?.target && isKnownId(previous.target.groupId) && (idNow !== undefined ? previous.target.groupId !== idNow : previous.target.label.toLowerCase() !== inputs.target.label.toLowerCase());
  const oldGroupId = movedAway ? previous!.target!.groupId : undefined;
  // A group that does not exist yet has nothing to plan against, unless the binding moves there:
  // then its own members leave the old group (a new address, a group made by this update).
  if (!observed && !oldGroupId) return;
  const oldMembers = oldGroupId ? await directory.listMembers(oldGroupId) : undefined;
  const plan = planBinding(
    { ids: desiredIds(Object.keys(inputs.members), inputs.memberGroupIds, resolution.resolved), inputs },
    {
      observed: observed ?? [],
      // Which members the binding added is in its state, which check does not see: a member
      // that was among its users before counts as its own here (additive mode may remove it).
      managed: new Set((observed ?? []).filter((m) => previous?.members?.[m.label] !== undefined && previous.target?.groupId === groupId).map((m) => m.id)),
      owners,
      moveFrom: oldGroupId && oldMembers ? { label: previous!.target!.label, members: oldMembers.filter((m) => m.role === "MEMBER" && previous!.members?.[m.label] !== undefined) } : undefined,
    },
  );
  // A create: what was already there, so that the recovery of a killed apply can tell what it added.
  if (!previous?.members) inputs.__membersAtCheck = encodeKeySet(keys, new Set(plan.membership.present.keys()));
  inputs.removals = plan.removals;
  inputs.kept = plan.kept;
  if (plan.guard) failures.push({ property: "maxRemovalPercent", reason: plan.guard });
}

import { checkFields, isUnknown, type CheckFailure } from "../contract/checkInputs";
import { defineResource, type Document, type ReadOutcome } from "../contract/defineResource";
import { pulumiNameOf, resourceLabel, PULUMI_NAME_KEY, withResourceContext } from "../contract/resourceName";
import { readStoredState } from "../contract/storedState";
import { type GraphGroup } from "../entra/client";
import { describeTakeover, groupFieldChanges, isSecurityGroup, planTakeover, plannedNickname, takeoverClaims, type TakeoverPlan } from "../entra/plan";
import {
  ENTRA_GROUP_STATE_VERSION,
  entraSecurityGroupArgsSchema,
  entraSecurityGroupInputsSchema,
  plannedMailNickname,
  upgradeEntraGroupState,
  type EntraSecurityGroupInputs,
  type EntraSecurityGroupState,
} from "../entra/schema";
import { isKnownId } from "../groups/bindingCheck";
import { effectiveDeletionPolicy, isDormant, keepSyncedFields, managedDiff, pendingId, refreshedGroup } from "../groups/lifecycle";
import { managementRefSchema, type ManagementRef } from "../groups/management";
import { claimKeys, groupConflictMessage } from "../groups/runRegistry";
import { INTERRUPTED_CREATE_KEY } from "../recovery/interruptedCreates";
import { programBindingProblems } from "./groupBinding";
import { SettingsError } from "../settings";
import { providerContext, type ProviderContext } from "../context";
import { see } from "../contract/docs";

export const ENTRA_SECURITY_GROUP_TYPE = "EntraSecurityGroup";

type Inputs = EntraSecurityGroupInputs;
type State = EntraSecurityGroupState;

function client(context: ProviderContext, management: ManagementRef) {
  return context.graph(management.tenantId ?? "");
}

function loadState(props: Document): State {
  if (props[INTERRUPTED_CREATE_KEY] === true) {
    // Made by group-export-recover and resolved only by a refresh (readInterruptedCreate).
    throw new Error(
      `${owner(pulumiNameOf(props), props.displayName)}: this state entry stands for the interrupted create of group "${String(props.displayName)}" and has not been refreshed yet: ` +
        `run pulumi refresh --yes --clear-pending-creates first (${see("recovery")})`,
    );
  }
  return readStoredState(owner(pulumiNameOf(props), props.displayName), props, upgradeEntraGroupState, "manage the group again");
}

const UNIQUENESS_FIX =
  'declare each Entra group once (remove one of the resources), give them different display names, or, to really have two groups of one name, set onExisting: "create" on both';

function owner(name: string | undefined, displayName: unknown): string {
  return resourceLabel(ENTRA_SECURITY_GROUP_TYPE, name, String(displayName ?? ""));
}

function stateOf(inputs: Inputs, group: Pick<GraphGroup, "id" | "displayName" | "description" | "mailNickname">, origin: EntraSecurityGroupState["origin"]): EntraSecurityGroupState {
  const { management, adoption, onAmbiguousName, onExisting, adoptId, deletionPolicy, pulumiName } = inputs;
  return {
    stateVersion: ENTRA_GROUP_STATE_VERSION,
    management,
    ...(adoption ? { adoption } : {}),
    ...(pulumiName ? { pulumiName } : {}),
    displayName: group.displayName,
    description: group.description ?? "",
    mailNickname: group.mailNickname,
    ...(onAmbiguousName ? { onAmbiguousName } : {}),
    ...(onExisting ? { onExisting } : {}),
    ...(adoptId ? { adoptId } : {}),
    ...(deletionPolicy ? { deletionPolicy } : {}),
    groupId: group.id,
    origin,
  };
}

/** The takeover plan against the directory as it is now (read-only), with the ids of the groups of that name seen. */
async function lookupTakeover(context: ProviderContext, desired: Pick<Inputs, "management" | "displayName" | "adoptId" | "onAmbiguousName" | "onExisting">): Promise<TakeoverPlan & { seen: Set<string> }> {
  const graph = client(context, desired.management);
  if (desired.adoptId) {
    const pinned = await graph.getGroup(desired.adoptId);
    if (!pinned) return { action: "fail", field: "adoptId", message: `adoptId ${desired.adoptId} is no group in ${desired.management.directoryKey}: give an existing group's object id`, seen: new Set() };
    if (!isSecurityGroup(pinned)) return { action: "fail", field: "adoptId", message: `adoptId ${desired.adoptId} is not a security group: only security groups are managed`, seen: new Set() };
  }
  const candidates = await graph.findGroupsByDisplayName(desired.displayName);
  return { ...planTakeover(desired.displayName, candidates, desired), seen: new Set(candidates.map((g) => g.id)) };
}

/** The checked management reference among check's values, unless it is unknown until apply. */
function managementOf(values: Document): ManagementRef | undefined {
  const parsed = managementRefSchema.safeParse(values.management);
  return parsed.success ? parsed.data : undefined;
}

function checkDirectory(values: Document, failures: CheckFailure[]): void {
  const management = managementOf(values);
  if (management && management.service !== "entra") {
    failures.push({ property: "management", reason: `is the Google Workspace directory ${management.directoryKey}: an EntraSecurityGroup needs an Entra ID DirectoryGroupManagement` });
  }
  for (const option of ["onAmbiguousName", "onExisting"]) {
    if (values.adoptId !== undefined && values[option] !== undefined) {
      failures.push({ property: option, reason: "has no effect with adoptId (the pinned group is taken over): remove one of them" });
    }
  }
}

/**
 * Takes the group over or makes it. Ownership by evidence: `created` only when this create made
 * the group (Graph answered it, or its answer was lost and the group it sent is found by the
 * mail nickname unique to it); a group found existing is `adopted`, whatever its fields say.
 */
async function createForReal(context: ProviderContext, who: string, desired: Inputs): Promise<{ group: Pick<GraphGroup, "id" | "displayName" | "description" | "mailNickname">; origin: "created" | "adopted" }> {
  const graph = client(context, desired.management);
  const plan = await lookupTakeover(context, desired);
  if (plan.action === "fail") throw new Error(plan.message);
  // Before the first write: no other resource of this run claims the same group (values unknown at preview are known now).
  const others = takeoverClaims(desired.management.directoryKey, desired, undefined).flatMap((c) => context.run.otherHolders(who, c.key).map((holder) => ({ holder, label: c.label })));
  // A takeover waits until the program's other groups are checked (and managed ones diffed): one of them may hold this group.
  if (plan.action === "adopt") others.push(...(await context.run.othersHoldingGroup(who, desired.management.directoryKey, plan.groupId)));
  if (others.length > 0) throw new Error(groupConflictMessage(who, others, desired.management.directoryKey, UNIQUENESS_FIX));
  if (plan.action === "adopt") {
    const existing = (await graph.getGroup(plan.groupId))!;
    const patch = groupFieldChanges(desired, { displayName: existing.displayName, description: existing.description ?? "", mailNickname: existing.mailNickname });
    if (Object.keys(patch).length > 0) await graph.patchGroup(existing.id, patch);
    return { group: { ...existing, ...patch }, origin: "adopted" };
  }
  const mailNickname = desired.mailNickname ?? plannedNickname(desired.adoption) ?? plannedMailNickname(desired.displayName);
  const group = await graph.createSecurityGroup({ displayName: desired.displayName, description: desired.description, mailNickname }, plan.seen);
  return { group, origin: "created" };
}

/** Lifecycle of an Entra ID security group, identified by display name until it is managed. */
export const entraSecurityGroupProvider = defineResource<ProviderContext, Inputs, State>(
  {
    type: ENTRA_SECURITY_GROUP_TYPE,
    label: (document) => owner(pulumiNameOf(document), document.displayName),
    name: pulumiNameOf,
    inputs: entraSecurityGroupInputsSchema,
    loadState,

    async check(context, olds, news) {
      const { [PULUMI_NAME_KEY]: _name, ...given } = news;
      const name = pulumiNameOf(news);
      const { values, failures } = checkFields(ENTRA_SECURITY_GROUP_TYPE, entraSecurityGroupArgsSchema, given);
      checkDirectory(values, failures);
      const who = owner(name, values.displayName);
      const management = managementOf(values);
      const known = !Object.values(values).some(isUnknown);
      // Released, the group keeps what the preview found when it was taken on: managed again later, it is
      // the same group (made or adopted as then), not one found existing and taken over anew.
      if (management?.released !== undefined && typeof olds.adoption === "string") values.adoption = olds.adoption;
      // A released group is no longer this stack's: it claims nothing, reads nothing.
      if (failures.length === 0 && management && known && management.released === undefined) {
        try {
          context.settings.entra();
        } catch (error) {
          if (error instanceof SettingsError) throw new Error(`${who}: ${error.message}`);
          throw error;
        }
        // values were checked field by field against the schema just above, and none is unknown.
        const desired = entraSecurityGroupInputsSchema.parse(values);
        // Once a group is managed its identity is its object id: takeover is decided once, at first preview.
        let adopted: string | undefined;
        if (typeof olds.adoption === "string") values.adoption = olds.adoption;
        else if (context.switches.enabled(management)) {
          const plan = await withResourceContext(who, `group "${desired.displayName}"`, () => lookupTakeover(context, desired));
          if (plan.action === "fail") failures.push({ property: plan.field, reason: plan.message });
          else values.adoption = describeTakeover(plan, plan.action === "create" && desired.mailNickname === undefined ? plannedMailNickname(desired.displayName) : undefined);
          if (plan.action === "adopt") {
            adopted = plan.groupId;
            // Taking the group over must not come before a refusal of its bindings.
            const target = { directoryKey: management.directoryKey, service: "entra" as const, groupId: plan.groupId, label: desired.displayName };
            for (const reason of await withResourceContext(who, `group "${desired.displayName}"`, () => programBindingProblems(context, management, target))) failures.push({ property: "displayName", reason });
          }
        }
        // A group this stack creates has the description the program gives, else none; an adopted one keeps its own unless given.
        if (values.description === undefined && !(typeof values.adoption === "string" && values.adoption.startsWith("adopt"))) values.description = "";
        if (adopted) context.run.recordPlannedGroup(management.directoryKey, desired.displayName, adopted);
        const conflicts = context.run.registerClaims(who, takeoverClaims(management.directoryKey, desired, adopted));
        if (conflicts.length > 0) failures.push({ property: "displayName", reason: groupConflictMessage(who, conflicts, management.directoryKey, UNIQUENESS_FIX) });
      }
      // Not synced (released, or management disabled): the inputs keep the name, description and nickname last
      // synced, which the group still has (claims above are the program's own values).
      if (management && !context.switches.enabled(management)) keepSyncedFields(values, olds, ["displayName", "description", "mailNickname"]);
      context.run.groupChecked(who, Object.keys(olds).length > 0);
      return { inputs: { ...values, ...(name ? { [PULUMI_NAME_KEY]: name } : {}) }, failures };
    },

    async diff(context, _id, state, desired, call) {
      const who = owner(desired.pulumiName, desired.displayName);
      try {
        const changed = Object.keys(groupFieldChanges(desired, state)).length > 0 || state.deletionPolicy !== desired.deletionPolicy;
        const diff = managedDiff(state, desired, changed, context.switches.enabled(desired.management));
        if (!call.refresh && diff.replaces.length === 0 && isKnownId(state.groupId) && desired.management.released === undefined) {
          // Its check claimed no id (its inputs hold none): the group it keeps is claimed here.
          const conflicts = context.run.claimHeldGroup(who, desired.management.directoryKey, state.groupId);
          if (conflicts.length > 0) throw new Error(groupConflictMessage(who, conflicts, desired.management.directoryKey, UNIQUENESS_FIX));
          // Renamed in place: its bindings' previews find it under the new display name.
          context.run.recordPlannedGroup(desired.management.directoryKey, desired.displayName, state.groupId);
        }
        return diff;
      } finally {
        if (!call.refresh) context.run.groupDiffed(who);
      }
    },

    async create(context, desired) {
      if (!context.switches.enabled(desired.management)) {
        const pending = { id: "", displayName: desired.displayName, description: desired.description ?? null, mailNickname: desired.mailNickname ?? "" };
        return { id: pendingId(), outs: stateOf(desired, pending, "pending") };
      }
      const who = owner(desired.pulumiName, desired.displayName);
      const { group, origin } = await withResourceContext(who, `group "${desired.displayName}"`, () => createForReal(context, who, desired));
      context.run.recordTakenByCreate(desired.management.directoryKey, group.id);
      return { id: group.id, outs: stateOf(desired, group, origin) };
    },

    readEntry: async (context, _id, props) => (props[INTERRUPTED_CREATE_KEY] === true ? readInterruptedCreate(context, props) : false),

    async read(context, id, state) {
      if (isDormant(state, context.switches.enabled(state.management))) return { id };
      const who = owner(state.pulumiName, state.displayName);
      // Its members' first page is read alongside, for its binding's read (a refresh reads groups, then bindings).
      client(context, state.management).prefetchMembers(state.groupId);
      const observed = await withResourceContext(who, `group "${state.displayName}" (${state.groupId})`, () => client(context, state.management).getGroup(state.groupId));
      // A 404 is the answer: the group is gone (refresh drops it; the next up makes it again).
      if (!observed) return undefined;
      return refreshedGroup(id, { ...state, displayName: observed.displayName, description: observed.description ?? "", mailNickname: observed.mailNickname });
    },

    async update(context, _id, state, desired) {
      if (!context.switches.enabled(desired.management)) return { outs: { ...state, management: desired.management } };
      const patch = groupFieldChanges(desired, state);
      const who = owner(desired.pulumiName, desired.displayName);
      if (Object.keys(patch).length > 0) {
        await withResourceContext(who, `group "${state.displayName}" (${state.groupId})`, async () => {
          // Of two resources that would both manage the group, neither writes (see RunRegistry.othersHoldingGroup).
          const others = await context.run.othersHoldingGroup(who, desired.management.directoryKey, state.groupId);
          if (others.length > 0) throw new Error(groupConflictMessage(who, others, desired.management.directoryKey, UNIQUENESS_FIX));
          await client(context, desired.management).patchGroup(state.groupId, patch);
        });
      }
      const group = { id: state.groupId, displayName: state.displayName, description: state.description, mailNickname: state.mailNickname, ...patch };
      return { outs: stateOf(desired, group, state.origin) };
    },

    async delete(context, _id, state) {
      if (isDormant(state, context.switches.enabled(state.management))) return;
      if (effectiveDeletionPolicy(state.origin, state.deletionPolicy) !== "delete") return;
      const who = owner(state.pulumiName, state.displayName);
      // Another resource of this run took the group over (e.g. the resource was renamed without an alias): release it, do not delete it under that resource.
      if (context.run.otherHolders(who, claimKeys.group(state.management.directoryKey, state.groupId)).length > 0) return;
      // Or this resource's replacement found it (see RunRegistry.takenByCreate).
      if (context.run.takenByCreate(state.management.directoryKey, state.groupId)) return;
      await withResourceContext(who, `group "${state.displayName}" (${state.groupId})`, () => client(context, state.management).deleteGroup(state.groupId));
    },
  },
  providerContext,
);

/**
 * Refresh of a state entry made from the pending CREATE of a killed run (group-export-recover):
 * that run's check planned a create with a mail nickname unique to it (or the program's), so the
 * one group with that nickname and display name is the one its POST made: recorded as created,
 * under its id. None: the POST never landed; the entry is dropped and the next up creates it.
 */
async function readInterruptedCreate(context: ProviderContext, props: Document): Promise<ReadOutcome<State>> {
  const { [INTERRUPTED_CREATE_KEY]: _marker, ...inputs } = props;
  // The entry holds the inputs of the killed run's check (group-export-recover copied them).
  const desired = entraSecurityGroupInputsSchema.parse(inputs);
  const nickname = desired.mailNickname ?? plannedNickname(desired.adoption);
  if (!nickname) return undefined;
  const who = owner(desired.pulumiName, desired.displayName);
  const found = await withResourceContext(who, `group "${desired.displayName}"`, () => client(context, desired.management).findGroupsByMailNickname(nickname));
  const made = found.filter((g) => g.displayName === desired.displayName && isSecurityGroup(g));
  if (made.length !== 1) return undefined;
  return refreshedGroup(made[0].id, stateOf(desired, made[0], "created"));
}

import { checkFields, isUnknown } from "../contract/checkInputs";
import { defineResource, type Document, type ReadOutcome } from "../contract/defineResource";
import { pulumiNameOf, resourceLabel, PULUMI_NAME_KEY, withResourceContext } from "../contract/resourceName";
import { readStoredState } from "../contract/storedState";
import type { DirectoryGroup } from "../google/client";
import { adoptionAliasesNote, adoptionSettingsNote, aliasClaims, aliasConflictsAtPreview, applyExtras, userAddress, usersHolding, checkExtras, currentGroup, declaredSettingsOnly, extrasChanged, keepsOwnSettings, prefetchExtras, readExtras, refreshedInputs } from "../google/groupExtras";
import { PartialApplyError } from "../contract/partialApply";
import { checkDirectory, decideAdoption, diffGroup, groupAddresses, groupClaims, groupFieldChanges, heldEmail, isAddressOfState, managementOf, observedState, stateOf } from "../google/plan";
import {
  emailLocalPart,
  googleDistributionGroupArgsSchema,
  googleDistributionGroupInputsSchema,
  upgradeGoogleGroupState,
  type GoogleDistributionGroupInputs,
  type GoogleDistributionGroupState,
} from "../google/schema";
import { isKnownId } from "../groups/bindingCheck";
import { effectiveDeletionPolicy, isDormant, keepSyncedFields, pendingId, refreshedGroup } from "../groups/lifecycle";
import { claimKeys, groupConflictMessage } from "../groups/runRegistry";
import { INTERRUPTED_CREATE_KEY } from "../recovery/interruptedCreates";
import { programBindingProblems } from "./groupBinding";
import { SettingsError } from "../settings";
import { providerContext, type ProviderContext } from "../context";
import { see } from "../contract/docs";

export const GOOGLE_DISTRIBUTION_GROUP_TYPE = "GoogleDistributionGroup";

type Inputs = GoogleDistributionGroupInputs;
type State = GoogleDistributionGroupState;

/** Outputs the provider computes; a refresh must not turn them into inputs. */
const COMPUTED = ["primaryEmail", "aliases", "nonEditableAliases", "aliasesManaged", "settingsWritten"];

const UNIQUENESS_FIX =
  "declare each Google group once: remove one of the resources (bind both user groups' users through one binding), or give them different addresses";

/** A stored state of any released version (`upgradeGoogleGroupState`), or an error naming the resource and what to do. */
function loadState(props: Document): State {
  if (props[INTERRUPTED_CREATE_KEY] === true) {
    // Made by group-export-recover and resolved only by a refresh (readInterruptedCreate).
    throw new Error(
      `${owner(pulumiNameOf(props), props.email)}: this state entry stands for the interrupted create of group ${String(props.email)} and has not been refreshed yet: ` +
        `run pulumi refresh --yes --clear-pending-creates first (${see("recovery")})`,
    );
  }
  return readStoredState(owner(pulumiNameOf(props), props.email), props, upgradeGoogleGroupState, "manage the group again");
}

function owner(name: string | undefined, email: unknown): string {
  return resourceLabel(GOOGLE_DISTRIBUTION_GROUP_TYPE, name, String(email ?? ""));
}

/** At apply: no other resource of this run claims the address (re-checked before the first write). */
function assertSoleOwner(context: ProviderContext, who: string, desired: Inputs): void {
  const key = claimKeys.address(desired.management.directoryKey, desired.email);
  const others = context.run.otherHolders(who, key);
  if (others.length > 0) throw new Error(groupConflictMessage(who, others.map((holder) => ({ holder, label: `address ${desired.email}` })), desired.management.directoryKey, UNIQUENESS_FIX));
}

/**
 * Before taking over a group found existing, or changing the managed one: once the program's
 * other groups are checked (and the managed ones diffed), none of them holds it. Without a
 * preview the engine applies a resource as soon as it is checked; a resource declared later, or
 * a managed one moving away from this address, may be the group's owner.
 */
async function assertNotHeld(context: ProviderContext, who: string, desired: Inputs, groupId: string): Promise<void> {
  const others = await context.run.othersHoldingGroup(who, desired.management.directoryKey, groupId);
  if (others.length > 0) throw new Error(groupConflictMessage(who, others, desired.management.directoryKey, UNIQUENESS_FIX));
}

/**
 * Finds or makes the group with the desired email; returns it and how it came to be. Ownership
 * by evidence: `created` only when this call's insert made the group (Google answered it, or its
 * answer was lost and the group at the address is recognisably the one it sent: insertGroup);
 * a group found at the address is `adopted`, whoever made it.
 */
async function findOrCreate(context: ProviderContext, who: string, desired: Inputs): Promise<{ group: DirectoryGroup; origin: "created" | "adopted" }> {
  const directory = context.google();
  const adopt = async (existing: DirectoryGroup, origin: "created" | "adopted") => {
    if (origin === "adopted") await assertNotHeld(context, who, desired, existing.id);
    const patch = groupFieldChanges(desired, existing);
    const group = Object.keys(patch).length > 0 ? { ...existing, ...(await directory.patchGroup(existing.id, patch)), aliases: existing.aliases } : existing;
    return { group, origin };
  };
  const existing = await directory.getGroup(desired.adoptId ?? desired.email);
  const decision = decideAdoption(desired, existing);
  if ("fail" in decision) throw new Error(`${decision.property}: ${decision.fail}`);
  if (existing) return adopt(existing, "adopted");
  const inserted = await directory.insertGroup({ email: desired.email, name: desired.name, description: desired.description });
  if (!inserted.existed) return { group: inserted.group, origin: "created" };
  if (inserted.ours) return adopt(inserted.group, "created");
  // 409 from someone else's group: the address was taken between the lookup and the insert.
  const refused = decideAdoption(desired, inserted.group);
  if ("fail" in refused) throw new Error(`${refused.property}: ${refused.fail}`);
  return adopt(inserted.group, "adopted");
}

/** Lifecycle of a Google Workspace distribution group, identified by its email. */
export const googleDistributionGroupProvider = defineResource<ProviderContext, Inputs, State>(
  {
    type: GOOGLE_DISTRIBUTION_GROUP_TYPE,
    label: (document) => owner(pulumiNameOf(document), document.email),
    name: pulumiNameOf,
    inputs: googleDistributionGroupInputsSchema,
    loadState,

    async check(context, olds, news) {
      const { [PULUMI_NAME_KEY]: _name, ...given } = news;
      const name = pulumiNameOf(news);
      const held = heldEmail(given, olds);
      if ("failure" in held) return { inputs: { ...given, ...(name ? { [PULUMI_NAME_KEY]: name } : {}) }, failures: [held.failure] };
      if (held.email) given.email = held.email;
      // A group waiting for an address it never had: no address to check (it stays unmade).
      if (held.email === "") delete given.email;
      const { values, failures } = checkFields(GOOGLE_DISTRIBUTION_GROUP_TYPE, held.email === "" ? googleDistributionGroupArgsSchema.omit({ email: true }) : googleDistributionGroupArgsSchema, given);
      if (held.email === "") values.email = "";
      checkDirectory(values, failures);
      const declaredSettings = values.settings;
      checkExtras(values, failures, managementOf(values));
      // Adopted groups and groups made before settings were managed keep their own (keepsOwnSettings).
      const withDefault = values.settings;
      const keepOwn = (adoption: unknown) => {
        if (failures.some((f) => f.property === "settings")) return;
        const settings = keepsOwnSettings(values.settingsDefault, adoption, olds) ? declaredSettingsOnly(declaredSettings) : withDefault;
        // The engine cannot carry an undefined value: no managed settings is no field.
        if (settings === undefined) delete values.settings;
        else values.settings = settings;
      };
      keepOwn(olds.adoption);
      const email = values.email;
      const who = owner(name, email);
      // An adopted group keeps its own name and description unless the program gives them (set below).
      const nameGiven = values.name !== undefined;
      const descriptionGiven = values.description !== undefined;
      const keepOwnTexts = (adoption: unknown, own: { name?: unknown; description?: unknown }) => {
        if (typeof adoption !== "string" || !adoption.startsWith("adopt")) return;
        if (!nameGiven && typeof own.name === "string") values.name = own.name;
        if (!descriptionGiven && typeof own.description === "string") values.description = own.description;
      };
      if (olds.email === values.email) keepOwnTexts(olds.adoption, olds);
      if (values.name === undefined && typeof email === "string" && email !== "" && !isUnknown(email)) values.name = emailLocalPart(email);
      if (values.name === undefined && email === "") values.name = "";
      if (values.description === undefined) values.description = "";
      const management = managementOf(values);
      // Released, the group keeps what the preview found when it was taken on: managed again later, it is
      // the same group (made or adopted as then, its settings still managed), not one newly taken over.
      if (management?.released !== undefined && olds.email === email && typeof olds.adoption === "string") values.adoption = olds.adoption;
      // A released group is no longer this stack's: it claims nothing, reads nothing.
      if (failures.length === 0 && management && management.released === undefined) {
        try {
          context.settings.google();
        } catch (error) {
          if (error instanceof SettingsError) throw new Error(`${who}: ${error.message}`);
          throw error;
        }
        const knownEmail = typeof email === "string" && !isUnknown(email) ? email : undefined;
        const adoptId = typeof values.adoptId === "string" && !isUnknown(values.adoptId) ? values.adoptId : undefined;
        const onExisting = values.onExisting === "adopt" || values.onExisting === "fail" ? values.onExisting : undefined;
        let found: DirectoryGroup | undefined;
        // Say at preview whether create will adopt or create (read-only lookup, only when the address or pin changed).
        const unchanged = typeof olds.adoption === "string" && olds.email === email && olds.adoptId === values.adoptId && olds.onExisting === values.onExisting;
        if (unchanged) values.adoption = olds.adoption;
        else if (knownEmail && !isUnknown(values.adoptId) && context.switches.enabled(management)) {
          found = await withResourceContext(who, `group ${adoptId ?? knownEmail}`, () => context.google().getGroup(adoptId ?? knownEmail));
          // The new email is an address of the group this resource already manages (an alias the state does not
          // know yet, or its old primary): no move and nothing taken over, so onExisting does not apply; the diff
          // makes it an update in place (sameGroupAddress).
          // The same holds when only onExisting or adoptId changed: the group found is the one already managed.
          const sameGroup = found !== undefined && typeof olds.email === "string" && typeof olds.adoption === "string" && groupAddresses(found).includes(olds.email.toLowerCase());
          context.run.recordSameGroupAddress(who, sameGroup ? found!.id : undefined);
          const decision = decideAdoption({ email: knownEmail, adoptId, onExisting }, found);
          // No group answers to the address: a user may (Google refuses the create with 409).
          const user = !found && !adoptId ? (await withResourceContext(who, `users at ${knownEmail}`, () => usersHolding(context.google(), [knownEmail]))).get(knownEmail.toLowerCase()) : undefined;
          if (sameGroup) {
            values.adoption = olds.adoption;
            keepOwnTexts(olds.adoption, olds);
          } else if (user) failures.push({ property: "email", reason: `${knownEmail} is ${userAddress(knownEmail, user)} in Google Workspace, not a group's: a group cannot take it. Fix: give the group an address of its own` });
          else if ("fail" in decision) failures.push({ property: decision.property, reason: decision.fail });
          else {
            // Released by a version that dropped `adoption`: the group found at the released address is the one this stack managed.
            if (found && "adoption" in decision && regainsReleased(olds, knownEmail)) decision.adoption = `manage again group ${found.id} (released earlier)`;
            keepOwn(decision.adoption);
            if (found) keepOwnTexts(decision.adoption, found);
            // Taking a group over must not change its settings unseen: the preview names those that change.
            const settingsNote = found && failures.length === 0 ? await withResourceContext(who, `settings of group ${found.email}`, () => adoptionSettingsNote(context, found!.email, values.settings)) : "";
            // Nor remove one of its addresses unseen: the declared aliases are the exact set.
            const note = settingsNote + (found ? adoptionAliasesNote(found, knownEmail, values.aliases) : "");
            values.adoption = movedFrom(context, who, olds, knownEmail, decision.adoption + note);
            // Taking the group over (or moving to it) must not come before a refusal of its bindings.
            if (found && failures.length === 0) {
              const target = { directoryKey: management.directoryKey, service: "google" as const, groupId: found.id, label: knownEmail };
              for (const reason of await withResourceContext(who, `group ${knownEmail}`, () => programBindingProblems(context, management, target))) failures.push({ property: "email", reason });
            }
          }
        }
        // `aliases` declared for the first time on a group already managed: the aliases it has that are
        // not listed go at apply; the old inputs hold none, so the preview names them in `adoption`.
        if (unchanged && knownEmail && olds.aliases === undefined && Array.isArray(values.aliases) && !isUnknown(values.aliases) && context.switches.enabled(management)) {
          const held = await withResourceContext(who, `aliases of ${knownEmail}`, () => context.google().getGroup(knownEmail));
          const note = held ? adoptionAliasesNote(held, knownEmail, values.aliases) : "";
          if (note) values.adoption = String(olds.adoption).replace(/; aliases to remove: [^;]*/, "") + note;
        }
        // Aliases to add that another group already answers to: refused now, not at apply.
        if (knownEmail && context.switches.enabled(management) && !failures.some((f) => f.property === "aliases")) {
          const replaced = replacedEmail(context, who, knownEmail);
          const aliasCheck = await withResourceContext(who, `aliases of ${knownEmail}`, () => aliasConflictsAtPreview(context, knownEmail, values.aliases, olds.aliases, replaced));
          failures.push(...aliasCheck.failures);
          if (aliasCheck.moved.length > 0 && typeof values.adoption === "string") values.adoption += `; aliases moved from the replaced group ${replaced}: ${aliasCheck.moved.join(", ")}`;
        }
        const conflicts = context.run.registerClaims(who, [...groupClaims(management.directoryKey, knownEmail, adoptId, found), ...aliasClaims(management.directoryKey, values.aliases)]);
        if (conflicts.length > 0) failures.push({ property: "email", reason: groupConflictMessage(who, conflicts, management.directoryKey, UNIQUENESS_FIX) });
      }
      // Not synced (released, or management disabled): the inputs keep the texts, settings and aliases last
      // synced, which the group still has (claims above are the program's own values).
      if (management && !context.switches.enabled(management) && olds.email === email) keepSyncedFields(values, olds, ["name", "description", "settings", "aliases"]);
      context.run.groupChecked(who, Object.keys(olds).length > 0);
      return { inputs: { ...values, ...(name ? { [PULUMI_NAME_KEY]: name } : {}) }, failures };
    },

    async diff(context, _id, state, desired, call) {
      const who = owner(desired.pulumiName, desired.email);
      try {
        const enabled = context.switches.enabled(desired.management);
        const diff = diffGroup(state, desired, enabled, !call.refresh && foundAtAddress(context, who, state));
        if (!call.refresh && diff.replaces.length === 0 && isKnownId(state.groupId) && desired.management.released === undefined) {
          // Its check claimed no id (its inputs hold none): the group it keeps is claimed here.
          const conflicts = context.run.claimHeldGroup(who, desired.management.directoryKey, state.groupId);
          if (conflicts.length > 0) throw new Error(groupConflictMessage(who, conflicts, desired.management.directoryKey, UNIQUENESS_FIX));
          // Kept in place (a new name, or an address that is already its alias): its bindings' previews find it by the address.
          context.run.recordPlannedGroup(desired.management.directoryKey, desired.email.toLowerCase(), state.groupId);
        }
        // Settings and aliases change in place; while management is off or the group is pending, the group's own diff decides.
        if (!diff.changes && enabled && state.origin !== "pending" && extrasChanged(state, desired)) return { changes: true, replaces: [] };
        return diff;
      } finally {
        if (!call.refresh) context.run.groupDiffed(who);
      }
    },

    async create(context, desired) {
      if (!context.switches.enabled(desired.management)) {
        const pending = { id: "", email: desired.email, name: desired.name, description: desired.description };
        return { id: pendingId(), outs: stateOf(desired, pending, "pending") };
      }
      const who = owner(desired.pulumiName, desired.email);
      return withResourceContext(who, `group ${desired.email}`, async () => {
        assertSoleOwner(context, who, desired);
        const { group, origin } = await findOrCreate(context, who, desired);
        context.run.recordTakenByCreate(desired.management.directoryKey, group.id);
        const made = stateOf(desired, group, origin);
        try {
          const extras = await applyExtras(context, desired, group, context.run.recentlyCreated(group.id), replacedEmail(context, who, desired.email));
          return { id: group.id, outs: { ...made, ...extras } };
        } catch (error) {
          // The group exists: record it, so the next up finishes its settings and aliases instead of orphaning it.
          const message = error instanceof Error ? error.message : String(error);
          throw new PartialApplyError(`${who} (group ${desired.email}): ${message}. The group was ${origin}; run pulumi up again to finish`, group.id, made);
        }
      });
    },

    readEntry: async (context, _id, props) => (props[INTERRUPTED_CREATE_KEY] === true ? readInterruptedCreate(context, props) : false),

    async read(context, id, state) {
      if (isDormant(state, context.switches.enabled(state.management))) return { id };
      // Read alongside the group: its settings, and its members' first page for its binding's read (a refresh reads groups, then bindings).
      prefetchExtras(context, state);
      context.google().prefetchMembers(state.groupId);
      const observed = await withResourceContext(owner(state.pulumiName, state.email), `group ${state.email} (${state.groupId})`, () => context.google().getGroup(state.groupId));
      // A 404 is the answer: the group is gone (refresh drops it; the next up makes it again).
      if (!observed) return undefined;
      const base = observedState(state, observed);
      const extras = await withResourceContext(owner(state.pulumiName, state.email), `settings of group ${observed.email}`, () => readExtras(context, { ...state, email: base.email }, observed));
      const refreshed = { ...base, ...extras };
      const result = refreshedGroup(id, refreshed, COMPUTED);
      return { ...result, inputs: refreshedInputs(result.inputs, refreshed) };
    },

    async update(context, _id, state, desired) {
      if (!context.switches.enabled(desired.management)) return { outs: { ...state, management: desired.management } };
      const who = owner(desired.pulumiName, desired.email);
      return withResourceContext(who, `group ${state.email} (${state.groupId})`, async () => {
        // Another group is a replacement (diff); an update only ever concerns the managed group.
        if (!isAddressOfState(desired.email, state) && !foundAtAddress(context, who, state)) throw new Error(`email ${desired.email} is not an address of the managed group; this change must replace the resource (run pulumi up again)`);
        assertSoleOwner(context, who, desired);
        await assertNotHeld(context, who, desired, state.groupId);
        const patch = groupFieldChanges(desired, state);
        const current: DirectoryGroup = { id: state.groupId, email: state.primaryEmail ?? state.email, name: state.name, description: state.description, aliases: state.aliases ?? [] };
        const patched = Object.keys(patch).length > 0 ? { ...current, ...(await context.google().patchGroup(state.groupId, patch)), aliases: current.aliases, nonEditableAliases: state.nonEditableAliases } : { ...current, nonEditableAliases: state.nonEditableAliases };
        const group = await currentGroup(context, desired, patched);
        // What the state knows of the settings decides writes too: a read lagging behind our last write must not skip one.
        const extras = await applyExtras(context, desired, group, false, undefined, state.settings);
        const written = extras.settingsWritten ?? state.settingsWritten;
        return { outs: { ...stateOf(desired, group, state.origin), ...extras, ...(written ? { settingsWritten: written } : {}) } };
      });
    },

    async delete(context, _id, state) {
      if (isDormant(state, context.switches.enabled(state.management))) return;
      if (effectiveDeletionPolicy(state.origin, state.deletionPolicy) !== "delete") return;
      const who = owner(state.pulumiName, state.email);
      // Another resource of this run took the group over (e.g. the resource was renamed without an alias): release it, do not delete it under that resource.
      const dir = state.management.directoryKey;
      const keys = [claimKeys.group(dir, state.groupId), ...[state.email, state.primaryEmail ?? state.email].map((a) => claimKeys.address(dir, a))];
      if (keys.some((k) => context.run.otherHolders(who, k).length > 0)) return;
      // Or this resource's replacement found it (its email changed to an address of the same group).
      if (context.run.takenByCreate(dir, state.groupId)) return;
      await withResourceContext(who, `group ${state.email} (${state.groupId})`, () => context.google().deleteGroup(state.groupId));
    },
  },
  providerContext,
);

/**
 * Refresh of a state entry made from the pending CREATE of a killed run (group-export-recover):
 * that run's check found the address free (`adoption: "create"`), so a group now at the
 * address is the one its insert made: recorded as created, under its real id. No group: the
 * insert never landed, the entry is dropped and the next up creates the group.
 */
async function readInterruptedCreate(context: ProviderContext, props: Document): Promise<ReadOutcome<State>> {
  const { [INTERRUPTED_CREATE_KEY]: _marker, ...inputs } = props;
  // The entry holds the inputs of the killed run's check (group-export-recover copied them).
  const desired = googleDistributionGroupInputsSchema.parse(inputs);
  const who = owner(desired.pulumiName, desired.email);
  const found = await withResourceContext(who, `group ${desired.email}`, () => context.google().getGroup(desired.email));
  if (!found) return undefined;
  // The killed run may not have reached the settings: the state records what the group holds of the
  // managed ones, so the next up applies the rest (and a drift check reports them until then).
  const made = stateOf(desired, found, "created");
  const extras = await withResourceContext(who, `settings of group ${found.email}`, () => readExtras(context, { ...made, settings: desired.settings, settingsDefault: desired.settingsDefault }, found));
  return refreshedGroup(found.id, { ...made, ...extras }, COMPUTED);
}

/**
 * This run's check found the new email on the managed group itself, the old email being one of
 * its addresses too (an alias the state does not know yet, e.g. added by hand, or its old primary):
 * no other group, so no replacement. The check decided it (by address); the diff and the update follow.
 */
function foundAtAddress(context: ProviderContext, who: string, state: State): boolean {
  return isKnownId(state.groupId) && context.run.sameGroupAddress(who) === state.groupId;
}

/** The email of the group this resource replaces in this run (its email changed), as its check recorded it. */
function replacedEmail(context: ProviderContext, who: string, email: string): string | undefined {
  const [previous, to] = (context.run.recordedMove(who) ?? "").split(">");
  return previous && to === email ? previous : undefined;
}

/** An address change is a replacement; the preview's `adoption` says what becomes of the old group. */
function movedFrom(context: ProviderContext, who: string, olds: Document, email: string, adoption: string): string {
  if (typeof olds.email === "string" && olds.email !== email && typeof olds.adoption === "string") context.run.recordMove(who, `${olds.email}>${email}`);
  // The engine checks a replacement again without old inputs: the first check of this run recorded the move.
  const [previous, to] = (context.run.recordedMove(who) ?? "").split(">");
  if (!previous || to !== email) return adoption;
  return `${adoption}; replaces the group of ${previous}, which is deleted after the members move if this stack created it, else released (deletionPolicy overrides)`;
}

/** Old inputs of a group released at this address whose `adoption` was not kept (released before it was). */
function regainsReleased(olds: Document, email: string): boolean {
  return managementOf(olds)?.released !== undefined && olds.email === email && olds.adoption === undefined;
}

import type { ManifestBinding } from "./programManifest";

/**
 * State shared by every resource within ONE run of the dynamic-provider process.
 *
 * Pulumi starts one dynamic-provider process per CLI run (`preview`, `up`, `refresh`,
 * `destroy`) and sends it the `check`/`diff`/`create`/... calls of every dynamic resource of
 * the program. That makes two things possible that no single resource could know alone:
 *
 * - **Claims** ("one remote group, one owner"): each group resource, in `check`, claims the
 *   keys that identify the remote group it would manage (address, adopted id, takeover
 *   display name); bindings claim the members of their target group. A second resource
 *   claiming a key another resource already holds gets a conflict naming both, whichever
 *   order the engine checks them in (the second one checked fails). `check` runs again at
 *   apply with values that were unknown at preview, so the same rule holds before the first
 *   write of that resource.
 * - **Objects this run created**: a 404 right after a create is plausibly replication lag
 *   and worth a retry; a 404 on anything else means the object is gone.
 *
 * One RunRegistry lives as long as the process (one CLI run): the provider context holds it.
 */

/** One key a resource claims. `shared` claims (additive bindings) coexist with each other. */
export interface Claim {
  key: string;
  /** How messages describe what the key identifies, e.g. `address eng@example.com`. */
  label: string;
  shared?: boolean;
}

/** Another resource already holds a key this resource claims. */
export interface ClaimConflict {
  label: string;
  /** The resource that claimed it first, e.g. `GoogleDistributionGroup "eng"`. */
  holder: string;
}

interface Holding {
  owner: string;
  shared: boolean;
}

/**
 * The longest a takeover waits for the program's other group resources to be checked
 * ({@link RunRegistry.groupsSettled}). Bounded, because a resource whose registration waits on
 * the outputs of the one taking over never comes; past it, the claims known by then decide.
 */
export const GROUPS_SETTLED_MAX_WAIT_MS = 20_000;

/** Keys of remote groups, one spelling per kind, so groups and bindings compare alike. */
export const claimKeys = {
  /** A Google address (primary or alias), lowercased. */
  address: (directoryKey: string, email: string) => `${directoryKey}|address|${email.toLowerCase()}`,
  /** A group's immutable id (Google id or Entra object id). */
  group: (directoryKey: string, groupId: string) => `${directoryKey}|group|${groupId.toLowerCase()}`,
  /** An Entra display name that decides a takeover (exact, case and whitespace included). */
  displayName: (directoryKey: string, displayName: string) => `${directoryKey}|displayName|${displayName}`,
  /** The members of a group, as a binding manages them (`group` is its id, or its label while the id is unknown). */
  members: (directoryKey: string, group: string) => `${directoryKey}|members|${group}`,
};

/** What a directory client needs of the run: which groups it created (their 404s may be replication lag). */
export interface CreatedGroups {
  recordCreated(groupId: string): void;
  recentlyCreated(groupId: string): boolean;
}

/** The text of a group conflict: both resources, the remote group, and the fix. */
export function groupConflictMessage(owner: string, conflicts: ClaimConflict[], directoryKey: string, fix: string): string {
  const others = [...new Set(conflicts.map((c) => c.holder))];
  const labels = [...new Set(conflicts.map((c) => c.label))];
  return `${owner} and ${others.join(", ")} would both manage one remote group (${labels.join(", ")} in ${directoryKey}): a remote group has one owner. Fix: ${fix}`;
}

/** The run's shared knowledge: claims, groups created, planned creates, moves and takeovers. */
export class RunRegistry implements CreatedGroups {
  private readonly holdings = new Map<string, Holding[]>();
  private readonly keysByOwner = new Map<string, string[]>();
  /** Group ids this process created (a 404 on them is plausibly replication lag). */
  private readonly createdIds = new Set<string>();
  private readonly takenByCreates = new Set<string>();
  private readonly sameGroupAddresses = new Map<string, string>();
  private readonly moves = new Map<string, string>();
  private readonly keptMembers = new Map<string, Map<string, Set<string>>>();
  private readonly programBindings = new Map<string, ManifestBinding[]>();
  private readonly plannedGroups = new Map<string, string>();
  private readonly declaredGroups = new Map<string, Set<string>>();
  private readonly checkedGroups = new Set<string>();
  private readonly awaitingDiff = new Set<string>();
  private readonly settledWaiters = new Set<() => boolean>();

  /**
   * Records `owner`'s claims (replacing any it made before in this run) and returns the
   * conflicts with other owners' claims. `owner` names the resource as messages should,
   * e.g. `GoogleDistributionGroup "engineering"`.
   */
  registerClaims(owner: string, claims: Claim[]): ClaimConflict[] {
    this.releaseClaims(owner);
    const conflicts: ClaimConflict[] = [];
    const seen = new Set<string>();
    for (const claim of claims) {
      if (seen.has(claim.key)) continue;
      seen.add(claim.key);
      const holders = this.holdings.get(claim.key) ?? [];
      for (const h of holders) {
        const clash = h.owner !== owner && !(h.shared && claim.shared);
        if (clash && !conflicts.some((c) => c.holder === h.owner && c.label === claim.label)) conflicts.push({ label: claim.label, holder: h.owner });
      }
      holders.push({ owner, shared: claim.shared === true });
      this.holdings.set(claim.key, holders);
    }
    this.keysByOwner.set(owner, [...seen]);
    return conflicts;
  }

  /**
   * Adds the group `owner` already manages (its state's id, known from its diff on) to its claims,
   * and returns the other owners of it. A managed resource's check claims no group id (its inputs
   * hold none: the id is in its state), so without this a new resource of the same run that finds
   * the same group under another name (a Google address the group gives up, an Entra display name
   * it is renamed from, e.g. after a user group is split in two) would take it over as well.
   */
  claimHeldGroup(owner: string, directoryKey: string, groupId: string): ClaimConflict[] {
    const key = claimKeys.group(directoryKey, groupId);
    const holders = this.holdings.get(key) ?? [];
    const conflicts = holders.filter((h) => h.owner !== owner).map((h) => ({ label: `group ${groupId}`, holder: h.owner }));
    if (!holders.some((h) => h.owner === owner)) {
      this.holdings.set(key, [...holders, { owner, shared: false }]);
      this.keysByOwner.set(owner, [...(this.keysByOwner.get(owner) ?? []), key]);
    }
    return conflicts;
  }

  /**
   * The group resources the program declares in a directory (its manifest), recorded by the
   * management's check, and how far the engine got with them: without a preview the engine
   * applies a resource as soon as it is checked, so a takeover could write before the check of a
   * resource declared after it, or the diff of a managed one (which claims its group), says that
   * the group is another's. {@link groupsSettled} waits for them.
   */
  declareGroups(directoryKey: string, owners: string[]): void {
    this.declaredGroups.set(directoryKey, new Set(owners));
    this.notifySettled();
  }

  /** `owner`'s check is done (its claims registered); `managed`: it has a state, so its diff follows. */
  groupChecked(owner: string, managed: boolean): void {
    this.checkedGroups.add(owner);
    if (managed) this.awaitingDiff.add(owner);
    else this.awaitingDiff.delete(owner);
    this.notifySettled();
  }

  /** `owner`'s diff is done (the group it holds is claimed). */
  groupDiffed(owner: string): void {
    this.awaitingDiff.delete(owner);
    this.notifySettled();
  }

  /**
   * Resolves once every group resource the program declares in the directory has been checked,
   * and each managed one diffed, so that its claims are known; or after `maxWaitMs` (a resource
   * whose registration waits on this one's outputs would otherwise never come).
   */
  groupsSettled(directoryKey: string, maxWaitMs = GROUPS_SETTLED_MAX_WAIT_MS): Promise<void> {
    const settled = () => [...(this.declaredGroups.get(directoryKey) ?? [])].every((o) => this.checkedGroups.has(o) && !this.awaitingDiff.has(o));
    if (settled()) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = () => {
        if (!settled()) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      const timer = setTimeout(() => {
        this.settledWaiters.delete(waiter);
        resolve();
      }, maxWaitMs);
      this.settledWaiters.add(waiter);
    });
  }

  /**
   * The other resources of the run that hold the group, once the program's groups are settled
   * ({@link groupsSettled}): asked before a write that takes a group over or changes one, so
   * that of two resources that would both manage it neither writes, with or without a preview.
   */
  async othersHoldingGroup(owner: string, directoryKey: string, groupId: string): Promise<ClaimConflict[]> {
    await this.groupsSettled(directoryKey);
    return this.otherHolders(owner, claimKeys.group(directoryKey, groupId)).map((holder) => ({ holder, label: `group ${groupId}` }));
  }

  private notifySettled(): void {
    for (const waiter of [...this.settledWaiters]) if (waiter()) this.settledWaiters.delete(waiter);
  }

  /** Drops every claim of `owner` (e.g. before it claims again with newer values). */
  releaseClaims(owner: string): void {
    for (const key of this.keysByOwner.get(owner) ?? []) {
      const rest = (this.holdings.get(key) ?? []).filter((h) => h.owner !== owner);
      if (rest.length > 0) this.holdings.set(key, rest);
      else this.holdings.delete(key);
    }
    this.keysByOwner.delete(owner);
  }

  /** `owner`'s check found its new email on the group it manages (`groupId`): an update in place, not a move. */
  recordSameGroupAddress(owner: string, groupId: string | undefined): void {
    if (groupId === undefined) this.sameGroupAddresses.delete(owner);
    else this.sameGroupAddresses.set(owner, groupId);
  }

  sameGroupAddress(owner: string): string | undefined {
    return this.sameGroupAddresses.get(owner);
  }

  /** The owners other than `owner` holding `key` (used at apply to re-verify a claim). */
  otherHolders(owner: string, key: string): string[] {
    return (this.holdings.get(key) ?? []).map((h) => h.owner).filter((o) => o !== owner);
  }

  recordCreated(groupId: string): void {
    this.createdIds.add(groupId.toLowerCase());
  }

  /** A group resource's create of this run now manages the group (made or found existing). */
  recordTakenByCreate(directoryKey: string, groupId: string): void {
    this.takenByCreates.add(claimKeys.group(directoryKey, groupId));
  }

  /**
   * True when a create of this run manages the group: a delete of the same run releases it
   * rather than deleting it under that resource. The engine creates a replacement before it
   * deletes the replaced resource, and a replacement has the same name (so no claim tells them
   * apart): an email changed to an address the managed group already has finds the same group.
   */
  takenByCreate(directoryKey: string, groupId: string): boolean {
    return this.takenByCreates.has(claimKeys.group(directoryKey, groupId));
  }

  /** True when this run created the object: only then is a 404 "still propagating" rather than "gone". */
  recentlyCreated(groupId: string): boolean {
    return this.createdIds.has(groupId.toLowerCase());
  }

  /** The program's bindings (its manifest), by target group key (`<directoryKey>:<label, lowercased>`). */
  recordProgramBinding(targetKey: string, binding: ManifestBinding): void {
    this.programBindings.set(targetKey, [...(this.programBindings.get(targetKey) ?? []), binding]);
  }

  programBindingsOf(targetKey: string): ManifestBinding[] {
    return this.programBindings.get(targetKey) ?? [];
  }

  /**
   * Members a binding of this run keeps in a group (its users' ids, as its diff or apply knew
   * them), so that no other binding's delete (or move) removes them: renaming a binding in a
   * program creates the new one during the update and deletes the old one at its end, and the
   * old one's delete must not take away the members the new one keeps.
   */
  recordKeptMembers(binding: string, directoryKey: string, groupId: string, ids: Iterable<string>): void {
    const key = claimKeys.group(directoryKey, groupId);
    let byBinding = this.keptMembers.get(key);
    if (!byBinding) this.keptMembers.set(key, (byBinding = new Map()));
    byBinding.set(binding, new Set([...(byBinding.get(binding) ?? []), ...ids]));
  }

  /** The member ids other bindings of this run keep in the group (see recordKeptMembers). */
  keptByOthers(binding: string, directoryKey: string, groupId: string): Set<string> {
    const kept = new Set<string>();
    for (const [other, ids] of this.keptMembers.get(claimKeys.group(directoryKey, groupId)) ?? []) if (other !== binding) for (const id of ids) kept.add(id);
    return kept;
  }

  /**
   * What a resource moves away from (e.g. "the group of eng@example.com"). When a change needs a
   * replacement, the engine checks the resource a second time WITHOUT its old inputs; the
   * first check records the move here so the second can still say it in the preview.
   */
  recordMove(owner: string, from: string): void {
    this.moves.set(owner, from);
  }

  recordedMove(owner: string): string | undefined {
    return this.moves.get(owner);
  }

  /**
   * The group a group resource will hold after this update, by directory and label (Google
   * address, lowercased; Entra display name): one its check plans to take over, or its own kept
   * in place under a changed label (its diff: a rename, not a replace). A binding of that group
   * learns the id at preview (the group's `groupId` output is unknown until it is applied): it
   * reads that group's members, lists the removals, applies the guard, and sees no move.
   */
  recordPlannedGroup(directoryKey: string, label: string, groupId: string): void {
    this.plannedGroups.set(`${directoryKey}\n${label}`, groupId);
  }

  plannedGroup(directoryKey: string, label: string): string | undefined {
    return this.plannedGroups.get(`${directoryKey}\n${label}`);
  }
}

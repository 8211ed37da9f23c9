import type { MembershipMode } from "./bindingSchema";

/**
 * One group, one owner of its membership: the bindings checked in this provider process
 * (one process serves one CLI run, so this is "the bindings of this program"), by target
 * group. Two authoritative bindings on one group would each remove the other's members, and
 * an authoritative one would remove an additive one's, so both combinations fail at preview.
 * Several additive bindings on one group are fine: each removes only what it added.
 */
interface Claim {
  name: string;
  mode: MembershipMode;
}

/** The bindings' membership claims of one provider process (one CLI run); held by the provider context. */
export class BindingClaims {
  private readonly claims = new Map<string, Claim[]>();

  /**
   * Registers that binding `name` manages the membership of the group known by `groupKeys`
   * (its id, and its address or display name) in `mode`; returns the other binding it
   * conflicts with, if any.
   */
  claimGroupMembership(name: string, mode: MembershipMode, groupKeys: string[]): Claim | undefined {
    let conflict: Claim | undefined;
    for (const key of groupKeys) {
      const others = (this.claims.get(key) ?? []).filter((c) => c.name !== name);
      conflict ??= others.find((c) => c.mode === "authoritative" || mode === "authoritative");
      this.claims.set(key, [...others, { name, mode }]);
    }
    return conflict;
  }
}

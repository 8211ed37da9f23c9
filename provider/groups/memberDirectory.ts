/**
 * What a binding needs of a directory's members, implemented once per service (Google's
 * batch endpoint, Graph's $batch and members@odata.bind).
 *
 * Members are identities, not strings: every member has the directory's id (Google's
 * member id, Entra's object id), and a desired user is matched to a member by that id,
 * whatever address the program wrote (an alias, a secondary-domain address, a guest's
 * mail). Keys of desired users are the program's addresses, lowercased.
 */

/**
 * The kinds of members both directories report. "user" is a person the program can list
 * (Google USER and EXTERNAL, Entra users and guests); the others are "non-user" members.
 */
export type MemberKind = "user" | "group" | "customer" | "servicePrincipal" | "device" | "contact" | "other";

/** Desired keys of nested groups start with this, then the group's address (Google) or display name (Entra). */
export const GROUP_KEY_PREFIX = "group:";

/** A member's role in the group. Only Google has roles; Entra members are all "MEMBER". */
export type MemberRole = "MEMBER" | "MANAGER" | "OWNER";

/** A direct member of a group as the directory reports it. */
export interface ObservedMember {
  /** The directory's id of the member (Google member id, Entra object id): its identity. */
  id: string;
  /**
   * A readable label: the primary address (lowercased) for users and groups, else the kind
   * and a name, e.g. `customer:C01abc`, `servicePrincipal:deploy-bot`. Never empty.
   */
  label: string;
  kind: MemberKind;
  role: MemberRole;
}

/** A desired user resolved to the directory's identity. */
export interface ResolvedUser {
  id: string;
  /** The member's primary address (Google) or user principal name (Entra), lowercased. */
  primary: string;
}

export interface Resolution {
  /** Desired key -> identity. */
  resolved: Map<string, ResolvedUser>;
  /**
   * Keys that match no member yet and whose identity is learned when they are added
   * (Google: adding by an address is how the directory says who it is).
   */
  toAdd: string[];
  /** Keys that match no user at all: an input error, reported all together. */
  unresolved: string[];
  /** Keys that are an address of several users (key -> those users): never given to one of them. */
  ambiguous: Map<string, string[]>;
}

export interface ResolveOptions {
  /**
   * Also find the users still to add that the directory has no account for (Google: a users
   * lookup, when the delegation allows it; Entra resolves every user anyway). Asked at preview,
   * where a refusal costs nothing; the apply learns it from the add itself.
   */
  findUnknownUsers?: boolean;
}

export interface MemberFailure {
  key: string;
  reason: string;
}

export interface AddOutcome {
  /** Keys added (or found already there), with the identity the directory gave them. */
  added: Map<string, ResolvedUser>;
  failures: MemberFailure[];
  /** Keys the directory says are no user it knows (an input error, not a transient one). */
  unknown: string[];
}

export interface MemberDirectory {
  /**
   * Current direct members of the group; `undefined` when the group does not exist (a 404
   * that is not replication lag: only a group this process created moments ago is waited for).
   * Read once per provider process and shared (check, diff and apply of one run), until this
   * process writes to the group; `fresh: true` reads again (a refresh re-reading past its own write).
   */
  listMembers(groupId: string, options?: { fresh?: boolean }): Promise<ObservedMember[] | undefined>;
  /**
   * Identities of desired users. `observed` is the group's current membership when known
   * (Google matches addresses against it and asks the group about the rest); `known` holds
   * identities resolved at an earlier apply, reused without a call.
   */
  resolveUsers(keys: string[], groupId: string | undefined, observed: ObservedMember[] | undefined, known: ReadonlyMap<string, string>, options?: ResolveOptions): Promise<Resolution>;
  /**
   * Adds members by key (and id where known), with a role where the directory has roles
   * (Google; default MEMBER); reports the identity each one got. A nested group's key is
   * `group:<address or display name>` and carries its id.
   */
  addMembers(groupId: string, members: { key: string; id?: string; role?: MemberRole }[]): Promise<AddOutcome>;
  /** Removes members by id; a member already gone counts as removed. */
  removeMembers(groupId: string, members: { key: string; id: string }[]): Promise<MemberFailure[]>;
  /** Google: changes members' roles in place (members.patch: promote or demote, never remove and add). Absent where members have no roles. */
  setRoles?(groupId: string, changes: { key: string; id: string; role: MemberRole }[]): Promise<MemberFailure[]>;
  /** Entra: the group's owners, a relation apart from its members (`/groups/{id}/owners/$ref`). Absent where owners are members with a role. */
  owners?: OwnerRelation;
}

/** A directory's owners relation (Entra). */
export interface OwnerRelation {
  /** The group's owners; undefined when the group does not exist. */
  list(groupId: string): Promise<ObservedMember[] | undefined>;
  /** Adds owners by id; one already an owner counts as added. */
  add(groupId: string, owners: { key: string; id: string }[]): Promise<MemberFailure[]>;
  /** Removes owners by id; one already gone counts as removed. */
  remove(groupId: string, owners: { key: string; id: string }[]): Promise<MemberFailure[]>;
  /** The calling application's object id (the directory may make a group's creator its owner), when known. */
  callerId(): Promise<string | undefined>;
}

/**
 * What a binding needs of a directory's members, implemented once per service (Google's
 * batch endpoint, Graph's $batch and members@odata.bind). Keys are lowercased emails/UPNs.
 */
export interface MemberDirectory {
  /** Current direct members of the group: key -> directory id. */
  listMembers(groupId: string): Promise<Map<string, string>>;
  /** Directory ids of users; keys that match no user are returned as unresolved. */
  resolveUsers(keys: string[]): Promise<{ resolved: Map<string, string>; unresolved: string[] }>;
  /** Adds members; returns the ones that failed, with why. */
  addMembers(groupId: string, members: Map<string, string>): Promise<MemberFailure[]>;
  removeMembers(groupId: string, members: Map<string, string>): Promise<MemberFailure[]>;
}

export interface MemberFailure {
  key: string;
  reason: string;
}

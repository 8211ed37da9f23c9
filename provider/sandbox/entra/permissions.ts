import type { NextFunction, Request, Response } from "express";
import { GraphError, GRAPH_MESSAGES } from "./graphErrorResponses";
import type { GraphCaller } from "./identity";
import type { GraphPermission } from "./tenant";

/**
 * Which application permissions allow an operation, least privileged first, as the
 * "Permissions" tables of the Graph reference list them. Directory.* grant everything of
 * their kind; read roles never allow writes.
 */
export const ALLOWED_ROLES = {
  readGroups: ["Group.Read.All", "GroupMember.Read.All", "Group.ReadWrite.All", "GroupMember.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
  createGroups: ["Group.Create", "Group.ReadWrite.All", "Directory.ReadWrite.All"],
  writeGroups: ["Group.ReadWrite.All", "Directory.ReadWrite.All"],
  writeMembers: ["GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"],
  readUsers: ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
} satisfies Record<string, GraphPermission[]>;

export function callerOf(res: Response): GraphCaller {
  return res.locals.caller as GraphCaller;
}

/** Throws 403 Authorization_RequestDenied unless the caller's token carries one of `roles`. */
export function demandRole(res: Response, roles: readonly GraphPermission[]): void {
  if (!callerOf(res).roles.some((r) => (roles as readonly string[]).includes(r))) {
    throw new GraphError(403, "Authorization_RequestDenied", GRAPH_MESSAGES.forbidden);
  }
}

/** Route middleware form of `demandRole`. */
export function allow(roles: readonly GraphPermission[]) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    demandRole(res, roles);
    next();
  };
}

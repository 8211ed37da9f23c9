import { Router, type Request, type Response } from "express";
import type { EntraDirectory } from "./directory";
import { sendCollection, sendCount, sendEntity } from "./odata";
import { allow, ALLOWED_ROLES } from "./permissions";
import { userResource } from "./resources";

/** User routes, read-only: get by id or userPrincipalName, list with `$filter`, `$count`. */
export function usersApi(directory: EntraDirectory): Router {
  const r = Router();
  r.get("/users", allow(ALLOWED_ROLES.readUsers), (req: Request, res: Response) => {
    sendCollection(req, res, userResource, directory.tenant.users, "users");
  });
  r.get("/users/$count", allow(ALLOWED_ROLES.readUsers), (req: Request, res: Response) => {
    sendCount(req, res, userResource, directory.tenant.users);
  });
  r.get("/users/:key", allow(ALLOWED_ROLES.readUsers), (req: Request, res: Response) => {
    sendEntity(req, res, userResource, directory.user(String(req.params.key)), "users");
  });
  return r;
}

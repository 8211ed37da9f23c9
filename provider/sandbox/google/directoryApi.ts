import { Router } from "express";
import { aliasRoutes } from "./aliases";
import { domainRoutes } from "./domains";
import type { GoogleContext } from "./context";
import { groupRoutes } from "./groups";
import { memberRoutes } from "./members";
import { userRoutes } from "./users";

/** The Directory API (mounted at /admin/directory/v1, behind authentication and the quota). */
export function directoryApi(ctx: GoogleContext): Router {
  const r = Router();
  groupRoutes(r, ctx);
  aliasRoutes(r, ctx);
  memberRoutes(r, ctx);
  userRoutes(r, ctx);
  domainRoutes(r, ctx);
  return r;
}

import { Router, type Request, type RequestHandler } from "express";
import { deletedItemsApi } from "./deletedItemsApi";
import type { EntraDirectory } from "./directory";
import { GraphError, graphErrorHandler, graphRequestIds } from "./graphErrorResponses";
import { groupsApi } from "./groupsApi";
import type { EntraIdentity } from "./identity";
import { membersApi } from "./membersApi";
import { usersApi } from "./usersApi";

/**
 * Microsoft Graph v1.0 (mounted at `/v1.0`): request ids, injected faults, then the bearer
 * token, then the routes, each of which checks its own application permissions.
 */
export function graphApi(directory: EntraDirectory, identity: EntraIdentity, faults: RequestHandler, batch: RequestHandler): Router {
  const r = Router();
  r.use(graphRequestIds, faults, identity.authenticate());
  r.post("/$batch", batch);
  r.use(groupsApi(directory), membersApi(directory), usersApi(directory), deletedItemsApi(directory));
  r.use((req: Request) => {
    const segment = req.path.split("/").filter(Boolean).pop() ?? "";
    throw new GraphError(400, "BadRequest", `Resource not found for the segment '${segment}'.`);
  });
  r.use(graphErrorHandler);
  return r;
}

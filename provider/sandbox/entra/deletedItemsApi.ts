import { Router, type Request, type Response } from "express";
import type { EntraDirectory } from "./directory";
import { sendGraphJson } from "./graphErrorResponses";
import { requestOrigin } from "./identity";
import { project, sendCollection, sendEntity } from "./odata";
import { allow, ALLOWED_ROLES } from "./permissions";
import { groupResource } from "./resources";

/** `/directory/deletedItems`: soft-deleted groups, restore and purge. */
export function deletedItemsApi(directory: EntraDirectory): Router {
  const r = Router();
  const groups = groupResource(directory);

  r.get("/directory/deletedItems/microsoft.graph.group", allow(ALLOWED_ROLES.readGroups), (req: Request, res: Response) => {
    sendCollection(req, res, groups, directory.tenant.deletedItems, "directory/deletedItems/microsoft.graph.group");
  });

  r.get("/directory/deletedItems/:id", allow(ALLOWED_ROLES.readGroups), (req: Request, res: Response) => {
    sendEntity(req, res, groups, directory.deletedGroup(String(req.params.id)), "directory/deletedItems");
  });

  r.post("/directory/deletedItems/:id/restore", allow(ALLOWED_ROLES.writeGroups), (req: Request, res: Response) => {
    const t = directory.tenant;
    const g = directory.deletedGroup(String(req.params.id));
    directory.assertUniqueNickname(g.mailNickname);
    t.deletedItems.splice(t.deletedItems.indexOf(g), 1);
    const restored = { ...g, deletedDateTime: null, members: g.members.filter((id) => directory.object(id)) };
    t.groups.push(restored);
    directory.changed();
    sendGraphJson(res, 200, {
      "@odata.context": `${requestOrigin(req)}/v1.0/$metadata#directoryObjects/$entity`,
      "@odata.type": "#microsoft.graph.group",
      ...project(groups, restored, undefined),
    });
  });

  r.delete("/directory/deletedItems/:id", allow(ALLOWED_ROLES.writeGroups), (req: Request, res: Response) => {
    const t = directory.tenant;
    t.deletedItems.splice(t.deletedItems.indexOf(directory.deletedGroup(String(req.params.id))), 1);
    res.status(204).end();
  });

  return r;
}

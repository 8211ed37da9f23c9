import { Router, type Request, type Response } from "express";
import type { EntraDirectory } from "./directory";
import { GraphError, GRAPH_MESSAGES } from "./errors";
import { sendCollection } from "./odata";
import { allow, ALLOWED_ROLES } from "./permissions";
import { directoryObjectResource, userResource } from "./resources";
import { groupKind, type EntraGroup, type EntraUser } from "./tenant";

/** Most links (members, owners) one request may add, in `members@odata.bind` or at creation. */
export const MAX_LINK_CHANGES = 20;

/** Mail-enabled security groups and distribution lists live in Exchange Online: Graph cannot write them. */
export function isExchangeManaged(g: EntraGroup): boolean {
  const kind = groupKind(g);
  return kind === "mailEnabledSecurity" || kind === "distribution";
}

/** The object id in an `@odata.id` / `members@odata.bind` URL (`.../directoryObjects|users|groups/{id}`). */
function referencedId(url: unknown): string {
  const m = typeof url === "string" ? /^https:\/\/[^/]+\/(?:v1\.0|beta)\/(?:directoryObjects|users|groups)\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i.exec(url) : null;
  if (!m) throw new GraphError(400, "Request_BadRequest", "Invalid URL format specified in payload.");
  return m[1].toLowerCase();
}

/**
 * Resolves member references and checks them all before anything changes, so that one
 * invalid or existing entry adds nothing (Graph's all-or-nothing link updates).
 */
export function resolveNewMembers(directory: EntraDirectory, group: Pick<EntraGroup, "id" | "members">, urls: unknown): string[] {
  if (!Array.isArray(urls)) throw new GraphError(400, "Request_BadRequest", "Invalid URL format specified in payload.");
  if (urls.length > MAX_LINK_CHANGES) throw new GraphError(400, "Request_BadRequest", `A resource cannot contain more than ${MAX_LINK_CHANGES} link changes.`);
  const ids = urls.map(referencedId);
  for (const [i, id] of ids.entries()) {
    if (!directory.object(id)) throw new GraphError(404, "Request_ResourceNotFound", GRAPH_MESSAGES.notFound(id));
    if (id === group.id) throw new GraphError(400, "Request_BadRequest", "A group cannot be a member of itself.");
    if (group.members.includes(id) || ids.indexOf(id) !== i) throw new GraphError(400, "Request_BadRequest", GRAPH_MESSAGES.alreadyMember);
  }
  return ids;
}

/** Membership routes: list, add (`$ref`), remove (`{id}/$ref`). */
export function membersApi(directory: EntraDirectory): Router {
  const r = Router();
  const directoryObjects = directoryObjectResource(directory);
  const members = (g: EntraGroup) => g.members.map((id) => directory.object(id)).filter((o) => o !== undefined);

  r.get("/groups/:id/members", allow(ALLOWED_ROLES.readGroups), (req: Request, res: Response) => {
    sendCollection(req, res, directoryObjects, members(directory.group(String(req.params.id))), "directoryObjects");
  });

  r.get("/groups/:id/members/microsoft.graph.user", allow(ALLOWED_ROLES.readGroups), (req: Request, res: Response) => {
    const users = members(directory.group(String(req.params.id))).filter((o): o is EntraUser => "userPrincipalName" in o);
    sendCollection(req, res, userResource, users, "users");
  });

  r.post("/groups/:id/members/$ref", allow(ALLOWED_ROLES.writeMembers), (req: Request, res: Response) => {
    const g = directory.group(String(req.params.id));
    if (isExchangeManaged(g)) throw new GraphError(400, "Request_BadRequest", GRAPH_MESSAGES.mailEnabledMembers);
    const body = (req.body ?? {}) as Record<string, unknown>;
    g.members.push(...resolveNewMembers(directory, g, [body["@odata.id"]]));
    res.status(204).end();
  });

  r.delete("/groups/:id/members/:memberId/$ref", allow(ALLOWED_ROLES.writeMembers), (req: Request, res: Response) => {
    const g = directory.group(String(req.params.id));
    if (isExchangeManaged(g)) throw new GraphError(400, "Request_BadRequest", GRAPH_MESSAGES.mailEnabledMembers);
    const index = g.members.indexOf(String(req.params.memberId).toLowerCase());
    if (index < 0) throw new GraphError(404, "Request_ResourceNotFound", GRAPH_MESSAGES.notMember);
    g.members.splice(index, 1);
    res.status(204).end();
  });

  return r;
}

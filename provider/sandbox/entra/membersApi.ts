import { Router, type Request, type Response } from "express";
import type { DirectoryObject, DirectoryObjectKind, EntraDirectory } from "./directory";
import { GraphError, GRAPH_MESSAGES } from "./graphErrorResponses";
import { sendCollection, sendCount } from "./odata";
import { allow, ALLOWED_ROLES } from "./permissions";
import { directoryObjectResource, resourceOfKind } from "./resources";
import { groupKind, type EntraGroup } from "./tenant";

/** Most links (members, owners) one request may add, in `members@odata.bind` or at creation. */
export const MAX_LINK_CHANGES = 20;

/** The two link properties of a group. */
export type GroupLink = "members" | "owners";

/** Kinds of directory object each link accepts (owners: users and service principals, per the group resource page). */
const LINK_TARGETS: Record<GroupLink, readonly DirectoryObjectKind[]> = {
  members: ["user", "group", "servicePrincipal", "device", "orgContact"],
  owners: ["user", "servicePrincipal"],
};

/** Mail-enabled security groups and distribution lists live in Exchange Online: Graph cannot write them. */
export function isExchangeManaged(g: EntraGroup): boolean {
  const kind = groupKind(g);
  return kind === "mailEnabledSecurity" || kind === "distribution";
}

/** The ids of one link of a group (groups pushed into the tenant by hand may lack `owners`). */
export function linksOf(g: EntraGroup, link: GroupLink): string[] {
  return link === "members" ? g.members : (g.owners ??= []);
}

/** The object id in an `@odata.id` / `…@odata.bind` URL (`.../directoryObjects|users|groups|…/{id}`). */
function referencedId(url: unknown): string {
  const m =
    typeof url === "string"
      ? /^https:\/\/[^/]+\/(?:v1\.0|beta)\/(?:directoryObjects|users|groups|servicePrincipals|devices|contacts)\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i.exec(url)
      : null;
  if (!m) throw new GraphError(400, "Request_BadRequest", "Invalid URL format specified in payload.");
  return m[1].toLowerCase();
}

/**
 * Resolves link references and checks them all before anything changes, so that one invalid
 * or existing entry adds nothing (Graph's all-or-nothing link updates).
 */
export function resolveNewLinks(directory: EntraDirectory, group: EntraGroup, urls: unknown, link: GroupLink = "members"): string[] {
  if (!Array.isArray(urls)) throw new GraphError(400, "Request_BadRequest", "Invalid URL format specified in payload.");
  if (urls.length > MAX_LINK_CHANGES) throw new GraphError(400, "Request_BadRequest", GRAPH_MESSAGES.tooManyLinks);
  const ids = urls.map(referencedId);
  const existing = new Set(linksOf(group, link));
  const seen = new Set<string>();
  for (const id of ids) {
    const target = directory.object(id);
    if (!target) throw new GraphError(404, "Request_ResourceNotFound", GRAPH_MESSAGES.notFound(id));
    if (!LINK_TARGETS[link].includes(target.kind)) throw new GraphError(400, "Request_BadRequest", GRAPH_MESSAGES.unsupportedLinkTarget(link));
    if (link === "members" && id === group.id) throw new GraphError(400, "Request_BadRequest", "A group cannot be a member of itself.");
    if (existing.has(id) || seen.has(id)) throw new GraphError(400, "Request_BadRequest", GRAPH_MESSAGES.alreadyLinked(link));
    seen.add(id);
  }
  return ids;
}

/**
 * Removes one link. An id that names no object is 404 (Request_ResourceNotFound); an object
 * that is not linked is 400 Request_BadRequest "One or more removed object references do not
 * exist …", as Graph answers (clients such as Canvas LMS's Microsoft sync treat both as done).
 * The last owner that is a user cannot be removed (group-delete-owners page).
 */
export function removeLink(directory: EntraDirectory, group: EntraGroup, id: string, link: GroupLink): void {
  const key = id.toLowerCase();
  const links = linksOf(group, link);
  const index = links.indexOf(key);
  if (index < 0) {
    if (!directory.object(key)) throw new GraphError(404, "Request_ResourceNotFound", GRAPH_MESSAGES.notFound(id));
    throw new GraphError(400, "Request_BadRequest", GRAPH_MESSAGES.notLinked(link));
  }
  if (link === "owners" && links.length === 1 && directory.object(key)?.kind === "user") throw new GraphError(400, "Request_BadRequest", GRAPH_MESSAGES.lastOwner);
  links.splice(index, 1);
}

const CAST_SEGMENTS: DirectoryObjectKind[] = ["user", "group", "servicePrincipal", "device", "orgContact"];
const CAST_CONTEXT: Record<DirectoryObjectKind, string> = { user: "users", group: "groups", servicePrincipal: "servicePrincipals", device: "devices", orgContact: "contacts" };

/** Membership and ownership routes: list (and cast to one type), add (`$ref`), remove (`{id}/$ref`). */
export function membersApi(directory: EntraDirectory): Router {
  const r = Router();
  const directoryObjects = directoryObjectResource(directory);
  const kinds = resourceOfKind(directory);
  const groupOf = (req: Request) => directory.group(String(req.params.id));

  for (const link of ["members", "owners"] as const) {
    const visible = (g: EntraGroup): DirectoryObject[] => (link === "members" ? directory.members(g) : directory.members(g, linksOf(g, "owners")));
    const writeRoles = link === "members" ? ALLOWED_ROLES.writeMembers : ALLOWED_ROLES.writeGroups;

    r.get(`/groups/:id/${link}`, allow(ALLOWED_ROLES.readGroups), (req: Request, res: Response) => {
      const g = groupOf(req);
      const ids = linksOf(g, link);
      sendCollection(req, res, directoryObjects, { all: () => visible(g), from: (start, limit) => directory.membersFrom(g, ids, start, limit) }, "directoryObjects");
    });

    r.get(`/groups/:id/${link}/$count`, allow(ALLOWED_ROLES.readGroups), (req: Request, res: Response) => {
      sendCount(req, res, directoryObjects, visible(groupOf(req)));
    });

    for (const kind of CAST_SEGMENTS) {
      r.get(`/groups/:id/${link}/microsoft.graph.${kind}`, allow(ALLOWED_ROLES.readGroups), (req: Request, res: Response) => {
        const of = visible(groupOf(req))
          .filter((o) => o.kind === kind)
          .map((o) => o.o);
        // The objects are all of `kind`; the map of resource types cannot say so to the compiler.
        sendCollection(req, res, kinds[kind] as (typeof kinds)["user"], of as Parameters<(typeof kinds)["user"]["render"]>[0][], CAST_CONTEXT[kind]);
      });
    }

    r.post(`/groups/:id/${link}/$ref`, allow(writeRoles), (req: Request, res: Response) => {
      const g = groupOf(req);
      if (isExchangeManaged(g)) throw new GraphError(400, "Request_BadRequest", GRAPH_MESSAGES.mailEnabledMembers);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const ids = resolveNewLinks(directory, g, [body["@odata.id"]], link);
      linksOf(g, link).push(...ids);
      directory.linked(g, ids);
      res.status(204).end();
    });

    r.delete(`/groups/:id/${link}/:memberId/$ref`, allow(writeRoles), (req: Request, res: Response) => {
      const g = groupOf(req);
      if (isExchangeManaged(g)) throw new GraphError(400, "Request_BadRequest", GRAPH_MESSAGES.mailEnabledMembers);
      removeLink(directory, g, String(req.params.memberId), link);
      res.status(204).end();
    });
  }

  // Members of nested groups too, each object once, nested groups included (group-list-transitivemembers page).
  r.get("/groups/:id/transitiveMembers", allow(ALLOWED_ROLES.readGroups), (req: Request, res: Response) => {
    sendCollection(req, res, directoryObjects, transitiveMembers(directory, groupOf(req)), "directoryObjects");
  });

  r.get("/groups/:id/transitiveMembers/$count", allow(ALLOWED_ROLES.readGroups), (req: Request, res: Response) => {
    sendCount(req, res, directoryObjects, transitiveMembers(directory, groupOf(req)));
  });

  return r;
}

/** Direct members, then (depth first) the members of nested groups, each object once; a cycle is walked once. */
export function transitiveMembers(directory: EntraDirectory, group: EntraGroup): DirectoryObject[] {
  const seen = new Set<string>([group.id]);
  const out: DirectoryObject[] = [];
  const walk = (g: EntraGroup) => {
    for (const o of directory.members(g)) {
      if (seen.has(o.o.id)) continue;
      seen.add(o.o.id);
      out.push(o);
      if (o.kind === "group") walk(o.o);
    }
  };
  walk(group);
  return out;
}

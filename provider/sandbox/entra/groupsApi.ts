import { randomUUID } from "node:crypto";
import { Router, type Request, type Response } from "express";
import type { EntraDirectory } from "./directory";
import { GraphError, GRAPH_MESSAGES } from "./graphErrorResponses";
import { requestOrigin } from "./identity";
import { isExchangeManaged, MAX_LINK_CHANGES, resolveNewLinks } from "./membersApi";
import { sendCollection, sendCount, sendEntity } from "./odata";
import { allow, ALLOWED_ROLES, callerOf, demandRole } from "./permissions";
import { groupResource } from "./resources";
import { graphTimestamp, groupKind, isValidMailNickname, type EntraGroup } from "./tenant";

const BIND = "members@odata.bind";
const OWNERS_BIND = "owners@odata.bind";
const WRITABLE = ["displayName", "description", "mailNickname", "mailEnabled", "securityEnabled", "groupTypes", "visibility", BIND];
const VISIBILITIES = ["Public", "Private", "HiddenMembership"];

function bodyOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new GraphError(400, "BadRequest", "Empty Payload. JSON content expected.");
  return body as Record<string, unknown>;
}

function rejectUnknownProperties(body: Record<string, unknown>, also: string[] = []): void {
  const unknown = Object.keys(body).find((k) => !WRITABLE.includes(k) && !also.includes(k));
  if (unknown) {
    throw new GraphError(400, "BadRequest", `The property '${unknown}' does not exist on type 'microsoft.graph.group'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
  }
}

const invalid = (property: string) => new GraphError(400, "Request_BadRequest", GRAPH_MESSAGES.invalidValue(property));

/**
 * Validates the properties a create or update sets on `target` (the group as it would be
 * afterwards) and returns it. Graph refuses writes that would make a group mail-enabled
 * unless it is a Microsoft 365 group; empty descriptions are refused too.
 */
function applyProperties(directory: EntraDirectory, body: Record<string, unknown>, target: EntraGroup, existing?: EntraGroup): EntraGroup {
  const next = { ...target };
  if ("displayName" in body) {
    if (typeof body.displayName !== "string" || !body.displayName.trim() || body.displayName.length > 256) throw invalid("displayName");
    next.displayName = body.displayName;
  }
  if ("description" in body) {
    if (body.description !== null && (typeof body.description !== "string" || body.description === "" || body.description.length > 1024)) throw invalid("description");
    next.description = body.description;
  }
  if ("mailNickname" in body) {
    if (typeof body.mailNickname !== "string" || !isValidMailNickname(body.mailNickname)) throw invalid("mailNickname");
    next.mailNickname = body.mailNickname;
  }
  if ("groupTypes" in body) {
    const types = body.groupTypes;
    if (!Array.isArray(types) || types.some((t) => t !== "Unified")) throw invalid("groupTypes");
    if (existing && types.includes("Unified") !== existing.groupTypes.includes("Unified")) throw invalid("groupTypes");
    next.groupTypes = [...new Set(types as string[])];
  }
  for (const flag of ["mailEnabled", "securityEnabled"] as const) {
    if (!(flag in body)) continue;
    if (typeof body[flag] !== "boolean") throw invalid(flag);
    next[flag] = body[flag] as boolean;
  }
  const unified = groupKind(next) === "microsoft365";
  if (unified) next.mailEnabled = true;
  else if (next.mailEnabled) throw new GraphError(400, "Request_BadRequest", GRAPH_MESSAGES.mailEnabledWrite);
  else if (!next.securityEnabled) throw invalid("securityEnabled");
  if ("visibility" in body) {
    if (!unified || typeof body.visibility !== "string" || !VISIBILITIES.includes(body.visibility)) throw invalid("visibility");
    next.visibility = body.visibility;
  }
  if (next.mailNickname.toLowerCase() !== existing?.mailNickname.toLowerCase()) directory.assertUniqueNickname(next.mailNickname, existing);
  return next;
}

/** Group routes: create, get, list (`$filter` …), `$count`, update, delete. */
export function groupsApi(directory: EntraDirectory): Router {
  const r = Router();
  const groups = groupResource(directory);

  r.post("/groups", allow(ALLOWED_ROLES.createGroups), (req: Request, res: Response) => {
    const body = bodyOf(req);
    for (const required of ["displayName", "mailEnabled", "mailNickname", "securityEnabled"]) {
      if (body[required] === undefined || body[required] === null) throw new GraphError(400, "Request_BadRequest", GRAPH_MESSAGES.requiredValue(required));
    }
    rejectUnknownProperties(body, [OWNERS_BIND]);
    const blank: EntraGroup = {
      id: randomUUID(),
      displayName: "",
      description: null,
      mailNickname: "",
      mailEnabled: false,
      securityEnabled: true,
      groupTypes: [],
      visibility: null,
      createdDateTime: graphTimestamp(),
      deletedDateTime: null,
      members: [],
      owners: [],
    };
    const group = applyProperties(directory, body, blank);
    // Create takes members and owners together, at most 20 links in all (group-post-groups page).
    const links = [body[BIND], body[OWNERS_BIND]].filter(Array.isArray).reduce((n, a) => n + (a as unknown[]).length, 0);
    if (links > MAX_LINK_CHANGES) throw new GraphError(400, "Request_BadRequest", GRAPH_MESSAGES.tooManyLinks);
    if (body[BIND] !== undefined) group.members = resolveNewLinks(directory, group, body[BIND], "members");
    if (body[OWNERS_BIND] !== undefined) group.owners = resolveNewLinks(directory, group, body[OWNERS_BIND], "owners");
    else if (directory.tenant.groupCreatorBecomesOwner) {
      // The tenant variant where the creating principal becomes the group's owner (see the tenant schema).
      const app = directory.tenant.apps.find((a) => a.clientId === callerOf(res).appId.toLowerCase());
      if (app) group.owners = [app.servicePrincipalId];
    }
    directory.tenant.groups.push(group);
    directory.changed();
    directory.replication.inserted(group);
    res.setHeader("Location", `${requestOrigin(req)}/v2/${directory.tenant.tenantId}/directoryObjects/${group.id}/Microsoft.DirectoryServices.Group`);
    sendEntity(req, res, groups, group, "groups", 201);
  });

  r.get("/groups", allow(ALLOWED_ROLES.readGroups), (req: Request, res: Response) => {
    sendCollection(req, res, groups, directory.groups(), "groups");
  });

  r.get("/groups/$count", allow(ALLOWED_ROLES.readGroups), (req: Request, res: Response) => {
    sendCount(req, res, groups, directory.groups());
  });

  r.get("/groups/:id", allow(ALLOWED_ROLES.readGroups), (req: Request, res: Response) => {
    sendEntity(req, res, groups, directory.group(String(req.params.id)), "groups");
  });

  r.patch("/groups/:id", (req: Request, res: Response) => {
    const body = bodyOf(req);
    const properties = Object.keys(body).filter((k) => k !== BIND);
    // Binding members alone is a membership change; anything else updates the group.
    demandRole(res, properties.length > 0 ? ALLOWED_ROLES.writeGroups : ALLOWED_ROLES.writeMembers);
    const g = directory.group(String(req.params.id));
    if (isExchangeManaged(g)) {
      throw new GraphError(400, "Request_BadRequest", GRAPH_MESSAGES.mailEnabledMembers);
    }
    rejectUnknownProperties(body);
    const updated = applyProperties(directory, body, g, g);
    const added = body[BIND] !== undefined ? resolveNewLinks(directory, g, body[BIND], "members") : [];
    Object.assign(g, updated);
    g.members.push(...added);
    directory.linked(g, added);
    res.status(204).end();
  });

  r.delete("/groups/:id", allow(ALLOWED_ROLES.writeGroups), (req: Request, res: Response) => {
    const g = directory.group(String(req.params.id));
    if (isExchangeManaged(g)) throw new GraphError(400, "Request_BadRequest", "Cannot Delete a mail-enabled security groups and or distribution list.");
    directory.deleteGroup(g);
    res.status(204).end();
  });

  return r;
}

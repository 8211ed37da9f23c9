import type { Request, Response, Router } from "express";
import { lookupGroup, pageOf, queryOf, sendResource, visibleMembers, type GoogleContext } from "./context";
import { googleErrors, sendGoogleError } from "./googleErrorResponses";
import { allowScopes } from "./oauth";
import { listResource, memberResource, suspendedUserIds } from "./resources";
import { ACCEPTED_SCOPES } from "./scopes";
import {
  GOOGLE_DELIVERY_SETTINGS,
  GOOGLE_MEMBER_ROLES,
  findGoogleGroup,
  findGoogleUser,
  membersOf,
  newEtag,
  memberResolver,
  type GoogleTenant,
  type SandboxGoogleGroup,
  type SandboxGoogleMember,
} from "./tenant";

const MAX_PAGE = 200;

/** The member a memberKey names in a group: its id, its address, or an alias of the user or group. */
function findMember(t: GoogleTenant, g: SandboxGoogleGroup, key: string): SandboxGoogleMember | undefined {
  const email = key.toLowerCase();
  const entityId = findGoogleUser(t, key)?.id ?? findGoogleGroup(t, key)?.id;
  return (g.members ?? []).find((m) => m.id === key || m.email === email || (entityId !== undefined && m.id === entityId));
}

/** Direct members, then (depth first) the members of nested groups, each once. */
function derivedMembers(ctx: GoogleContext, g: SandboxGoogleGroup): SandboxGoogleMember[] {
  const seen = new Set<string>();
  const visitedGroups = new Set<string>([g.id]);
  const out: SandboxGoogleMember[] = [];
  const walk = (group: SandboxGoogleGroup) => {
    for (const m of visibleMembers(ctx, group)) {
      if (!seen.has(m.id)) {
        seen.add(m.id);
        out.push(m);
      }
      const nested = m.type === "GROUP" ? findGoogleGroup(ctx.tenant(), m.id) : undefined;
      if (nested && !visitedGroups.has(nested.id)) {
        visitedGroups.add(nested.id);
        walk(nested);
      }
    }
  };
  walk(g);
  return out;
}

/** True if `groupId` is `container` or (transitively) one of its members: adding it would close a cycle. */
function reaches(t: GoogleTenant, container: SandboxGoogleGroup, groupId: string, visited = new Set<string>()): boolean {
  if (container.id === groupId) return true;
  visited.add(container.id);
  return (container.members ?? []).some((m) => {
    const nested = m.type === "GROUP" && !visited.has(m.id) ? findGoogleGroup(t, m.id) : undefined;
    return nested !== undefined && reaches(t, nested, groupId, visited);
  });
}

/** Validates `role` and `delivery_settings` of a body; sends the 400 and returns undefined if invalid. */
function memberFields(res: Response, body: Record<string, unknown>): Partial<Pick<SandboxGoogleMember, "role" | "delivery_settings">> | undefined {
  const out: Partial<Pick<SandboxGoogleMember, "role" | "delivery_settings">> = {};
  if (body.role !== undefined) {
    const role = String(body.role).toUpperCase();
    if (!(GOOGLE_MEMBER_ROLES as readonly string[]).includes(role)) return googleErrors.invalid(res, "role");
    out.role = role as SandboxGoogleMember["role"];
  }
  if (body.delivery_settings !== undefined) {
    const setting = String(body.delivery_settings);
    if (!(GOOGLE_DELIVERY_SETTINGS as readonly string[]).includes(setting)) return googleErrors.invalid(res, "delivery_settings");
    out.delivery_settings = setting as SandboxGoogleMember["delivery_settings"];
  }
  return out;
}

/** members.* and hasMember, under /groups/{groupKey}. */
export function memberRoutes(r: Router, ctx: GoogleContext): void {
  const read = allowScopes(ACCEPTED_SCOPES.memberRead);
  const write = allowScopes(ACCEPTED_SCOPES.memberWrite);

  r.get("/groups/:groupKey/members", read, (req, res) => {
    const g = lookupGroup(ctx, res, String(req.params.groupKey));
    if (!g) return;
    const q = queryOf(req);
    const roles = q.roles?.split(",").map((s) => s.trim().toUpperCase());
    if (roles?.some((role) => !(GOOGLE_MEMBER_ROLES as readonly string[]).includes(role))) return googleErrors.invalid(res, "roles");
    const members = (q.includeDerivedMembership === "true" ? derivedMembers(ctx, g) : visibleMembers(ctx, g)).filter((m) => !roles || roles.includes(m.role));
    const page = pageOf(req, res, members, { max: MAX_PAGE, byDefault: MAX_PAGE });
    if (!page) return;
    const suspended = suspendedUserIds(ctx.tenant());
    res.json(listResource("admin#directory#members", "members", page.page.map((m) => memberResource(m, false, suspended)), page.nextPageToken));
  });

  r.post("/groups/:groupKey/members", write, (req, res) => {
    const t = ctx.tenant();
    const g = lookupGroup(ctx, res, String(req.params.groupKey));
    if (!g) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const fields = memberFields(res, body);
    if (!fields) return;
    let target: Pick<SandboxGoogleMember, "type" | "id" | "email">;
    if (body.type === "CUSTOMER") {
      if (body.id !== t.customerId && body.id !== "my_customer") return googleErrors.invalid(res, "memberKey");
      target = { type: "CUSTOMER", id: t.customerId };
    } else {
      const key = typeof body.email === "string" && body.email ? body.email : typeof body.id === "string" ? body.id : "";
      const resolved = key ? memberResolver(t)(key) : undefined;
      // Google's answer for an address of the customer's domains that has no account.
      if (!resolved || "problem" in resolved) return googleErrors.required(res, "memberKey");
      target = resolved;
    }
    if (target.type === "GROUP" && reaches(t, findGoogleGroup(t, target.id)!, g.id)) return sendGoogleError(res, 400, "Cyclic memberships not allowed.", "invalid");
    const members = membersOf(g);
    // Also when the earlier insert is not visible to reads yet: the write path knows it.
    if (members.some((m) => m.id === target.id)) return googleErrors.duplicate(res, "Member already exists.");
    const member: SandboxGoogleMember = { ...target, role: fields.role ?? "MEMBER", delivery_settings: fields.delivery_settings ?? "ALL_MAIL", etag: newEtag() };
    members.push(member);
    ctx.propagation.inserted(member);
    g.etag = newEtag();
    sendResource(res, memberResource(member, true, suspendedUserIds(t)));
  });

  r.get("/groups/:groupKey/members/:memberKey", read, (req, res) => {
    const g = lookupGroup(ctx, res, String(req.params.groupKey));
    if (!g) return;
    const m = findMember(ctx.tenant(), g, String(req.params.memberKey));
    if (!m || !ctx.propagation.visible(m)) return googleErrors.notFound(res, "memberKey");
    sendResource(res, memberResource(m, true, suspendedUserIds(ctx.tenant())));
  });

  // PUT and PATCH change the same two fields: role and delivery_settings.
  const update = (req: Request, res: Response) => {
    const g = lookupGroup(ctx, res, String(req.params.groupKey));
    if (!g) return;
    const m = findMember(ctx.tenant(), g, String(req.params.memberKey));
    if (!m) return googleErrors.notFound(res, "memberKey");
    const fields = memberFields(res, (req.body ?? {}) as Record<string, unknown>);
    if (!fields) return;
    Object.assign(m, fields, { etag: newEtag() });
    sendResource(res, memberResource(m, true, suspendedUserIds(ctx.tenant())));
  };
  r.put("/groups/:groupKey/members/:memberKey", write, update);
  r.patch("/groups/:groupKey/members/:memberKey", write, update);

  r.delete("/groups/:groupKey/members/:memberKey", write, (req, res) => {
    const g = lookupGroup(ctx, res, String(req.params.groupKey));
    if (!g) return;
    const m = findMember(ctx.tenant(), g, String(req.params.memberKey));
    if (!m) return googleErrors.notFound(res, "memberKey");
    membersOf(g).splice(membersOf(g).indexOf(m), 1);
    g.etag = newEtag();
    res.status(204).end();
  });

  r.get("/groups/:groupKey/hasMember/:memberKey", read, (req, res) => {
    const t = ctx.tenant();
    const g = lookupGroup(ctx, res, String(req.params.groupKey));
    if (!g) return;
    // Google answers only for users of the customer: external addresses and groups get 400.
    const user = findGoogleUser(t, String(req.params.memberKey));
    if (!user) return googleErrors.invalid(res, "memberKey");
    const members = derivedMembers(ctx, g);
    res.json({ isMember: members.some((m) => m.id === user.id || m.type === "CUSTOMER") });
  });
}

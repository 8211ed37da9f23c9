import type { Request, Response, Router } from "express";
import { listDomain, lookupGroup, pageOf, queryMatcher, queryOf, sendResource, visibleMembers, type GoogleContext } from "./context";
import { googleErrors, sendGoogleError } from "./googleErrorResponses";
import { allowScopes } from "./oauth";
import { groupResource, listResource } from "./resources";
import { ACCEPTED_SCOPES } from "./scopes";
import { GROUP_SETTINGS_DEFAULTS } from "./settingsSchema";
import { deleteGoogleGroup, domainOf, findGoogleGroup, findGoogleUser, inCustomerDomains, newEtag, newGoogleId, type GoogleTenant, type SandboxGoogleGroup } from "./tenant";

const MAX_PAGE = 200;
const MAX_DESCRIPTION = 4096;

/** A group address must be free and in one of the customer's domains; sends the error if not. */
function claimableEmail(t: GoogleTenant, res: Response, email: string): boolean {
  if (!inCustomerDomains(t, email)) {
    sendGoogleError(res, 400, "Domain not found.", "notFound");
    return false;
  }
  if (findGoogleGroup(t, email) || findGoogleUser(t, email)) {
    googleErrors.duplicate(res);
    return false;
  }
  return true;
}

function bodyOf(req: Request): Record<string, unknown> {
  return (req.body ?? {}) as Record<string, unknown>;
}

/** The Directory API's group endpoints (aliases and members have their own files). */
export function groupRoutes(r: Router, ctx: GoogleContext): void {
  const read = allowScopes(ACCEPTED_SCOPES.groupRead);
  const write = allowScopes(ACCEPTED_SCOPES.groupWrite);

  r.get("/groups", read, (req, res) => {
    const t = ctx.tenant();
    const q = queryOf(req);
    const domain = listDomain(ctx, res, q, "userKey");
    if (domain === undefined) return;
    const matcher = queryMatcher<SandboxGoogleGroup>(q.query ?? "", { email: (g) => g.email, name: (g) => g.name });
    if (typeof matcher === "string") return googleErrors.invalid(res, q.query ?? "");
    if (q.orderBy !== undefined && q.orderBy !== "email") return googleErrors.invalid(res, "orderBy");
    // userKey: the groups an address (user, group or external) is a direct member of.
    const memberId = q.userKey ? (findGoogleUser(t, q.userKey)?.id ?? findGoogleGroup(t, q.userKey)?.id ?? q.userKey) : undefined;
    const memberEmail = q.userKey?.toLowerCase();
    let groups = t.groups.filter(
      (g) =>
        ctx.propagation.visible(g) &&
        matcher(g) &&
        (!domain || domainOf(g.email) === domain) &&
        (!q.userKey || visibleMembers(ctx, g).some((m) => m.id === memberId || m.email === memberEmail)),
    );
    if (q.orderBy === "email") groups = [...groups].sort((a, b) => a.email.localeCompare(b.email));
    if (q.sortOrder === "DESCENDING") groups.reverse();
    const page = pageOf(req, res, groups, { max: MAX_PAGE, byDefault: MAX_PAGE });
    if (!page) return;
    res.json(listResource("admin#directory#groups", "groups", page.page.map((g) => groupResource(ctx, g)), page.nextPageToken));
  });

  r.post("/groups", write, (req, res) => {
    const t = ctx.tenant();
    const body = bodyOf(req);
    const email = typeof body.email === "string" ? body.email.trim().toLowerCase() : "";
    if (!email) return googleErrors.required(res, "email");
    if (typeof body.description === "string" && body.description.length > MAX_DESCRIPTION) return googleErrors.invalid(res, "description");
    if (!claimableEmail(t, res, email)) return;
    // Aliases and ids in the body are ignored, as Google ignores them.
    const group: SandboxGoogleGroup = {
      id: newGoogleId(),
      email,
      name: typeof body.name === "string" && body.name ? body.name : email.split("@")[0],
      description: typeof body.description === "string" ? body.description : "",
      adminCreated: true,
      aliases: [],
      etag: newEtag(),
      members: [],
      settings: { ...GROUP_SETTINGS_DEFAULTS },
    };
    t.groups.push(group);
    ctx.propagation.inserted(group);
    sendResource(res, groupResource(ctx, group));
  });

  r.get("/groups/:groupKey", read, (req, res) => {
    const g = lookupGroup(ctx, res, String(req.params.groupKey));
    if (g) sendResource(res, groupResource(ctx, g));
  });

  const update = (replace: boolean) => (req: Request, res: Response) => {
    const t = ctx.tenant();
    const g = lookupGroup(ctx, res, String(req.params.groupKey));
    if (!g) return;
    const body = bodyOf(req);
    if (typeof body.description === "string" && body.description.length > MAX_DESCRIPTION) return googleErrors.invalid(res, "description");
    if (typeof body.email === "string" && body.email.trim().toLowerCase() !== g.email) {
      const email = body.email.trim().toLowerCase();
      if (!claimableEmail(t, res, email)) return;
      // Renaming keeps the old address as an alias, as Google does; memberships follow.
      g.aliases.push(g.email);
      g.email = email;
      for (const other of t.groups) for (const m of other.members ?? []) if (m.type === "GROUP" && m.id === g.id) m.email = email;
    }
    if (typeof body.name === "string") g.name = body.name;
    else if (replace) g.name = g.email.split("@")[0];
    if (typeof body.description === "string") g.description = body.description;
    else if (replace) g.description = "";
    g.etag = newEtag();
    sendResource(res, groupResource(ctx, g));
  };
  r.put("/groups/:groupKey", write, update(true));
  r.patch("/groups/:groupKey", write, update(false));

  r.delete("/groups/:groupKey", write, (req, res) => {
    const t = ctx.tenant();
    const g = lookupGroup(ctx, res, String(req.params.groupKey));
    if (!g) return;
    deleteGoogleGroup(t, g);
    res.status(204).end();
  });
}

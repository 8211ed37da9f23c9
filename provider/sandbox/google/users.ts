import type { Router } from "express";
import { listDomain, lookupUser, pageOf, queryMatcher, queryOf, sendResource, type GoogleContext } from "./context";
import { googleErrors } from "./googleErrorResponses";
import { allowScopes } from "./oauth";
import { listResource, userResource } from "./resources";
import { ACCEPTED_SCOPES } from "./scopes";
import { domainOf, type SandboxGoogleUser } from "./tenant";

/**
 * Read-only users: enough for a client to tell accounts of the customer from external
 * addresses (users.get, and users.list with an `email:` query).
 */
export function userRoutes(r: Router, ctx: GoogleContext): void {
  const read = allowScopes(ACCEPTED_SCOPES.userRead);

  r.get("/users/:userKey", read, (req, res) => {
    const u = lookupUser(ctx, res, String(req.params.userKey));
    if (u) sendResource(res, userResource(ctx.tenant(), u));
  });

  r.get("/users", read, (req, res) => {
    const t = ctx.tenant();
    const q = queryOf(req);
    const domain = listDomain(ctx, res, q);
    if (domain === undefined) return;
    const given = (u: SandboxGoogleUser) => u.name?.givenName ?? u.primaryEmail.split("@")[0];
    const family = (u: SandboxGoogleUser) => u.name?.familyName ?? "";
    const matcher = queryMatcher<SandboxGoogleUser>(q.query ?? "", {
      email: (u) => [u.primaryEmail, ...u.aliases],
      name: (u) => `${given(u)} ${family(u)}`.trim(),
      givenName: given,
      familyName: family,
      isSuspended: (u) => u.suspended,
      isAdmin: (u) => t.admins.includes(u.primaryEmail),
    });
    if (typeof matcher === "string") return googleErrors.invalid(res, q.query ?? "");
    const sortKey = { email: (u: SandboxGoogleUser) => u.primaryEmail, givenName: given, familyName: family }[q.orderBy ?? "email"];
    if (!sortKey) return googleErrors.invalid(res, "orderBy");
    const users = t.users.filter((u) => matcher(u) && (!domain || domainOf(u.primaryEmail) === domain)).sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
    if (q.sortOrder === "DESCENDING") users.reverse();
    const page = pageOf(req, res, users, { max: 500, byDefault: 100 });
    if (page) res.json(listResource("admin#directory#users", "users", page.page.map((u) => userResource(t, u)), page.nextPageToken));
  });
}

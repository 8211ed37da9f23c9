import type { Router } from "express";
import { lookupGroup, type GoogleContext } from "./context";
import { googleErrors, sendGoogleError } from "./googleErrorResponses";
import { allowScopes } from "./oauth";
import { aliasResource, listResource } from "./resources";
import { ACCEPTED_SCOPES } from "./scopes";
import { findGoogleGroup, findGoogleUser, inCustomerDomains, newEtag } from "./tenant";

/** Group aliases: their own endpoints (aliases in a group body are ignored). */
export function aliasRoutes(r: Router, ctx: GoogleContext): void {
  r.get("/groups/:groupKey/aliases", allowScopes(ACCEPTED_SCOPES.groupRead), (req, res) => {
    const g = lookupGroup(ctx, res, String(req.params.groupKey));
    if (g) res.json(listResource("admin#directory#aliases", "aliases", g.aliases.map((a) => aliasResource(g, a))));
  });

  r.post("/groups/:groupKey/aliases", allowScopes(ACCEPTED_SCOPES.groupWrite), (req, res) => {
    const t = ctx.tenant();
    const g = lookupGroup(ctx, res, String(req.params.groupKey));
    if (!g) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const alias = typeof body.alias === "string" ? body.alias.trim().toLowerCase() : "";
    if (!alias) return googleErrors.required(res, "alias");
    if (!inCustomerDomains(t, alias)) return sendGoogleError(res, 400, "Domain not found.", "notFound");
    if (findGoogleGroup(t, alias) || findGoogleUser(t, alias)) return googleErrors.duplicate(res);
    g.aliases.push(alias);
    g.etag = newEtag();
    res.json(aliasResource(g, alias));
  });

  r.delete("/groups/:groupKey/aliases/:alias", allowScopes(ACCEPTED_SCOPES.groupWrite), (req, res) => {
    const g = lookupGroup(ctx, res, String(req.params.groupKey));
    if (!g) return;
    const index = g.aliases.indexOf(String(req.params.alias).toLowerCase());
    if (index < 0) return googleErrors.notFound(res, "alias");
    g.aliases.splice(index, 1);
    g.etag = newEtag();
    res.status(204).end();
  });
}

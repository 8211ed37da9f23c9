import type { Router } from "express";
import type { GoogleContext } from "./context";
import { googleErrors } from "./googleErrorResponses";
import { allowScopes } from "./oauth";
import { ACCEPTED_SCOPES } from "./scopes";

/**
 * domains.list (`GET /customer/{customer}/domains`): the customer's domains, the first one
 * primary, all verified, as `admin#directory#domains`. Another customer's id is a 403.
 */
export function domainRoutes(r: Router, ctx: GoogleContext): void {
  r.get("/customer/:customer/domains", allowScopes(ACCEPTED_SCOPES.domainRead), (req, res) => {
    const t = ctx.tenant();
    const customer = String(req.params.customer);
    if (customer !== "my_customer" && customer !== t.customerId) return googleErrors.forbidden(res);
    res.json({
      kind: "admin#directory#domains",
      etag: `"${t.customerId}/domains"`,
      domains: t.domains.map((domainName, i) => ({
        kind: "admin#directory#domain",
        etag: `"${t.customerId}/${domainName}"`,
        domainName,
        isPrimary: i === 0,
        verified: true,
        creationTime: "1577836800000",
      })),
    });
  });
}

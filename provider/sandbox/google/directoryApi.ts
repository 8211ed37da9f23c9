import { Router, type Request, type Response } from "express";
import { sendGoogleError } from "./errors";
import { findGoogleGroup, newEtag, newGoogleId, type GoogleTenant, type SandboxGoogleGroup } from "./tenant";

const MAX_PAGE = 200;

function groupResource(g: SandboxGoogleGroup) {
  return {
    kind: "admin#directory#group",
    id: g.id,
    etag: g.etag,
    email: g.email,
    name: g.name,
    description: g.description,
    // The real API returns this count as a string.
    directMembersCount: "0",
    adminCreated: g.adminCreated,
    ...(g.aliases.length ? { aliases: g.aliases } : {}),
  };
}

/** Parses the groups.list `query` syntax: `email=x`, `name='a b'`, `email:pre*`, space = AND. */
function queryMatcher(query: string): ((g: SandboxGoogleGroup) => boolean) | string {
  const clauses = query.match(/(\w+)\s*([=:])\s*('(?:[^']*)'|\S+)/g) ?? [];
  if (query.trim() && clauses.length === 0) return "Invalid Input: " + query;
  const tests = clauses.map((clause) => {
    const [, field, op, raw] = /(\w+)\s*([=:])\s*(.*)/.exec(clause)!;
    const value = raw.replace(/^'|'$/g, "").toLowerCase();
    return (g: SandboxGoogleGroup) => {
      const actual = (field === "email" ? g.email : field === "name" ? g.name : "").toLowerCase();
      if (op === "=") return actual === value;
      return value.endsWith("*") ? actual.startsWith(value.slice(0, -1)) : actual === value;
    };
  });
  return (g) => tests.every((t) => t(g));
}

function inDomains(tenant: GoogleTenant, email: string): boolean {
  const domain = email.split("@")[1] ?? "";
  return tenant.domains.includes(domain);
}

/** The Directory API's group endpoints, under /admin/directory/v1. */
export function directoryApi(tenant: () => GoogleTenant): Router {
  const r = Router();

  r.get("/groups", (req: Request, res: Response) => {
    const t = tenant();
    const q = req.query as Record<string, string | undefined>;
    if (!q.customer && !q.domain && !q.userKey) {
      sendGoogleError(res, 400, "Bad Request", "badRequest");
      return;
    }
    if (q.customer && q.customer !== "my_customer" && q.customer !== t.customerId) {
      sendGoogleError(res, 403, "Not Authorized to access this resource/api", "forbidden");
      return;
    }
    const maxResults = q.maxResults ? Number(q.maxResults) : MAX_PAGE;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_PAGE) {
      sendGoogleError(res, 400, `Invalid value '${q.maxResults}'. Values must be within the range: [1, ${MAX_PAGE}]`, "invalid", { location: "maxResults", locationType: "parameter" });
      return;
    }
    const matcher = queryMatcher(q.query ?? "");
    if (typeof matcher === "string") {
      sendGoogleError(res, 400, matcher, "invalid");
      return;
    }
    let groups = t.groups.filter((g) => matcher(g) && (!q.domain || g.email.endsWith("@" + q.domain.toLowerCase())));
    if (q.orderBy === "email") groups = [...groups].sort((a, b) => a.email.localeCompare(b.email));
    if (q.sortOrder === "DESCENDING") groups.reverse();
    const start = q.pageToken ? Number(Buffer.from(q.pageToken, "base64url").toString()) : 0;
    const page = groups.slice(start, start + maxResults);
    const next = start + maxResults < groups.length ? Buffer.from(String(start + maxResults)).toString("base64url") : undefined;
    res.json({
      kind: "admin#directory#groups",
      etag: newEtag(),
      ...(page.length ? { groups: page.map(groupResource) } : {}),
      ...(next ? { nextPageToken: next } : {}),
    });
  });

  r.post("/groups", (req: Request, res: Response) => {
    const t = tenant();
    const body = (req.body ?? {}) as Record<string, unknown>;
    const email = typeof body.email === "string" ? body.email.toLowerCase() : "";
    if (!email) {
      sendGoogleError(res, 400, "Missing required field: email", "required");
      return;
    }
    if (!inDomains(t, email)) {
      sendGoogleError(res, 400, "Domain not found.", "notFound");
      return;
    }
    if (findGoogleGroup(t, email)) {
      sendGoogleError(res, 409, "Entity already exists.", "duplicate");
      return;
    }
    const group: SandboxGoogleGroup = {
      id: newGoogleId(),
      email,
      name: typeof body.name === "string" && body.name ? body.name : email.split("@")[0],
      description: typeof body.description === "string" ? body.description : "",
      adminCreated: true,
      aliases: [],
      etag: newEtag(),
    };
    t.groups.push(group);
    res.json(groupResource(group));
  });

  r.get("/groups/:groupKey", (req: Request, res: Response) => {
    const g = findGoogleGroup(tenant(), String(req.params.groupKey));
    if (!g) {
      sendGoogleError(res, 404, "Resource Not Found: groupKey", "notFound");
      return;
    }
    res.json(groupResource(g));
  });

  const update = (replace: boolean) => (req: Request, res: Response) => {
    const t = tenant();
    const g = findGoogleGroup(t, String(req.params.groupKey));
    if (!g) {
      sendGoogleError(res, 404, "Resource Not Found: groupKey", "notFound");
      return;
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.description === "string" && body.description.length > 4096) {
      sendGoogleError(res, 400, "Invalid Input: description", "invalid");
      return;
    }
    if (typeof body.email === "string" && body.email.toLowerCase() !== g.email) {
      const email = body.email.toLowerCase();
      if (!inDomains(t, email)) {
        sendGoogleError(res, 400, "Domain not found.", "notFound");
        return;
      }
      if (findGoogleGroup(t, email)) {
        sendGoogleError(res, 409, "Entity already exists.", "duplicate");
        return;
      }
      // Renaming keeps the old address as an alias, as Google does.
      g.aliases.push(g.email);
      g.email = email;
    }
    if (typeof body.name === "string") g.name = body.name;
    else if (replace) g.name = g.email.split("@")[0];
    if (typeof body.description === "string") g.description = body.description;
    else if (replace) g.description = "";
    g.etag = newEtag();
    res.json(groupResource(g));
  };
  r.put("/groups/:groupKey", update(true));
  r.patch("/groups/:groupKey", update(false));

  r.delete("/groups/:groupKey", (req: Request, res: Response) => {
    const t = tenant();
    const g = findGoogleGroup(t, String(req.params.groupKey));
    if (!g) {
      sendGoogleError(res, 404, "Resource Not Found: groupKey", "notFound");
      return;
    }
    t.groups.splice(t.groups.indexOf(g), 1);
    res.status(204).end();
  });

  return r;
}

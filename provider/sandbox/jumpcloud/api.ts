import { Router, type NextFunction, type Request, type Response } from "express";
import type { FaultRenderer } from "../faults";
import { boundTo, membersOf, type JumpCloudOrg, type SandboxJumpCloudUser, type SandboxJumpCloudUserGroup } from "./org";

/**
 * The JumpCloud API endpoints this package reads, as JumpCloud's published OpenAPI documents
 * (v1 and v2) describe them: `x-api-key` authentication (and `x-org-id` for multi-tenant
 * administrators), `limit` (default 10, at most 100) and `skip` paging, v2 lists as bare JSON
 * arrays, v1 lists as `{ totalCount, results }`. Read-only: writes answer 405.
 */

/** JumpCloud's error body: `{ "message": ... }` (401 bodies also carry `error`). */
function sendError(res: Response, status: number, message: string, extra: Record<string, string> = {}): void {
  res.status(status).json({ ...extra, message });
}

/** How injected faults look on JumpCloud. */
export const renderJumpCloudFault: FaultRenderer = (res, rule) => {
  if (rule.kind === "throttle" || rule.kind === "quota") sendError(res, 429, "Too Many Requests");
  else sendError(res, rule.status ?? 503, rule.status === 500 ? "Internal Server Error" : "Service Unavailable");
};

interface Paging {
  limit: number;
  skip: number;
}

/** `limit` (default 10, 0 to 100) and `skip` (default 0); undefined after answering 400. */
function paging(req: Request, res: Response): Paging | undefined {
  const read = (name: string, fallback: number): number | undefined => {
    const raw = req.query[name];
    if (raw === undefined) return fallback;
    const n = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : NaN;
    return Number.isNaN(n) ? undefined : n;
  };
  const limit = read("limit", 10);
  const skip = read("skip", 0);
  if (limit === undefined || limit > 100) {
    sendError(res, 400, `limit must be an integer between 0 and 100, got ${String(req.query.limit)}`);
    return undefined;
  }
  if (skip === undefined) {
    sendError(res, 400, `skip must be a non-negative integer, got ${String(req.query.skip)}`);
    return undefined;
  }
  return { limit, skip };
}

function page<T>(items: T[], p: Paging): T[] {
  return items.slice(p.skip, p.skip + p.limit);
}

/** `sort=name` / `sort=-_id`...: comma (v2) or space (v1) separated, `-` for descending. */
function sorted<T extends Record<string, unknown>>(items: T[], sort: unknown): T[] {
  if (typeof sort !== "string" || sort.trim() === "") return items;
  const keys = sort.split(/[\s,]+/).filter(Boolean);
  return [...items].sort((a, b) => {
    for (const key of keys) {
      const field = key.replace(/^-/, "");
      const dir = key.startsWith("-") ? -1 : 1;
      const x = String(a[field] ?? a[field === "_id" ? "id" : field] ?? "");
      const y = String(b[field] ?? b[field === "_id" ? "id" : field] ?? "");
      if (x !== y) return x < y ? -dir : dir;
    }
    return 0;
  });
}

function userGroupJson(g: SandboxJumpCloudUserGroup) {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    ...(g.email !== undefined ? { email: g.email } : {}),
    type: "user_group",
    attributes: {},
    membershipMethod: "STATIC",
  };
}

function systemUserJson(u: SandboxJumpCloudUser) {
  return {
    _id: u.id,
    email: u.email,
    username: u.username ?? u.email.split("@")[0],
    state: u.state,
    activated: u.state !== "STAGED",
    suspended: u.state === "SUSPENDED",
    account_locked: false,
  };
}

const edge = (id: string, type: string) => ({ attributes: null, to: { attributes: null, id, type } });

export function jumpCloudApi(org: () => JumpCloudOrg, faults: (req: Request, res: Response, next: NextFunction) => void): Router {
  const api = Router();
  api.use(faults);
  api.use((req, res, next) => {
    const current = org();
    const key = req.header("x-api-key");
    if (!key || key !== current.apiKey) return sendError(res, 401, "Unauthorized: api key user not found", { error: "Unauthorized" });
    const orgId = req.header("x-org-id");
    if (orgId !== undefined) {
      if (!/^[0-9a-f]{24}$/.test(orgId)) return sendError(res, 400, "Malformed ID");
      if (orgId !== current.orgId) return sendError(res, 404, "Organization ID Not Found");
    } else if (current.multiTenant) {
      return sendError(res, 401, "Unauthorized: no organization selected", { error: "Unauthorized" });
    }
    if (req.method !== "GET") return sendError(res, 405, `the sandbox emulates JumpCloud read-only: ${req.method} is not served`);
    next();
  });

  const group = (req: Request, res: Response): SandboxJumpCloudUserGroup | undefined => {
    const id = String(req.params.id);
    if (!/^[0-9a-f]{24}$/.test(id)) {
      sendError(res, 400, "Malformed ID");
      return undefined;
    }
    const g = org().userGroups.find((x) => x.id === id);
    if (!g) sendError(res, 404, "Not Found");
    return g;
  };

  // ---- API v2 ----
  api.get("/v2/directories", (req, res) => {
    const p = paging(req, res);
    if (!p) return;
    const all = org().directories.map((d) => ({ id: d.id, name: d.name, type: d.type, ...(d.defaultDomain ? { defaultDomain: { id: d.id, domain: d.defaultDomain } } : {}) }));
    res.json(page(sorted(all, req.query.sort), p));
  });

  api.get("/v2/usergroups", (req, res) => {
    const p = paging(req, res);
    if (!p) return;
    res.json(page(sorted(org().userGroups.map(userGroupJson), req.query.sort), p));
  });

  api.get("/v2/usergroups/:id", (req, res) => {
    const g = group(req, res);
    if (g) res.json(userGroupJson(g));
  });

  // Direct members, as graph edges.
  api.get("/v2/usergroups/:id/members", (req, res) => {
    const g = group(req, res);
    const p = g && paging(req, res);
    if (!g || !p) return;
    res.json(page(membersOf(org(), g).map((u) => edge(u.id, "user")), p));
  });

  // Member users, with the path that makes each a member.
  api.get("/v2/usergroups/:id/membership", (req, res) => {
    const g = group(req, res);
    const p = g && paging(req, res);
    if (!g || !p) return;
    res.json(page(membersOf(org(), g).map((u) => ({ id: u.id, type: "user", paths: [[edge(u.id, "user")]], compiledAttributes: {} })), p));
  });

  api.get("/v2/usergroups/:id/associations", (req, res) => {
    const g = group(req, res);
    if (!g) return;
    const targets = req.query.targets;
    if (typeof targets !== "string" || targets === "") return sendError(res, 400, "targets is required");
    const p = paging(req, res);
    if (!p) return;
    const current = org();
    const dirs = current.directories.filter((d) => d.type === targets && g.boundTo.some((b) => b === d.id || b === d.name));
    res.json(page(dirs.map((d) => edge(d.id, d.type)), p));
  });

  const boundGroups = (type: "g_suite" | "office_365") => (req: Request, res: Response) => {
    const current = org();
    const id = String(req.params.id);
    const directory = current.directories.find((d) => d.id === id && d.type === type);
    if (!directory) return sendError(res, 404, "Not Found");
    const p = paging(req, res);
    if (!p) return;
    res.json(page(boundTo(current, directory).map((g) => ({ id: g.id, type: "user_group", paths: [[edge(g.id, "user_group")]], compiledAttributes: {} })), p));
  };
  api.get("/v2/gsuites/:id/usergroups", boundGroups("g_suite"));
  api.get("/v2/office365s/:id/usergroups", boundGroups("office_365"));

  // ---- API v1 ----
  api.get("/systemusers", (req, res) => {
    const p = paging(req, res);
    if (!p) return;
    const all = sorted(org().users.map(systemUserJson), req.query.sort);
    const fields = typeof req.query.fields === "string" ? req.query.fields.split(/[\s,]+/).filter(Boolean) : [];
    const shown = page(all, p).map((u) => (fields.length === 0 ? u : Object.fromEntries(Object.entries(u).filter(([k]) => k === "_id" || fields.includes(k)))));
    res.json({ totalCount: all.length, results: shown });
  });

  api.get("/systemusers/:id", (req, res) => {
    const u = org().users.find((x) => x.id === req.params.id);
    if (!u) return sendError(res, 404, "Not Found");
    res.json(systemUserJson(u));
  });

  api.use((req, res) => sendError(res, 404, `The sandbox does not emulate ${req.method} /api${req.path}`));
  return api;
}

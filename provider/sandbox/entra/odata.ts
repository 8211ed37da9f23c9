import type { Request, Response } from "express";
import { GraphError, GRAPH_MESSAGES, sendGraphJson } from "./graphErrorResponses";
import { requestOrigin } from "./identity";

/** A value a filter can compare: scalars, or a collection for `any` lambdas. */
export type FieldValue = string | boolean | null | string[];

/** How one kind of directory object looks in Graph and which query options it supports. */
export interface ResourceType<T> {
  /** Resource name in Graph's query errors ("Group", "User"). */
  name: string;
  /** The full JSON of an object, including properties returned only on `$select`. */
  render(o: T): Record<string, unknown>;
  /** Properties of `o` returned without `$select`; absent: everything `render` returns. */
  defaultProperties?(o: T): readonly string[];
  /** Every property `$select` accepts (lowercase lookup to canonical name). */
  selectable: readonly string[];
  /** Properties `$filter` supports, by canonical name. */
  filterable: Record<string, (o: T) => FieldValue>;
  /** Properties `$search` tokenizes. */
  searchable: Record<string, (o: T) => string | null>;
  /** Properties `$orderby` sorts on. */
  sortable: Record<string, (o: T) => string | null>;
}

const MAX_PAGE = 999;
/** Most clauses one `$filter` may join with `or` (values of `in (...)` included). */
const MAX_OR_CLAUSES = 15;
const DEFAULT_PAGE = 100;

function query(req: Request): Record<string, string | undefined> {
  const q: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.query)) q[k.toLowerCase()] = Array.isArray(v) ? String(v[0]) : v === undefined ? undefined : String(v);
  return q;
}

/** `ConsistencyLevel: eventual` plus `$count=true`: what Graph's advanced queries need. */
export function isAdvancedQuery(req: Request): boolean {
  return hasEventualConsistency(req) && query(req)["$count"] === "true";
}

function hasEventualConsistency(req: Request): boolean {
  return (req.header("consistencylevel") ?? "").toLowerCase() === "eventual";
}

export function parseTop(req: Request): number {
  const top = query(req)["$top"];
  if (top === undefined) return DEFAULT_PAGE;
  const n = Number(top);
  // Request_UnsupportedQuery, as Graph answers it (issue 13; client code quoting the live error, e.g. steampipe's azuread plugin).
  if (!/^\d+$/.test(top) || n < 1 || n > MAX_PAGE) throw new GraphError(400, "Request_UnsupportedQuery", GRAPH_MESSAGES.pageSize(top));
  return n;
}

function lookup(names: readonly string[], name: string): string | undefined {
  return names.find((n) => n.toLowerCase() === name.toLowerCase());
}

export function parseSelect<T>(req: Request, type: ResourceType<T>): string[] | undefined {
  const select = query(req)["$select"];
  if (select === undefined) return undefined;
  return select.split(",").map((raw) => {
    const name = raw.trim();
    const canonical = lookup(type.selectable, name);
    if (!canonical) throw new GraphError(400, "BadRequest", `Could not find a property named '${name}' on type 'microsoft.graph.${type.name.toLowerCase()}'.`);
    return canonical;
  });
}

/** The JSON of one object as the query asks for it (`$select`, else the default properties). */
export function project<T>(type: ResourceType<T>, o: T, select: string[] | undefined): Record<string, unknown> {
  const full = type.render(o);
  const keep = select ?? type.defaultProperties?.(o);
  if (!keep) return full;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(full)) if (k.startsWith("@odata.") || keep.includes(k)) out[k] = v;
  return out;
}

// ---- $filter -------------------------------------------------------------------------

type Token = { kind: "word" | "string" | "punct"; text: string; pos: number };

function tokenize(text: string, fail: (pos: number) => never): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|'((?:[^']|'')*)'|([(),:/])|([A-Za-z0-9_.@+-]+)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length) {
    const pos = re.lastIndex;
    if (!(m = re.exec(text))) fail(pos);
    if (m[1] !== undefined) tokens.push({ kind: "string", text: m[1].replace(/''/g, "'"), pos });
    else if (m[2]) tokens.push({ kind: "punct", text: m[2], pos });
    else if (m[3]) tokens.push({ kind: "word", text: m[3], pos });
  }
  return tokens;
}

type Literal = string | boolean | null;
type Predicate<T> = (o: T) => boolean;

function equal(actual: FieldValue, expected: Literal): boolean {
  if (typeof actual === "string" && typeof expected === "string") return actual.toLowerCase() === expected.toLowerCase();
  return actual === expected;
}

/**
 * Compiles Graph's `$filter` subset: `eq`, `ne`, `in (...)`, `startswith(p,'x')`,
 * `endswith(p,'x')`, `p/any(x:x eq 'v')`, `and`, `or`, `not`, parentheses. String
 * comparisons ignore case, as the directory does. `ne`, `not` and `endswith` are advanced.
 * At most 15 clauses may be joined by `or`, each value of an `in (...)` counting as one
 * (Graph's 400 Request_UnsupportedQuery "Too many child clauses …", as reported by its users).
 */
export function compileFilter<T>(text: string, type: ResourceType<T>, advanced: boolean): Predicate<T> {
  const fail = (pos: number): never => {
    throw new GraphError(400, "BadRequest", `Invalid filter clause: Syntax error at position ${pos} in '${text}'.`);
  };
  const tokens = tokenize(text, fail);
  let i = 0;
  /** How many `or` child clauses the expression just parsed stands for. */
  let weight = 1;
  const peek = () => tokens[i];
  const isWord = (w: string) => peek()?.kind === "word" && peek().text.toLowerCase() === w;
  const expect = (p: string) => {
    if (peek()?.text !== p || peek().kind === "string") fail(peek()?.pos ?? text.length);
    i++;
  };
  const needAdvanced = (operator: string) => {
    if (!advanced) throw new GraphError(400, "Request_UnsupportedQuery", GRAPH_MESSAGES.advancedOperator(operator));
  };
  const field = (name: string) => {
    const canonical = lookup(Object.keys(type.filterable), name);
    if (!canonical) throw new GraphError(400, "Request_UnsupportedQuery", `Unsupported or invalid query filter clause specified for property '${name}' of resource '${type.name}'.`);
    return type.filterable[canonical];
  };
  const literal = (): Literal => {
    const t = tokens[i++];
    if (!t) return fail(text.length);
    if (t.kind === "string") return t.text;
    if (t.kind === "word" && ["true", "false", "null"].includes(t.text.toLowerCase())) return t.text.toLowerCase() === "null" ? null : t.text.toLowerCase() === "true";
    return fail(t.pos);
  };
  const comparison = <U>(get: (o: U) => FieldValue): Predicate<U> => {
    const op = tokens[i++];
    if (op?.kind !== "word") return fail(op?.pos ?? text.length);
    const operator = op.text.toLowerCase();
    if (operator === "in") {
      expect("(");
      const values = [literal()];
      while (peek()?.text === ",") {
        i++;
        values.push(literal());
      }
      expect(")");
      weight = values.length;
      return (o) => values.some((v) => equal(get(o), v));
    }
    weight = 1;
    if (operator !== "eq" && operator !== "ne") throw new GraphError(400, "Request_UnsupportedQuery", `Unsupported query operator '${op.text}'.`);
    if (operator === "ne") needAdvanced("ne");
    const value = literal();
    return operator === "eq" ? (o) => equal(get(o), value) : (o) => !equal(get(o), value);
  };
  const primary = (): Predicate<T> => {
    const t = tokens[i++];
    if (!t) return fail(text.length);
    if (t.kind === "punct" && t.text === "(") {
      const inner = or();
      expect(")");
      return inner;
    }
    if (t.kind !== "word") return fail(t.pos);
    const name = t.text.toLowerCase();
    if ((name === "startswith" || name === "endswith") && peek()?.text === "(") {
      if (name === "endswith") needAdvanced("endsWith");
      expect("(");
      const get = field(tokens[i++]?.text ?? "");
      expect(",");
      const value = literal();
      expect(")");
      if (typeof value !== "string") return fail(t.pos);
      weight = 1;
      const v = value.toLowerCase();
      return (o) => {
        const actual = get(o);
        const values = Array.isArray(actual) ? actual : typeof actual === "string" ? [actual] : [];
        return values.some((a) => (name === "startswith" ? a.toLowerCase().startsWith(v) : a.toLowerCase().endsWith(v)));
      };
    }
    const get = field(t.text);
    if (peek()?.text === "/") {
      i++;
      if (!isWord("any")) fail(peek()?.pos ?? text.length);
      i++;
      expect("(");
      const variable = tokens[i++]?.text;
      expect(":");
      if (tokens[i++]?.text !== variable) fail(tokens[i - 1]?.pos ?? text.length);
      const test = comparison<string>((element) => element);
      expect(")");
      weight = 1;
      return (o) => {
        const values = get(o);
        return Array.isArray(values) && values.some(test);
      };
    }
    return comparison(get);
  };
  const unary = (): Predicate<T> => {
    if (isWord("not")) {
      needAdvanced("not");
      i++;
      const inner = unary();
      return (o) => !inner(o);
    }
    return primary();
  };
  const and = (): Predicate<T> => {
    let left = unary();
    while (isWord("and")) {
      i++;
      const [l, r] = [left, unary()];
      left = (o) => l(o) && r(o);
      weight = 1;
    }
    return left;
  };
  const or = (): Predicate<T> => {
    let left = and();
    let clauses = weight;
    while (isWord("or")) {
      i++;
      const [l, r] = [left, and()];
      clauses += weight;
      left = (o) => l(o) || r(o);
    }
    if (clauses > MAX_OR_CLAUSES) {
      throw new GraphError(400, "Request_UnsupportedQuery", `Too many child clauses specified in search filter expression containing 'OR' operators: ${clauses}. Max allowed: ${MAX_OR_CLAUSES}.`);
    }
    weight = clauses;
    return left;
  };
  const predicate = or();
  if (i < tokens.length) fail(tokens[i].pos);
  return predicate;
}

// ---- $search, $orderby, paging ----------------------------------------------------------

/** `$search="displayName:foo" OR "mail:bar"`: tokenized prefix matching, as the directory search does. */
function compileSearch<T>(text: string, type: ResourceType<T>): Predicate<T> {
  const clauses = [...text.matchAll(/"([^":]+):([^"]*)"/g)];
  if (clauses.length === 0) throw new GraphError(400, "Request_UnsupportedQuery", "Unrecognized search query syntax.");
  const tests = clauses.map(([, name, value]) => {
    const canonical = lookup(Object.keys(type.searchable), name);
    if (!canonical) throw new GraphError(400, "Request_UnsupportedQuery", `Unsupported property '${name}' for $search on resource '${type.name}'.`);
    const v = value.toLowerCase();
    return (o: T) => (type.searchable[canonical](o) ?? "").toLowerCase().split(/[^a-z0-9]+/).some((word) => word.startsWith(v));
  });
  return / AND /.test(text) ? (o) => tests.every((t) => t(o)) : (o) => tests.some((t) => t(o));
}

function compileOrderBy<T>(text: string, type: ResourceType<T>): (a: T, b: T) => number {
  const [name, direction = "asc"] = text.trim().split(/\s+/);
  const canonical = lookup(Object.keys(type.sortable), name);
  if (!canonical || !["asc", "desc"].includes(direction.toLowerCase())) throw new GraphError(400, "Request_UnsupportedQuery", `Unsupported sort property '${name}' for '${type.name}'.`);
  const get = type.sortable[canonical];
  const sign = direction.toLowerCase() === "desc" ? -1 : 1;
  return (a, b) => sign * (get(a) ?? "").localeCompare(get(b) ?? "");
}

function decodeSkipToken(token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const offset = (JSON.parse(Buffer.from(token, "base64url").toString()) as { offset?: unknown }).offset;
    if (typeof offset === "number" && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw new GraphError(400, "Request_BadRequest", "Invalid paging token specified.");
}

/** The request's own URL with `$skiptoken` replaced: Graph's absolute `@odata.nextLink`. */
function nextLink(req: Request, offset: number): string {
  const [path, raw = ""] = req.originalUrl.split("?");
  const params = raw.split("&").filter((p) => p && !/^(\$|%24)skiptoken=/i.test(p));
  params.push(`$skiptoken=${Buffer.from(JSON.stringify({ offset })).toString("base64url")}`);
  return `${requestOrigin(req)}${path}?${params.join("&")}`;
}

/**
 * Answers a collection GET: `$filter`, `$search`, `$orderby`, `$count`, `$select`, `$top`,
 * `$skiptoken` paging with an absolute `@odata.nextLink`, and the OData envelope.
 */
/**
 * A collection read in pages from a position of its own (e.g. a group's member ids), so that a
 * plain page costs its own size; `all()` serves queries that need every item ($filter, $count …).
 */
export interface PagedSource<T> {
  all(): T[];
  from(start: number, limit: number): { items: T[]; next?: number };
}

export function sendCollection<T>(req: Request, res: Response, type: ResourceType<T>, source: T[] | PagedSource<T>, contextPath: string): void {
  const q = query(req);
  const advanced = isAdvancedQuery(req);
  // `?$count=true` without `ConsistencyLevel: eventual` is silently ignored (advanced-queries page): no @odata.count.
  if (q["$search"] !== undefined && !hasEventualConsistency(req)) {
    throw new GraphError(400, "Request_UnsupportedQuery", "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
  }
  const top = parseTop(req);
  const select = parseSelect(req, type);
  const selectSuffix = select ? `(${select.join(",")})` : "";
  const context = `${requestOrigin(req)}/v1.0/$metadata#${contextPath}${selectSuffix}`;
  if (!Array.isArray(source) && !advanced && q["$filter"] === undefined && q["$search"] === undefined && q["$orderby"] === undefined) {
    const { items, next } = source.from(decodeSkipToken(q["$skiptoken"]), top);
    sendGraphJson(res, 200, {
      "@odata.context": context,
      ...(next !== undefined ? { "@odata.nextLink": nextLink(req, next) } : {}),
      value: items.map((o) => project(type, o, select)),
    });
    return;
  }
  const items = Array.isArray(source) ? source : source.all();
  let matched = items;
  if (q["$filter"] !== undefined) matched = matched.filter(compileFilter(q["$filter"], type, advanced));
  if (q["$search"] !== undefined) matched = matched.filter(compileSearch(q["$search"], type));
  if (q["$orderby"] !== undefined) {
    if ((q["$filter"] !== undefined || q["$search"] !== undefined) && !advanced) throw new GraphError(400, "Request_UnsupportedQuery", "Sorting not supported for current query.");
    matched = [...matched].sort(compileOrderBy(q["$orderby"], type));
  }
  const offset = decodeSkipToken(q["$skiptoken"]);
  const page = matched.slice(offset, offset + top);
  sendGraphJson(res, 200, {
    "@odata.context": context,
    ...(advanced ? { "@odata.count": matched.length } : {}),
    ...(offset + top < matched.length ? { "@odata.nextLink": nextLink(req, offset + top) } : {}),
    value: page.map((o) => project(type, o, select)),
  });
}

/** Answers a single-object GET (`$select` honoured). */
export function sendEntity<T>(req: Request, res: Response, type: ResourceType<T>, o: T, contextPath: string, status = 200): void {
  const select = parseSelect(req, type);
  sendGraphJson(res, status, { "@odata.context": `${requestOrigin(req)}/v1.0/$metadata#${contextPath}/$entity`, ...project(type, o, select) });
}

/** `GET /{collection}/$count`: a plain-text number; an advanced query. */
export function sendCount<T>(req: Request, res: Response, type: ResourceType<T>, items: T[]): void {
  // The advanced-queries page shows this exact answer for the `$count` segment without the header.
  if (!hasEventualConsistency(req)) throw new GraphError(400, "Request_BadRequest", "$count is not currently supported.");
  const q = query(req);
  const matched = q["$filter"] !== undefined ? items.filter(compileFilter(q["$filter"], type, true)) : items;
  res.status(200).type("text/plain").send(String(matched.length));
}

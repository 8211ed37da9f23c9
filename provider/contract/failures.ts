/**
 * The one wording of a failure a user reads: what failed, the field when there is one, and the
 * fix with the docs section that explains it (provider/contract/docs.ts); never a raw library message alone, never a
 * stack trace. `defineResource` passes every handler's error through `namedFailure`, so an
 * apply, refresh or destroy error names the resource whatever raised it.
 *
 * Errors this package words itself (read-only refusals, permissions, rate limits, settings,
 * partial applies, guard and conflict messages) already say the fix: they keep their text. A
 * library's error (a network failure, a sign-in refusal, an HTTP answer) is recognised by its
 * shape (error codes, an HTTP status), not its class, so this floor imports no service.
 */

import { citesDocs, SEE_CREDENTIALS, SEE_SCALE } from "./docs";


/** Error codes of a request that never got an answer (DNS, refused or reset connections, timeouts). */
const UNREACHABLE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR_\w+|CERT_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE/;
/** Sign-in refusals: MSAL and @azure/identity codes, OAuth error codes. */
const SIGN_IN = /AADSTS\d+|invalid_client|invalid_grant|unauthorized_client|CredentialUnavailableError|AuthenticationRequiredError|AuthenticationError|ClientAuthError/;

interface Shape {
  name?: string;
  message?: string;
  code?: unknown;
  statusCode?: unknown;
  status?: unknown;
  errorCode?: unknown;
  cause?: unknown;
  hostname?: unknown;
  response?: { status?: unknown; data?: unknown };
  /** gaxios: the request that failed. */
  config?: { url?: unknown };
}

/** The host a failed request went to, when the error says (undici's `hostname`, gaxios' request URL). */
function hostOf(shape: Shape): string | undefined {
  if (typeof shape.hostname === "string") return shape.hostname;
  const url = shape.config?.url;
  if (typeof url !== "string" && !(url instanceof URL)) return undefined;
  try {
    return new URL(String(url)).hostname;
  } catch {
    return undefined;
  }
}

function shapeOf(error: unknown): Shape {
  return typeof error === "object" && error !== null ? error : { message: String(error) };
}

/** The error and its causes, outermost first (fetch wraps the network error in `cause`). */
function chain(error: unknown): Shape[] {
  const shapes: Shape[] = [];
  for (let e: unknown = error; e !== undefined && e !== null && shapes.length < 5; e = shapeOf(e).cause) shapes.push(shapeOf(e));
  return shapes;
}

/** The first line of a message, without an appended "See https://…" hint or trace, at most 200 characters. */
function firstLine(text: string): string {
  const line = text.split("\n")[0].replace(/\s*(See|Trace ID|Correlation ID|Timestamp)[: ].*$/i, "").trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** Whether a message is already this package's own wording (it names its fix). */
function isWorded(message: string): boolean {
  return citesDocs(message);
}

/** The HTTP status of an API answer, in the shapes Graph's and Google's clients use. */
function statusOf(shape: Shape): number | undefined {
  const status = shape.statusCode ?? shape.response?.status ?? shape.status;
  return typeof status === "number" && status >= 100 ? status : undefined;
}

/**
 * The input field a library message is about: a camelCase field named anywhere (such words do
 * not occur in prose, e.g. Graph's "same value for property mailNickname"), or any field right
 * after "property", "field" or "Input:" (Google's "Invalid Input: name").
 */
function fieldIn(text: string, fields: readonly string[]): string | undefined {
  return fields.find((field) => (/[a-z][A-Z]/.test(field) && new RegExp(`\\b${field}\\b`).test(text)) || new RegExp(`(property|field|Input:)\\s*['"]?${field}\\b`, "i").test(text));
}

/**
 * A failure's text with its fix: unchanged when this package worded it, else what failed
 * (unreachable, sign-in, an HTTP answer), the field when the answer names one of `fields`, and
 * what to do, with the docs section.
 */
export function explainFailure(error: unknown, fields: readonly string[] = []): string {
  const shapes = chain(error);
  const outer = shapes[0];
  const message = String(outer.message ?? error);
  if (isWorded(message)) return message;
  const all = shapes.map((s) => `${String(s.code ?? "")} ${String(s.errorCode ?? "")} ${s.name ?? ""} ${s.message ?? ""}`).join(" ");
  // The answer's status is the outer error's (Graph's and Google's clients raise the answer itself); causes only tell network codes.
  const status = statusOf(outer);
  if (status === undefined && UNREACHABLE.test(all)) {
    const code = UNREACHABLE.exec(all)![0];
    const host = shapes.map(hostOf).find((h) => h !== undefined) ?? new RegExp(`${code} ([\\w.-]+)`).exec(all)?.[1];
    return (
      `could not reach ${typeof host === "string" ? host : "the directory's API"} (${code}): nothing was changed by this request. ` +
      `Fix: check the network (DNS, proxy, firewall) and, if set, groupExport:googleApiRootUrl, groupExport:graphBaseUrl and groupExport:entraAuthorityHost; then run pulumi up again (${SEE_SCALE})`
    );
  }
  if (/endpoints_resolution_error/.test(all)) {
    return (
      "could not reach the sign-in endpoint (endpoints_resolution_error): the authority host did not answer with its endpoints. " +
      `Fix: check groupExport:entraAuthorityHost (or AZURE_AUTHORITY_HOST) if set, and the network; then run pulumi up again (${SEE_CREDENTIALS})`
    );
  }
  if (SIGN_IN.test(all)) {
    const code = SIGN_IN.exec(all)![0];
    return `could not sign in (${code}): ${firstLine(message)}. Fix the credential or its settings, then run pulumi up again (${SEE_CREDENTIALS})`;
  }
  const field = fieldIn(message, fields);
  const about = field ? `field ${field}: ` : "";
  if (status !== undefined && status >= 500) {
    return `${about}the directory's API kept failing (HTTP ${status}: ${firstLine(message)}) after every retry: nothing is lost, run pulumi up again (${SEE_SCALE})`;
  }
  if (status !== undefined) {
    const fix = field ? `check ${field}'s value against the answer` : "check the inputs the answer names";
    return `${about}the directory's API refused the request (HTTP ${status}: ${firstLine(message)}). Fix: ${fix}, then run pulumi up again (${SEE_SCALE})`;
  }
  // Not a library's answer: this package's own message, which says its fix.
  return message;
}

/**
 * The error a handler's failure becomes: named by `resource` (unless its text already names
 * it) and explained by `explainFailure`. The same object is returned, so what callers inspect
 * (the engine: a partial apply's `id` and `properties`) stays; its stack is dropped, since the
 * dynamic-provider host prints the stack of every error it is given.
 */
export function namedFailure(resource: string, type: string, error: unknown, fields: readonly string[] = []): Error {
  const target = error instanceof Error ? error : new Error(String(error));
  const message = target.message.startsWith(type) ? target.message : `${resource}: ${explainFailure(error, fields)}`;
  target.message = message;
  target.stack = message;
  return target;
}

/**
 * A check failure as the engine should print it: on no property, with the field leading the
 * reason. The engine prints a failure on a property with that property's whole value first
 * (`property userGroup value {map[name:{…} users:{[{…}]}]} has a problem: …`), which for a map
 * or a list is noise, and for a secret is `[secret]`; on no property it prints
 * `<type> resource '<name>' has a problem: <reason>`.
 */
export function asResourceProblem(failure: { property: string; reason: string }): { property: string; reason: string } {
  if (!failure.property) return failure;
  // "email is required...", "owners lists ...": the field reads as the subject; else "email: <sentence>".
  const joiner = /^(is|are|has|have|lists|must|needs)\b/.test(failure.reason) ? " " : ": ";
  return { property: "", reason: `${failure.property}${joiner}${failure.reason}` };
}

/**
 * Pulumi's dynamic-provider host prints every error a check, diff, read or delete throws to the
 * process's stderr (`console.error(`${e}: ${e.stack}`)`) before handing it to the engine, which
 * prints it again under the resource: the user read `Error: <message>: <message>` beside it. The
 * errors this package hands over are already named and worded, and the engine's copy is the one
 * shown with the resource, so that echo (and only it) is dropped.
 */
const handedOver = new Set<string>();
let echoFilterInstalled = false;

/** Whether a console.error call is the host's echo of an error handed over (forgotten once seen). */
export function isHostEcho(args: readonly unknown[]): boolean {
  return args.length === 1 && typeof args[0] === "string" && handedOver.delete(args[0]);
}

export function withoutHostEcho<T extends Error>(error: T): T {
  if (!echoFilterInstalled) {
    echoFilterInstalled = true;
    const original = console.error.bind(console);
    console.error = (...args: unknown[]) => {
      if (!isHostEcho(args)) original(...args);
    };
  }
  handedOver.add(`${String(error)}: ${error.stack}`);
  // Bounded: an echo that never came (the host changed) is forgotten after a while.
  if (handedOver.size > 100) handedOver.delete(handedOver.values().next().value!);
  return error;
}

import { SEE_CREDENTIALS, SEE_READ_ONLY, SEE_SCALE } from "./contract/docs";

/**
 * Errors of the client layer that end an operation with a message the user can act on. The
 * resource handlers prefix the resource's name; the messages name the operation, the object,
 * the setting or permission involved and the docs section with the fix.
 */

/** A write refused by the provider itself, before any request, because the stack is read-only. */
export class ReadOnlyError extends Error {
  constructor(
    readonly service: "Google" | "Entra",
    /** What would have been done, e.g. "delete group eng@example.com". */
    readonly operation: string,
  ) {
    super(
      `read-only mode: refused to ${operation} in ${service} (nothing was sent): GROUP_EXPORT_READ_ONLY or groupExport:readOnly is "true", ` +
        `so this stack is read-only: it may preview and refresh but not change the directory. Run the apply or destroy without it, with credentials allowed to write (${SEE_READ_ONLY})`,
    );
    this.name = "ReadOnlyError";
  }
}

/** The principal lacks a scope or permission the operation needs. */
export class PermissionError extends Error {
  constructor(
    readonly service: "Google" | "Entra",
    readonly operation: string,
    /** Who asked, e.g. "service account x acting as admin@example.com". */
    principal: string,
    /** The scope or permission that is missing, and how to grant it. */
    missing: string,
    detail: string,
    /** Whether read-only mode is a way out (not when the principal may not even read). */
    readOnlyHelps = true,
  ) {
    super(
      `${principal} may not ${operation} in ${service}: ${missing} (the API answered: ${detail}).${readOnlyHelps ? " A read-only principal can still preview and refresh with GROUP_EXPORT_READ_ONLY=true" : ""} (${SEE_CREDENTIALS})`,
    );
    this.name = "PermissionError";
  }
}

/** Throttling that outlasted every retry: a rate limit, not a missing permission. */
export class RateLimitError extends Error {
  constructor(
    readonly service: "Google" | "Entra" | "JumpCloud",
    operation: string,
    detail: string,
    advice: string,
  ) {
    super(`${service} kept throttling the requests to ${operation} (${detail}) after every retry: this is a rate limit, not a missing permission. ${advice}; nothing is lost: run \`pulumi up\` again to finish (${SEE_SCALE})`);
    this.name = "RateLimitError";
  }
}

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function isWriteMethod(method: string | undefined): boolean {
  return WRITE_METHODS.has((method ?? "GET").toUpperCase());
}

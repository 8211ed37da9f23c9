import { z } from "zod";

/**
 * Reading a stored state: every resource's `loadState` goes through `readStoredState`, which
 * runs the resource's upgrader (a state of any released version in, the current version out)
 * and turns any failure into one message naming the resource and what to do.
 */

/** A stored state from a newer release than the one running (a stack shared by two versions). */
export class NewerStateError extends Error {
  constructor(version: unknown, current: number) {
    super(`stored state version ${String(version)} is newer than this package understands (${current}): upgrade pulumi-group-export to the release that wrote it`);
    this.name = "NewerStateError";
  }
}

/** The stored version of a document; `unversioned` for documents written before versions were stored. */
export function storedVersion(props: Record<string, unknown>, current: number, unversioned: number): number {
  const version = props.stateVersion ?? unversioned;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) throw new Error(`stateVersion is ${JSON.stringify(version)}, not a version this package wrote`);
  if (version > current) throw new NewerStateError(version, current);
  return version;
}

function detail(error: unknown): string {
  if (error instanceof z.ZodError) {
    const issues = error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(the document)"} ${i.message}`);
    return issues.join("; ") + (error.issues.length > 3 ? `; and ${error.issues.length - 3} more` : "");
  }
  return String(error instanceof Error ? error.message : error).split("\n")[0];
}

/**
 * `upgrade(props)`, or an error that names `resource`, what is wrong with its stored state, and
 * what to do: upgrade the package for a newer state; else refresh, and failing that remove the
 * entry from the stack and let the next `pulumi up` make it again (`again` says what that does).
 */
export function readStoredState<S>(resource: string, props: Record<string, unknown>, upgrade: (props: Record<string, unknown>) => S, again: string): S {
  try {
    return upgrade(props);
  } catch (error) {
    if (error instanceof NewerStateError) throw new Error(`${resource}: its ${error.message}`);
    throw new Error(
      `${resource}: its stored state cannot be read (${detail(error)}): run \`pulumi refresh\`; if that fails too, remove it from the stack with \`pulumi state delete <urn>\` and run \`pulumi up\` to ${again}`,
    );
  }
}

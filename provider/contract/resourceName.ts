import { explainFailure } from "./failures";

/**
 * The resource's name in the program. Pulumi's dynamic-provider calls do not carry the URN,
 * so the SDK passes the name as this extra input; messages use it to name the resource.
 */
export const PULUMI_NAME_KEY = "pulumiName";

/** The name in a document's `pulumiName` (inputs or stored state); none for states stored without one. */
export function pulumiNameOf(document: Record<string, unknown>): string | undefined {
  const name = document[PULUMI_NAME_KEY];
  return typeof name === "string" ? name : undefined;
}

/** `GoogleDistributionGroup "engineering"`, or the fallback (e.g. the address) for states stored without a name. */
export function resourceLabel(type: string, name: string | undefined, fallback: string): string {
  return `${type} "${name ?? fallback}"`;
}

/**
 * Runs one remote step of a resource; an error from it names the resource and the group,
 * so an apply or refresh failure says which of many resources failed and on what.
 */
export async function withResourceContext<T>(resource: string, group: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith(resource)) throw error;
    const named = new Error(`${resource} (${group}): ${explainFailure(error)}`);
    // Keep what callers inspect (HTTP status, partial-apply properties) on the named error.
    throw Object.assign(named, error instanceof Error ? { cause: error } : {});
  }
}

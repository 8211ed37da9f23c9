import type { z } from "zod";
import { editDistance } from "./fileProblems";

/** How the engine marks a value not known until apply (preview passes it to check/diff). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const PROVIDER_KEY = "__provider";

export interface CheckFailure {
  property: string;
  reason: string;
}

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

/** Whether a value is, or holds anywhere inside it, a value not known until apply. */
export function containsUnknown(value: unknown): boolean {
  if (isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/**
 * Validates inputs field by field against a zod object schema, so that one bad field is
 * reported by name while fields unknown at preview are left alone. Returns the parsed
 * (normalized) values and a failure per bad field.
 */
export function checkFields<S extends z.ZodObject>(
  resourceType: string,
  schema: S,
  news: Record<string, unknown>,
): { values: Record<string, unknown>; failures: CheckFailure[] } {
  const shape: Record<string, z.ZodType> = schema.shape;
  const values: Record<string, unknown> = {};
  const failures: CheckFailure[] = [];
  for (const [property, value] of Object.entries(news)) {
    if (property === PROVIDER_KEY) continue;
    if (!(property in shape)) {
      const near = Object.keys(shape).find((input) => editDistance(input.toLowerCase(), property.toLowerCase()) <= 2);
      failures.push({ property, reason: `is not an input of ${resourceType}: ${near ? `did you mean ${near}? Otherwise remove it` : "remove it"} (inputs: ${Object.keys(shape).join(", ")})` });
      continue;
    }
    // Not known until apply (a value from another resource, in whole or in part): checked then.
    if (containsUnknown(value)) {
      values[property] = value;
      continue;
    }
    const parsed = shape[property].safeParse(value);
    if (parsed.success) {
      if (parsed.data !== undefined) values[property] = parsed.data;
    } else {
      // Nested fields are named by their path, e.g. property "google.domains.0", reason "is not a domain name".
      for (const i of parsed.error.issues) failures.push({ property: [property, ...i.path.map(String)].join("."), reason: i.message });
    }
  }
  for (const [property, field] of Object.entries(shape)) {
    if (!(property in news) && !field.safeParse(undefined).success) {
      failures.push({ property, reason: `is required by ${resourceType}: set it` });
    }
  }
  return { values, failures };
}

/** Carries the provider reference into outputs, as the dynamic-provider host expects. */
export function withProvider<T extends object>(outs: T, inputs: Record<string, unknown>): T {
  return { ...outs, [PROVIDER_KEY]: inputs[PROVIDER_KEY] };
}

import type * as pulumi from "./pulumi";
import type { ManifestBinding, ManifestGroup, ProgramManifest } from "../provider/groups/programManifest";

/**
 * What the program declares in each directory (provider/groups/programManifest.ts), collected as
 * the resources are constructed and sent with the directory's management, so that a conflict
 * between two resources is refused before either writes, with or without a preview.
 */
const manifests = new WeakMap<pulumi.Resource, ProgramManifest>();

/**
 * A new, empty manifest for a management, and the input that sends it: a promise settled once
 * the program's current synchronous run is over (`setImmediate`), so that it holds every group
 * and binding the program declares with the management in the same breath (a program that
 * awaits between them is checked resource by resource, as before).
 */
export function newManifest(): { manifest: ProgramManifest; input: Promise<string> } {
  const manifest: ProgramManifest = { groups: [], bindings: [] };
  return { manifest, input: new Promise((resolve) => setImmediate(() => resolve(JSON.stringify(manifest)))) };
}

export function attachManifest(management: pulumi.Resource, manifest: ProgramManifest): void {
  manifests.set(management, manifest);
}

/** A plain string, or undefined for an Output, promise or anything else not known yet. */
export function plain(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A list of plain strings, or undefined when it (or any item) is not known yet. */
export function plainList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item): item is string => typeof item === "string") ? value : undefined;
}

export function declareGroup(management: pulumi.Resource, group: ManifestGroup): void {
  manifests.get(management)?.groups.push(group);
}

export function declareBinding(management: pulumi.Resource, binding: ManifestBinding): void {
  manifests.get(management)?.bindings.push(binding);
}

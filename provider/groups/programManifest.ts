import { z } from "zod";
import { membershipModeSchema } from "./bindingSchema";

/**
 * The program's groups and bindings of one directory, as far as the program knew them when it
 * declared them (plain values only), sent by the SDK with the directory's DirectoryGroupManagement.
 *
 * Why: "one remote group, one owner" is checked across the resources of a run, but the engine
 * checks each resource when the program registers it, and without a preview (`pulumi up
 * --skip-preview`, the Automation API that pulumi/actions uses) it applies each one as soon as
 * it is checked: a conflict seen only when the second resource is checked comes after the
 * first one wrote. Every group and binding depends on its management, whose check the engine
 * therefore runs before any of theirs; the management's check registers the whole manifest's
 * claims, so the FIRST resource of a conflicting pair already fails its check, before either
 * writes, with or without a preview. Values not known when the program runs (Outputs of other
 * resources) are left out here and checked when each resource is (as before).
 *
 * Nothing of it is stored: the management's check takes it out of the inputs it returns.
 */
export const manifestGroupSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("GoogleDistributionGroup"), name: z.string(), email: z.string().optional(), adoptId: z.string().optional() }),
  z.object({ kind: z.literal("EntraSecurityGroup"), name: z.string(), displayName: z.string(), adoptId: z.string().optional(), onExisting: z.string().optional() }),
]);
export type ManifestGroup = z.infer<typeof manifestGroupSchema>;

export const manifestBindingSchema = z.object({
  /** The binding's name in the program (its `__bindingName`). */
  name: z.string(),
  /** Its target group's label: the Google address or Entra display name the program gave, or the id of a group given by id. */
  target: z.string(),
  mode: membershipModeSchema,
  /** Whether it declares owners or managers (one binding of a group may). */
  roles: z.boolean(),
  /** The labels of the groups it nests. */
  memberGroups: z.array(z.string()),
});
export type ManifestBinding = z.infer<typeof manifestBindingSchema>;

export const programManifestSchema = z.object({
  groups: z.array(manifestGroupSchema),
  bindings: z.array(manifestBindingSchema),
});
export type ProgramManifest = z.infer<typeof programManifestSchema>;

/** The input that carries it (set by the SDK on each DirectoryGroupManagement; never stored). */
export const PROGRAM_MANIFEST_KEY = "__program";

/**
 * What a journey's program declares, in one shape for both flavours: the groups file of the
 * root project ("file") and the e2e program's JSON spec ("program", for what a file cannot say:
 * settings, aliases, management switches, resource names). Edits change this model; it is then
 * rendered as the file or the spec, and read back by the invariants (who should be a member where).
 */
import { stringify } from "yaml";
import { z } from "zod";
import type { ProgramSpec } from "../support/e2eProgram";

export const DIRECTORIES = ["google", "entra"] as const;
export type Directory = (typeof DIRECTORIES)[number];
export type Flavour = "file" | "program";

export const journeyGroupSchema = z.object({
  /** The user group's name (file: also the resources' names; program: the binding's userGroup.name). */
  name: z.string(),
  /** Program only: the resources' names are `<resource>-google`, `<resource>-entra`, `<resource>-google-members`, ... */
  resource: z.string().optional(),
  email: z.string().optional(),
  entraDisplayName: z.string().optional(),
  entraMailNickname: z.string().optional(),
  description: z.string().optional(),
  exportTo: z.array(z.enum(DIRECTORIES)).optional(),
  users: z.array(z.string()),
  owners: z.array(z.string()).optional(),
  managers: z.array(z.string()).optional(),
  membershipMode: z.enum(["authoritative", "additive"]).optional(),
  allowEmpty: z.boolean().optional(),
  /** File only: a stable identity that survives renames (docs/guides/migrating.md#renaming-a-user-group). */
  key: z.string().optional(),
  /** What removing the user group does to its groups (both flavours). */
  deletionPolicy: z.enum(["delete", "release"]).optional(),
  /** File only: directories where its groups are released (left as they are, no longer synced). */
  released: z.array(z.enum(DIRECTORIES)).optional(),
  /** Program only: the Google group's settings and aliases. */
  settings: z.record(z.string(), z.string()).optional(),
  aliases: z.array(z.string()).optional(),
});
export type JourneyGroup = z.infer<typeof journeyGroupSchema>;

export interface JourneyModel {
  flavour: Flavour;
  groups: JourneyGroup[];
  /** Program only: the DirectoryGroupManagement switches. */
  enabled: Record<Directory, boolean>;
  /** Program only: a second resource aiming at a group already managed (a step designed to be refused). */
  conflict?: { kind: "group" | "binding"; group: number };
}

export function emptyModel(flavour: Flavour): JourneyModel {
  return { flavour, groups: [], enabled: { google: true, entra: true } };
}

export function cloneModel(model: JourneyModel): JourneyModel {
  return structuredClone(model);
}

/** The directories a user group is exported to (a Google export needs an email: without one it is released). */
export function exportedTo(group: JourneyGroup): Directory[] {
  return (group.exportTo ?? [...DIRECTORIES]).filter((d) => (d !== "google" || group.email !== undefined) && !group.released?.includes(d));
}

/**
 * Whether a rename of the user group (its `name:`) keeps its group in the directory: Google's by
 * its email; Entra's when something else names it (its key, email, or display name given apart).
 */
export function renameKeeps(group: JourneyGroup, directory: Directory): boolean {
  return directory === "google" || group.key !== undefined || group.email !== undefined || group.entraDisplayName !== undefined;
}

export function entraName(group: JourneyGroup): string {
  return group.entraDisplayName ?? group.name;
}

/** The slug UserGroupExport makes resource names from (sdk/userGroupExport.ts). */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "group";
}

/** The name of the group resource (and, for the file, of its binding) of a user group in a directory. */
export function groupResourceName(model: JourneyModel, group: JourneyGroup, directory: Directory): string {
  return model.flavour === "file" ? `groups-${slug(group.name)}-${directory}` : `${group.resource}-${directory}`;
}

export function bindingResourceName(model: JourneyModel, group: JourneyGroup, directory: Directory): string {
  return model.flavour === "file" ? groupResourceName(model, group, directory) : `${group.resource}-${directory}-members`;
}

/** The groups file the root project reads. */
export function renderGroupsFile(model: JourneyModel): string {
  const groups = model.groups.map((g) => {
    const entry: Record<string, unknown> = { name: g.name };
    for (const key of ["key", "description", "email", "entraDisplayName", "entraMailNickname", "exportTo", "membershipMode", "allowEmpty", "deletionPolicy", "released"] as const) if (g[key] !== undefined) entry[key] = g[key];
    entry.users = g.users;
    if (g.owners) entry.owners = g.owners;
    if (g.managers) entry.managers = g.managers;
    return entry;
  });
  return stringify({ version: 1, groups });
}

/** The e2e program's spec (test/e2e/program/index.js). */
export function renderProgramSpec(model: JourneyModel, tenantId: string): ProgramSpec {
  const spec: Required<Pick<ProgramSpec, "management" | "googleGroups" | "entraGroups" | "bindings">> & ProgramSpec = {
    management: {
      google: { google: { domains: ["example.com"] }, enabled: model.enabled.google },
      entra: { entra: { tenantId }, enabled: model.enabled.entra },
    },
    googleGroups: {},
    entraGroups: {},
    bindings: {},
    stackOutputs: false,
  };
  for (const g of model.groups) {
    const binding = {
      userGroup: { name: g.name, users: g.users },
      ...(g.membershipMode ? { membershipMode: g.membershipMode } : {}),
      ...(g.owners ? { owners: g.owners } : {}),
      ...(g.allowEmpty ? { allowEmpty: true } : {}),
    };
    for (const directory of exportedTo(g)) {
      const group = groupResourceName(model, g, directory);
      if (directory === "google") {
        spec.googleGroups[group] = {
          management: "google",
          email: g.email,
          name: g.name,
          ...(g.description !== undefined ? { description: g.description } : {}),
          ...(g.settings ? { settings: g.settings } : {}),
          ...(g.aliases ? { aliases: g.aliases } : {}),
          ...(g.deletionPolicy ? { deletionPolicy: g.deletionPolicy } : {}),
        };
        spec.bindings[bindingResourceName(model, g, directory)] = { target: group, ...binding, ...(g.managers ? { managers: g.managers } : {}) };
      } else {
        spec.entraGroups[group] = {
          management: "entra",
          displayName: entraName(g),
          ...(g.description !== undefined ? { description: g.description } : {}),
          ...(g.entraMailNickname ? { mailNickname: g.entraMailNickname } : {}),
          ...(g.deletionPolicy ? { deletionPolicy: g.deletionPolicy } : {}),
        };
        spec.bindings[bindingResourceName(model, g, directory)] = { target: group, ...binding };
      }
    }
  }
  const conflict = model.conflict && model.groups[model.conflict.group];
  if (conflict && model.conflict!.kind === "group" && conflict.email) {
    spec.googleGroups[`${conflict.resource}-google-again`] = { management: "google", email: conflict.email };
  } else if (conflict && model.conflict!.kind === "binding") {
    const directory = exportedTo(conflict)[0];
    if (directory) spec.bindings[`${conflict.resource}-${directory}-members-again`] = { target: groupResourceName(model, conflict, directory), userGroup: { name: `${conflict.name} again`, users: [conflict.users[0] ?? "alice@example.com"] } };
  }
  return spec;
}

/** One step of a journey: an edit (its kind and parameters, see edits.ts), then an `up` applied one of two ways. */
export const journeyStepSchema = z.object({
  edit: z.looseObject({ kind: z.string() }),
  /** "preview": `pulumi preview`, then `pulumi up --yes` (which previews again); "automation": the Automation API's up (`--skip-preview`). */
  apply: z.enum(["preview", "automation"]),
  /** Whether the preview and the up refresh first (always, after hand drift). */
  refresh: z.boolean(),
});
export type JourneyStep = z.infer<typeof journeyStepSchema>;

export const journeySequenceSchema = z.object({
  flavour: z.enum(["file", "program"]),
  /** File only: the first groups file is what `group-export-bootstrap` writes from the seeded directories. */
  bootstrap: z.boolean().default(false),
  /** The first step's edit is the initial program (kind "start"); every step ends with an up. */
  steps: z.array(journeyStepSchema).min(1),
});
export type JourneySequence = z.infer<typeof journeySequenceSchema>;

/** A failure found once, kept and replayed by the suite (test/journeys/regressions.json). */
export const regressionSchema = z.object({
  name: z.string(),
  /** What broke when it was found: the invariant, and the defect it shows. */
  found: z.string(),
  seed: z.number().optional(),
  sequence: journeySequenceSchema,
});
export const regressionsFileSchema = z.object({ regressions: z.array(regressionSchema) });
export type Regression = z.infer<typeof regressionSchema>;

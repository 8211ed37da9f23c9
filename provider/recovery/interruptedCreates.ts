import { z } from "zod";

/**
 * Recovery of creates a killed `pulumi up` left pending (docs/guides/recovery.md).
 *
 * When `pulumi up` is killed while a GoogleDistributionGroup is being created, the group may
 * exist in Google (the insert landed) while the checkpoint only holds a pending CREATE
 * operation. A later `up` would find the group at its address and adopt it (`origin:
 * "adopted"`), so `destroy` would leave a group this stack made. Google groups carry nothing
 * that could tell whose they are, so the proof comes from the checkpoint: the pending
 * operation holds the inputs the killed run checked, and `adoption: "create"` in them records
 * that its check found the address FREE moments before the insert. Such a group is this
 * stack's own.
 *
 * `pulumi refresh --import-pending-creates` would be the engine's way, but in the engine this
 * package is tested with (v3.274.1) it turns the operation into a pending import that the
 * refresh then drops. So the operation is turned into a state entry here (`pulumi stack
 * export`, this transform, `pulumi stack import`), marked `interruptedCreate`; the refresh that
 * follows reads it: the provider looks the group up by its address and records it as
 * `created` under its real id, or drops the entry if the insert never landed.
 */

export const GOOGLE_GROUP_TOKEN = "pulumi-nodejs:dynamic/groupexport:GoogleDistributionGroup";
export const ENTRA_GROUP_TOKEN = "pulumi-nodejs:dynamic/groupexport:EntraSecurityGroup";
export const GROUP_BINDING_TOKEN = "pulumi-nodejs:dynamic/groupexport:GroupBinding";

/** The output that marks a state entry made from a pending create; read resolves it. */
export const INTERRUPTED_CREATE_KEY = "interruptedCreate";

/** The placeholder id of such an entry until refresh gives it the group's id. */
export const INTERRUPTED_CREATE_ID_PREFIX = "interrupted-create:";

const resourceSchema = z
  .object({
    urn: z.string(),
    type: z.string(),
    custom: z.boolean().optional(),
    id: z.string().optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    outputs: z.record(z.string(), z.unknown()).optional(),
    delete: z.boolean().optional(),
  })
  .passthrough();

const operationSchema = z.object({ type: z.string(), resource: resourceSchema }).passthrough();

export const exportedStackSchema = z
  .object({
    version: z.number(),
    deployment: z
      .object({
        resources: z.array(resourceSchema).optional(),
        pending_operations: z.array(operationSchema).optional(),
      })
      .passthrough(),
  })
  .passthrough();

export type ExportedStack = z.infer<typeof exportedStackSchema>;

export interface RecoveryPlan {
  /** The edited export, or undefined when nothing is to be changed. */
  edited?: ExportedStack;
  /** One line per pending create: what happens to it. */
  report: string[];
}

/**
 * A pending CREATE of a GroupBinding whose checked inputs say which users were members before
 * (`__membersAtCheck`, set by the check of a create that could read the group): a state entry
 * for refresh to resolve (the binding's read counts every other user now a member as added by
 * it). Without that record (the group was not readable at check), undefined: left pending.
 */
function interruptedBinding(r: z.infer<typeof resourceSchema>): z.infer<typeof resourceSchema> | undefined {
  const inputs = r.inputs ?? {};
  // The SDK may send the target as reference text (resources/referenceText.ts), decoded by the provider; check
  // records __membersAtCheck only after reading the group, so the record alone says the group was known.
  const target = inputs.target as { groupId?: unknown } | string | undefined;
  if (typeof inputs.__membersAtCheck !== "string" || target === undefined || (typeof target === "object" && (typeof target.groupId !== "string" || target.groupId === ""))) return undefined;
  return { ...r, custom: true, id: `${INTERRUPTED_CREATE_ID_PREFIX}${r.urn.split("::").pop() ?? "binding"}`, outputs: { ...inputs, [INTERRUPTED_CREATE_KEY]: true } };
}

/**
 * Turns each pending CREATE of a GoogleDistributionGroup whose checked inputs say `adoption:
 * "create"` into a state entry for refresh to resolve (for a replacement, the replaced entry is
 * marked for deletion, as Pulumi records a replacement whose create completed). Every other pending operation is left
 * as it is (docs/guides/recovery.md: `pulumi refresh --clear-pending-creates` clears them, and the next `up`
 * finds or makes those resources again). A pending CREATE of a GroupBinding becomes an entry
 * too (see interruptedBinding), so the members its run added stay its own.
 */
export function planInterruptedCreates(exported: ExportedStack): RecoveryPlan {
  const deployment = exported.deployment;
  const pending = deployment.pending_operations ?? [];
  const resources = [...(deployment.resources ?? [])];
  const report: string[] = [];
  const keep: typeof pending = [];
  const added: typeof resources = [];
  for (const op of pending) {
    const r = op.resource;
    const inputs = r.inputs ?? {};
    if (op.type === "creating" && r.type === GROUP_BINDING_TOKEN) {
      const binding = interruptedBinding(r);
      if (binding) {
        added.push(binding);
        report.push(`${r.urn}: its run was adding members; pulumi refresh records the members it added as this binding's own (the next up adds the rest)`);
      } else {
        keep.push(op);
        report.push(`${r.urn}: left pending (its run had not read the group yet; cleared by pulumi refresh --clear-pending-creates, the next up binds again)`);
      }
      continue;
    }
    if (op.type === "creating" && r.type === ENTRA_GROUP_TOKEN) {
      // Its check planned a create (`adoption: "create (mailNickname …)"`, or the program gave the nickname): the group
      // that run's POST made is the one with that nickname and display name (EntraSecurityGroup readInterruptedCreate).
      const nickname = typeof inputs.mailNickname === "string" ? inputs.mailNickname : /^create \(mailNickname ([^;)\s]+)/.exec(String(inputs.adoption ?? ""))?.[1];
      const creating = typeof inputs.adoption === "string" && inputs.adoption.startsWith("create");
      if (!creating || !nickname) {
        keep.push(op);
        report.push(`${r.urn}: left pending (its run was adopting an existing group, not creating one)`);
        continue;
      }
      added.push({ ...r, custom: true, id: `${INTERRUPTED_CREATE_ID_PREFIX}${nickname}`, outputs: { ...inputs, [INTERRUPTED_CREATE_KEY]: true } });
      report.push(`${r.urn}: its run was creating Entra group "${String(inputs.displayName)}" (mailNickname ${nickname}); pulumi refresh records it as created by this stack if it exists, and drops it if it does not`);
      continue;
    }
    if (op.type !== "creating" || r.type !== GOOGLE_GROUP_TOKEN) {
      keep.push(op);
      if (op.type === "creating") report.push(`${r.urn}: left pending (cleared by pulumi refresh --clear-pending-creates; the next up finds or makes it again)`);
      continue;
    }
    const email = typeof inputs.email === "string" ? inputs.email : undefined;
    // "create", or for an email change "create; replaces the group of …" (see movedFrom).
    const creating = typeof inputs.adoption === "string" && /^create(;|$)/.test(inputs.adoption);
    if (!creating || !email) {
      keep.push(op);
      report.push(`${r.urn}: left pending (its run was adopting an existing group, not creating one)`);
      continue;
    }
    added.push({ ...r, custom: true, id: `${INTERRUPTED_CREATE_ID_PREFIX}${email}`, outputs: { ...inputs, [INTERRUPTED_CREATE_KEY]: true } });
    const replaced = resources.findIndex((other) => other.urn === r.urn && !other.delete);
    if (replaced >= 0) {
      // A replacement's create (an email change): the state becomes what Pulumi writes once a
      // replacement is created, the old resource marked for deletion (the next up deletes or
      // releases its group by its deletion policy) and the new one after it.
      resources[replaced] = { ...resources[replaced], delete: true };
      report.push(`${r.urn}: its run was replacing the resource by group ${email}; the replaced one is marked for deletion (the next up deletes or releases its group)`);
    }
    report.push(`${r.urn}: its run was creating group ${email}; pulumi refresh records it as created by this stack if it exists, and drops it if it does not`);
  }
  if (added.length === 0) return { report };
  // Appended after everything it may depend on (its parent, provider and management are older entries).
  return { edited: { ...exported, deployment: { ...deployment, resources: [...resources, ...added], pending_operations: keep } }, report };
}

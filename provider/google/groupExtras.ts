import { containsUnknown, type CheckFailure } from "../contract/checkInputs";
import type { Limiters } from "../limiter";
import { OWN_WRITE_LAG_MS, readPastOwnWrite } from "../retry";
import type { GoogleSettings } from "../settings";
import type { ManagementRef } from "../groups/management";
import { claimKeys, type Claim } from "../groups/runRegistry";
import { aliasChanges, aliasFields, checkAliases, type AliasFields } from "./aliasPlan";
import { googleStatus, type DirectoryGroup, type GoogleDirectoryClient } from "./client";
import { groupAddresses } from "./plan";
import { googleGroupsSettingsClient, type GoogleGroupsSettingsClient } from "./settingsClient";
import { managedNames, observedManaged, sameSettings, settingsPatch, type ObservedSettings, type SettingsMap } from "./settingsPlan";
import { resolveSettings, type GroupSettings, type SettingsDefault } from "./settingsSchema";

/**
 * A GoogleDistributionGroup's settings (Groups Settings API) and aliases (Directory API):
 * checked at preview, applied after the group itself is found or made, read at refresh.
 * Kept apart from the group's own lifecycle (provider/resources/googleDistributionGroup.ts
 * calls these at its check, diff, create, update and read).
 */

/**
 * What these parts use of the provider's context (provider/context.ts satisfies it): the Google
 * settings, the limiters and the directory client. Named here so this floor imports nothing above it.
 */
export interface GoogleServices {
  readonly settings: { google(): GoogleSettings };
  readonly limiters: Limiters;
  google(): GoogleDirectoryClient;
}

/** The settings client of the context's Google principal (its own token and limiter). */
function settingsClient(context: GoogleServices): GoogleGroupsSettingsClient {
  return googleGroupsSettingsClient(context.settings.google(), context.limiters);
}

/** The inputs these parts read (after check). */
export interface ExtrasInputs {
  email: string;
  /** The managed settings: the default laid under the declared ones (check resolves them). */
  settings?: GroupSettings;
  settingsDefault?: SettingsDefault;
  /** The declared aliases (sorted); undefined: aliases are not managed. */
  aliases?: string[];
}

/** The state these parts keep, as stored (older states may lack any of it). */
export interface StoredExtras {
  settings?: SettingsMap;
  /** This stack's last settings write: a read answering those fields' old values soon after is the API lagging (see readExtras). */
  settingsWritten?: SettingsWrite;
  settingsDefault?: SettingsDefault;
  aliases?: string[];
  aliasesManaged?: boolean;
}

/** The state these parts keep. */
export interface ExtrasState extends AliasFields {
  /** The managed settings as the group holds them (only the managed fields). */
  settings?: SettingsMap;
  settingsDefault?: SettingsDefault;
  /** Whether `aliases` is declared (then refresh makes it an input, so drift shows). */
  aliasesManaged?: boolean;
  /** This stack's last settings write (when, and which fields). */
  settingsWritten?: SettingsWrite;
}

/** A settings write of this stack: when (epoch ms) and the fields it wrote. */
export interface SettingsWrite {
  at: number;
  fields: string[];
}

/**
 * At check (preview): resolves `settings` (the default under the declared fields, with the
 * API's cross-field rules) into the inputs, and checks declared aliases against the email
 * and the directory's domains. Values not known until apply are left for then.
 */
export function checkExtras(values: Record<string, unknown>, failures: CheckFailure[], management: ManagementRef | undefined): void {
  const settingsFailed = failures.some((f) => f.property === "settings" || f.property === "settingsDefault");
  if (!settingsFailed && !containsUnknown(values.settings) && !containsUnknown(values.settingsDefault)) {
    // Cast: checkFields parsed both with their zod schemas (settingsSchema.ts).
    const resolved = resolveSettings(values.settings as GroupSettings | undefined, values.settingsDefault as SettingsDefault | undefined);
    values.settings = resolved.settings;
    for (const f of resolved.failures) failures.push({ property: "settings", reason: `${f.field} ${f.reason}` });
  }
  const aliases = values.aliases;
  if (Array.isArray(aliases) && !containsUnknown(aliases) && !failures.some((f) => f.property === "aliases")) {
    const email = typeof values.email === "string" && !containsUnknown(values.email) ? values.email : undefined;
    const domains = management && !containsUnknown(management) && management.service === "google" ? (management.domains ?? []) : [];
    for (const f of checkAliases(aliases as string[], email, domains)) failures.push({ property: "aliases", reason: `${f.index} ${f.reason}` });
  }
}

/**
 * The distribution-list default is for groups this stack makes. A group taken over (adopted),
 * or one this stack made before it managed settings (its stored inputs have none), keeps the
 * settings it has unless the program declares `settings` or `settingsDefault`: a setting the
 * program did not ask to change is never changed (docs/resources/google-distribution-group.md#group-settings).
 * `adoption` is the preview's text ("create" / "adopt existing group …"), when known.
 */
export function keepsOwnSettings(declaredDefault: unknown, adoption: unknown, olds: Record<string, unknown>): boolean {
  if (declaredDefault !== undefined) return false;
  if (typeof adoption === "string" && adoption.startsWith("adopt")) return true;
  const existed = typeof olds.email === "string";
  return existed && olds.settings === undefined;
}

/**
 * The managed settings of a group that keeps its own: only the declared fields (undefined
 * when none are declared, so refresh reads no settings and needs no settings scope).
 */
export function declaredSettingsOnly(declared: unknown): GroupSettings | undefined {
  if (declared === undefined || containsUnknown(declared)) return undefined;
  // Cast: checkFields parsed it with groupSettingsSchema (settingsSchema.ts).
  const { settings } = resolveSettings(declared as GroupSettings, "none");
  return Object.keys(settings).length > 0 ? settings : undefined;
}

/** Claims on the declared aliases: another resource declaring one of them as its address is a conflict. */
export function aliasClaims(directoryKey: string, aliases: unknown): Claim[] {
  if (!Array.isArray(aliases) || containsUnknown(aliases)) return [];
  return (aliases as string[]).map((alias) => ({ key: claimKeys.address(directoryKey, alias), label: `address ${alias} (an alias)` }));
}

/**
 * At preview, read-only: an alias to add that is already an address of another group fails
 * here, naming that group (Google would refuse it at apply with 409), and so does the group's
 * own primary address when the resource is declared by one of its aliases (it is no alias).
 * Only aliases not declared before are looked up. An alias held by the group this resource
 * replaces (`replaced`: that group's email, when the email changed) moves with the resource:
 * returned in `moved`, for the preview to say so (applyExtras moves it). An alias that is a
 * user's address fails too when the delegation grants the users' read-only scope (usersHolding);
 * without it, Google's 409 at apply names it.
 */
export async function aliasConflictsAtPreview(
  context: GoogleServices,
  email: string,
  aliases: unknown,
  previous: unknown,
  replaced?: string,
): Promise<{ failures: CheckFailure[]; moved: string[] }> {
  const failures: CheckFailure[] = [];
  const moved: string[] = [];
  if (!Array.isArray(aliases) || containsUnknown(aliases)) return { failures, moved };
  const before = new Set(Array.isArray(previous) ? (previous as string[]) : []);
  const client = context.google();
  const free: [number, string][] = [];
  for (const [index, alias] of (aliases as string[]).entries()) {
    if (before.has(alias)) continue;
    const holder = await client.getGroup(alias);
    if (!holder) {
      free.push([index, alias]);
      continue;
    }
    const addresses = groupAddresses(holder);
    if (addresses.includes(email)) {
      if (holder.email === alias) {
        failures.push({ property: "aliases", reason: `${index} ${alias} is the group's primary address (the group is declared by its alias ${email}), not an alias: remove it from aliases` });
      }
    } else if (replaced && addresses.includes(replaced)) moved.push(alias);
    else {
      failures.push({
        property: "aliases",
        reason: `${index} ${alias} is already an address of another group, ${holder.email} (${holder.id}): an address belongs to one group or user; remove it from that group first (if another resource of this stack removes it in this same update, run pulumi up once without it here, then again with it), or choose another alias`,
      });
    }
  }
  const users = await usersHolding(client, free.map(([, alias]) => alias));
  for (const [index, alias] of free) {
    const user = users.get(alias.toLowerCase());
    if (user) failures.push({ property: "aliases", reason: `${index} ${alias} is ${userAddress(alias, user)}: an address belongs to one group or user; choose another alias` });
  }
  return { failures, moved };
}

/**
 * Which of these addresses (no group answers to them) a user holds, as its primary address or
 * an alias: users.get answers for either. Google refuses a group or alias there with 409 at
 * apply. Needs the optional scope admin.directory.user.readonly; without it nothing is known
 * (an empty map) and the apply's 409 names the address.
 */
export async function usersHolding(client: GoogleDirectoryClient, addresses: string[]): Promise<Map<string, { primaryEmail: string }>> {
  const held = new Map<string, { primaryEmail: string }>();
  if (addresses.length === 0) return held;
  const found = await client.findUsers(addresses);
  addresses.forEach((address, i) => {
    const user = found?.[i];
    if (user?.found) held.set(address.toLowerCase(), { primaryEmail: user.primaryEmail });
  });
  return held;
}

/** "the address of a user" or "an alias of the user <primary>", for messages. */
export function userAddress(address: string, user: { primaryEmail: string }): string {
  return user.primaryEmail === address.toLowerCase() ? "the address of a user" : `an alias of the user ${user.primaryEmail}`;
}

/**
 * At preview, read-only, for a group that will be adopted: which of its settings the apply
 * will change, so that taking a group over never changes a setting unseen. Appended to the
 * preview's `adoption`; "" when none change (or no settings are managed).
 */
export async function adoptionSettingsNote(context: GoogleServices, email: string, settings: unknown): Promise<string> {
  if (!settings || containsUnknown(settings)) return "";
  // Cast: check resolved the settings (resolveSettings) before this runs.
  const desired = settings as GroupSettings;
  if (managedNames(desired).length === 0) return "";
  const observed = await settingsClient(context).get(email);
  if (!observed) return "";
  const changes = Object.keys(settingsPatch(desired, observed));
  return changes.length === 0 ? "; its settings already match" : `; settings to change: ${changes.map((name) => `${name} ${String(observed[name] ?? "")} -> ${desired[name as keyof GroupSettings]}`).join(", ")}`;
}

/**
 * At preview, for a group that will be adopted with `aliases` declared, or whose `aliases` are
 * declared for the first time: the aliases it has that the apply will remove (the declared set
 * is exact), so that no address is removed unseen. Appended to the preview's `adoption`; ""
 * when none go.
 */
export function adoptionAliasesNote(found: DirectoryGroup, email: string, aliases: unknown): string {
  if (!Array.isArray(aliases) || containsUnknown(aliases)) return "";
  const { remove } = aliasChanges(aliases as string[], aliasFields(found, email).aliases);
  return remove.length === 0 ? "" : `; aliases to remove: ${remove.join(", ")}`;
}

/** Whether the managed settings or aliases differ between the state and the desired inputs. */
export function extrasChanged(state: StoredExtras, desired: ExtrasInputs): boolean {
  if (!sameSettings(state.settings, desired.settings) || state.settingsDefault !== desired.settingsDefault) return true;
  if ((desired.aliases !== undefined) !== (state.aliasesManaged === true)) return true;
  if (desired.aliases === undefined) return false;
  const { add, remove } = aliasChanges(desired.aliases, state.aliases ?? []);
  return add.length + remove.length > 0;
}

/** Google's answer to an alias insert, worded for the user. */
function aliasError(alias: string, error: unknown): Error {
  const status = googleStatus(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (status === 409) return new Error(`aliases: ${alias} is already an address of another group or user (Google: ${detail}): remove it there first, or choose another alias`);
  if (status === 400 || status === 403 || /Domain not found/i.test(detail)) return new Error(`aliases: Google refused ${alias} (${detail}): an alias must be an address in one of the customer's domains (Admin console > Account > Domains)`);
  return error instanceof Error ? error : new Error(detail);
}

/**
 * After the group is found or made (`group`: as last read or as the insert answered): makes
 * its aliases the declared set (when declared) and its managed settings the desired ones,
 * PATCHing only the fields that differ. `justCreated`: this run made the group, so a 404 of
 * the settings endpoint or of an alias insert is propagation and is waited for (bounded).
 * `replaced`: the email of the group this resource replaces (its email changed), whose aliases
 * declared here move to this group. Returns the state fields, as the group now holds them.
 */
export async function applyExtras(context: GoogleServices, desired: ExtrasInputs, group: DirectoryGroup, justCreated: boolean, replaced?: string, known?: SettingsMap): Promise<ExtrasState> {
  const directory = context.google();
  const observedAliases = aliasFields(group, desired.email);
  let aliases = observedAliases;
  if (desired.aliases !== undefined) {
    const { add, remove } = aliasChanges(desired.aliases, observedAliases.aliases);
    for (const alias of remove) await directory.deleteAlias(group.id, alias);
    for (const alias of add) {
      try {
        await directory.insertAlias(group.id, alias, justCreated);
      } catch (error) {
        if (!(replaced && googleStatus(error) === 409)) throw aliasError(alias, error);
        // Held by the group this resource replaces (its email changed): the alias moves (the preview said so).
        const holder = await directory.getGroup(alias);
        if (!holder || holder.id === group.id || !groupAddresses(holder).includes(replaced)) throw aliasError(alias, error);
        await directory.deleteAlias(holder.id, alias);
        try {
          await directory.insertAlias(group.id, alias, justCreated);
        } catch (again) {
          throw aliasError(alias, again);
        }
      }
    }
    aliases = { ...observedAliases, aliases: [...desired.aliases] };
  }
  const managed = managedNames(desired.settings);
  let held: SettingsMap | undefined;
  let settingsWritten: SettingsWrite | undefined;
  if (managed.length > 0) {
    const client = settingsClient(context);
    const observed = await client.get(group.email, justCreated);
    if (!observed) throw new Error(`the Groups Settings API has no group ${group.email} although the Directory API has it: run pulumi up again in a minute (Google is still propagating)`);
    const patch = settingsPatch(desired.settings ?? {}, observed, known);
    const wrote = Object.keys(patch).length > 0;
    const after = wrote ? await client.patch(group.email, patch, justCreated) : observed;
    // A read right after the write may still answer older values: the written ones are what the group holds.
    held = observedManaged(managed, wrote ? { ...after, ...patch } : after);
    if (wrote) settingsWritten = { at: Date.now(), fields: Object.keys(patch).sort() };
  }
  return {
    ...aliases,
    ...(held ? { settings: held } : {}),
    ...(settingsWritten ? { settingsWritten } : {}),
    ...(desired.settingsDefault ? { settingsDefault: desired.settingsDefault } : {}),
    ...(desired.aliases !== undefined ? { aliasesManaged: true } : {}),
  };
}

/**
 * The current aliases of a group for an update: read again (an alias added by hand since the
 * last refresh is then removed too), unless aliases are not managed.
 */
export async function currentGroup(context: GoogleServices, desired: ExtrasInputs, group: DirectoryGroup): Promise<DirectoryGroup> {
  if (desired.aliases === undefined) return group;
  return (await context.google().getGroup(group.id)) ?? group;
}

/**
 * Refresh: starts reading the managed settings by the address the state knows, while the group
 * itself is read (one round trip's wait instead of two in a row); `readExtras` takes the answer
 * when the group still has that address, and reads by its new one otherwise. Errors surface there.
 */
export function prefetchExtras(context: GoogleServices, state: StoredExtras & { email: string }): void {
  if (managedNames(state.settings).length === 0) return;
  settingsClient(context)
    .get(state.email)
    .catch(() => undefined);
}

/** Refresh: the managed settings and the aliases as the group holds them now. */
export async function readExtras(context: GoogleServices, state: StoredExtras & { email: string }, observed: DirectoryGroup): Promise<ExtrasState> {
  const managed = managedNames(state.settings);
  let settings: SettingsMap | undefined = state.settings;
  if (managed.length > 0) {
    // The Groups Settings API can answer the values from before this stack's own write for a while: not drift.
    const client = settingsClient(context);
    const written = state.settingsWritten;
    // Lag explains a read only when every field it differs in is one the last write wrote.
    const lagMayExplain = (read: ObservedSettings | undefined) => {
      if (!read || !written) return false;
      const differing = managed.filter((name) => observedManaged([name], read)[name] !== state.settings?.[name]);
      return differing.length > 0 && differing.every((name) => written.fields.includes(name));
    };
    const held = await readPastOwnWrite((attempt) => client.get(observed.email, false, { fresh: attempt > 0 }), lagMayExplain, written?.at);
    if (held) settings = observedManaged(managed, held);
  }
  return {
    // Kept while a lagging read could still follow it; dropped once that is over.
    ...(state.settingsWritten && Date.now() - state.settingsWritten.at < OWN_WRITE_LAG_MS ? { settingsWritten: state.settingsWritten } : {}),
    ...aliasFields(observed, state.email),
    ...(settings ? { settings } : {}),
    ...(state.settingsDefault ? { settingsDefault: state.settingsDefault } : {}),
    ...(state.aliasesManaged ? { aliasesManaged: true } : {}),
  };
}

/**
 * The inputs a refresh records: the observed managed settings and, when declared, the
 * observed aliases, so that drift shows in the next preview as a change of `settings` or
 * `aliases`; the bookkeeping fields are outputs only.
 */
export function refreshedInputs(inputs: Record<string, unknown>, state: StoredExtras): Record<string, unknown> {
  const { nonEditableAliases: _n, aliasesManaged: _m, aliases: _a, settingsWritten: _w, ...rest } = inputs;
  return { ...rest, ...(state.aliasesManaged ? { aliases: state.aliases } : {}) };
}

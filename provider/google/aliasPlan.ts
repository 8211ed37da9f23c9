import { z } from "zod";
import type { DirectoryGroup } from "./client";

/**
 * Aliases of a Google group (Directory API `groups.aliases`): the `aliases` input, and the
 * pure plan from declared vs observed aliases to inserts and deletes. Aliases are only
 * managed when declared; an alias is an address of the group, so each must be a valid
 * address in one of the customer's domains and free (not another group's or user's).
 */

/** The `aliases` input: addresses, lowercased (Google compares addresses case-insensitively), each once. */
export const aliasesSchema = z
  .array(
    z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.email({ error: 'is not an email address: give the alias as a full address, e.g. "team-alias@example.com"' })),
  )
  .superRefine((aliases, ctx) => {
    aliases.forEach((alias, i) => {
      if (aliases.indexOf(alias) !== i) ctx.addIssue({ code: "custom", path: [i], message: `repeats ${alias} (aliases compare case-insensitively): list each alias once` });
    });
  })
  .transform((aliases) => [...aliases].sort());

/** Aliases in the stored state: the group's editable aliases other than the declared address, and Google's own. */
export interface AliasFields {
  aliases: string[];
  nonEditableAliases: string[];
}

/**
 * The alias fields of the state, from the group as read: `aliases` are the aliases the group
 * can be given or lose (the declared `email`, when it is an alias, is not among them: it is
 * the resource's own address), `nonEditableAliases` those Google made and keeps.
 */
export function aliasFields(group: Pick<DirectoryGroup, "email" | "aliases" | "nonEditableAliases">, email: string): AliasFields {
  const nonEditable = new Set(group.nonEditableAliases ?? []);
  const aliases = (group.aliases ?? []).filter((a) => !nonEditable.has(a) && a !== email && a !== group.email).sort();
  return { aliases, nonEditableAliases: [...nonEditable].sort() };
}

export interface AliasChanges {
  add: string[];
  remove: string[];
}

/** What makes the group's aliases the declared set: aliases to insert, aliases to delete. */
export function aliasChanges(declared: readonly string[], observed: readonly string[]): AliasChanges {
  const want = new Set(declared);
  const have = new Set(observed);
  return { add: declared.filter((a) => !have.has(a)), remove: observed.filter((a) => !want.has(a)) };
}

/** A problem with one declared alias, found without calling Google (at preview). */
export interface AliasFailure {
  index: number;
  reason: string;
}

/**
 * Checks declared aliases against the group's own address and the directory's domains: an
 * alias equal to `email` is no alias, one outside the domains cannot be given (Google
 * refuses an address in a domain the customer does not own).
 */
export function checkAliases(aliases: readonly string[], email: string | undefined, domains: readonly string[]): AliasFailure[] {
  const failures: AliasFailure[] = [];
  aliases.forEach((alias, index) => {
    if (email && alias === email) failures.push({ index, reason: `${alias} is the group's email, not an alias: remove it from aliases (the declared address is always kept)` });
    else if (domains.length > 0 && !domains.includes(alias.split("@")[1])) {
      failures.push({ index, reason: `${alias} is not in the directory's domains (${domains.join(", ")}): Google gives a group aliases only in the customer's domains: use one of them, or add the domain to the DirectoryGroupManagement's google.domains` });
    }
  });
  return failures;
}

import type { z } from "zod";
import { containsUnknown, isUnknown } from "../contract/checkInputs";
import type { Document } from "../contract/defineResource";
import { see } from "../contract/docs";
import { bindingTargetSchema, userGroupSchema, type GroupBindingInputs } from "./bindingSchema";
import type { MemberFailure } from "./memberDirectory";

/**
 * Every text a GroupBinding fails or reports with, written once: the preview (check) and the
 * apply say the same thing in the same words, and a secret user list is never spelled out.
 */

export const GROUP_BINDING_TYPE = "GroupBinding";

/** A checked value as its schema's type; undefined while it is (or holds) a value unknown until apply. */
export function known<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  if (containsUnknown(value)) return undefined;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** How apply errors name a binding: its name, its user group and its group. */
export function describe(inputs: Pick<GroupBindingInputs, "userGroupName" | "target" | "__bindingName">): string {
  return `${GROUP_BINDING_TYPE}${inputs.__bindingName ? ` ${inputs.__bindingName}` : ""} (user group "${inputs.userGroupName}" to ${inputs.target.label})`;
}

/** The binding's name in the program (run-wide bookkeeping keys on it). */
export function bindingName(values: { __bindingName?: unknown }): string {
  return typeof values.__bindingName === "string" ? values.__bindingName : "(unnamed)";
}

/** How messages name a binding from its inputs or state, as far as they tell (see `describe`). */
export function label(document: Document): string {
  const name = typeof document.__bindingName === "string" ? ` ${document.__bindingName}` : "";
  const userGroup = typeof document.userGroupName === "string" && !isUnknown(document.userGroupName) ? document.userGroupName : known(userGroupSchema, document.userGroup)?.name;
  const target = bindingTargetSchema.safeParse(document.target).data;
  const to = target && !isUnknown(target.label) ? ` to ${target.label}` : "";
  return `${GROUP_BINDING_TYPE}${name}${userGroup ? ` (user group "${userGroup}"${to})` : ""}`;
}

/** Addresses for a message, or a count when the program gave the users as a secret (messages are not secret). */
export function addresses(list: readonly string[], secret: boolean | undefined): string {
  return secret ? `${list.length} address(es) withheld (the user list is a secret)` : list.join(", ");
}

export function failureText(verb: string, list: MemberFailure[], secret?: boolean): string {
  if (secret) return `could not ${verb} ${list.length} member(s) (addresses withheld: the user list is a secret): ${[...new Set(list.map((f) => f.reason))].join("; ")}`;
  return `could not ${verb} ${list.length} member(s): ${list.map((f) => `${f.key} (${f.reason})`).join("; ")}`;
}

/** Users of the user group the directory does not know (preview, apply, and an add that found none). */
export function usersNotFound(unresolved: readonly string[], directoryKey: string, secret: boolean | undefined): string {
  return `${unresolved.length} user(s) not found in ${directoryKey}: ${addresses(unresolved, secret)}; fix the user group or create the users`;
}

/** Two or more users carry these addresses (e.g. in otherMails): which one is meant cannot be told. */
export function ambiguousUsers(ambiguous: ReadonlyMap<string, string[]>, secret: boolean | undefined): string {
  const which = secret
    ? `${ambiguous.size} address(es) belong to several users (withheld: the user list is a secret)`
    : [...ambiguous].map(([key, users]) => `${key} is an address of ${users.join(" and ")}`).join("; ");
  return `${which}; give each user's own user principal name instead`;
}

/** The mass-removal guard's refusal, with the members (and Entra owners) it would have removed. */
export function massRemovalText(violation: string, removed: readonly string[], secret: boolean | undefined): string {
  return `mass-removal guard: ${violation} (members to remove: ${addresses(removed, secret)})`;
}

/** A state entry made by group-export-recover that no refresh has resolved yet. */
export function interruptedCreateText(props: Document): string {
  return (
    `${GROUP_BINDING_TYPE}${typeof props.__bindingName === "string" ? ` ${props.__bindingName}` : ""}: this state entry stands for an interrupted create and has not been refreshed yet: ` +
    `run pulumi refresh --yes --clear-pending-creates first (${see("recovery")})`
  );
}

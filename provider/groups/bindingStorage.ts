import { isUnknown } from "../contract/checkInputs";
import type { Document } from "../contract/defineResource";
import { secretIf } from "../contract/secrets";
import { carriedFields, GROUP_BINDING_STATE_VERSION, groupBindingInputsSchema, memberListText, toStoredBindingState, type GroupBindingInputs, type GroupBindingState } from "./bindingSchema";

/**
 * A GroupBinding's stored forms: the state as the engine stores it (member maps packed), the
 * inputs a state stands for (refresh), and the secret marks on every field that carries members.
 */

/** The fields that carry members: returned as secrets when the program gave the users as one. */
const MEMBER_FIELDS = ["members", "memberTable", "removals", "kept", "owners", "managers", "ownerIds"] as const;

/**
 * The state as the engine stores it: the member maps packed into `memberTable` (bindingSchema.ts).
 * Cast: the resource definition has one State type for what is stored and what the handlers work
 * with; `loadState` (upgradeBindingState) unpacks this form again.
 */
export function stored(state: GroupBindingState): GroupBindingState {
  return toStoredBindingState(state) as unknown as GroupBindingState;
}

export function withSecrets<T extends Partial<Record<(typeof MEMBER_FIELDS)[number], unknown>>>(outs: T, secret: boolean | undefined): T {
  if (!secret) return outs;
  const copy = { ...outs };
  for (const field of MEMBER_FIELDS) if (field in copy && !isUnknown(copy[field])) copy[field] = secretIf(true, copy[field]);
  return copy;
}

/** The state as stored, secret when the users are. */
export function storedOuts(state: GroupBindingState, secret: boolean | undefined): GroupBindingState {
  return withSecrets(stored(state), secret);
}

/** Drops undefined values: the engine cannot carry them (it fails with "Unexpected struct type"). */
export function defined(values: Document): Document {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

/** The inputs a refreshed state stands for, so that drift shows in the next diff. */
export function inputsOf(state: GroupBindingState): Document {
  const inputs = groupBindingInputsSchema.parse({ ...carriedFields(state), members: state.members, removals: {}, kept: state.kept });
  return defined({ ...inputs, members: memberListText(Object.keys(inputs.members)) });
}

/** The state fields a binding takes from its desired inputs as they are (apply and the recovery of a killed create). */
export function stateBase(desired: GroupBindingInputs) {
  return { stateVersion: GROUP_BINDING_STATE_VERSION, ...carriedFields(desired) } as const;
}

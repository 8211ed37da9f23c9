import { z } from "zod";
import { checkFields } from "../contract/checkInputs";
import { defineResource } from "../contract/defineResource";
import { pulumiNameOf, resourceLabel } from "../contract/resourceName";
import { readStoredState } from "../contract/storedState";
import { providerContext, type ProviderContext } from "../context";

export const USER_GROUP_INDEX_TYPE = "UserGroupIndex";

/** What the SDK gives: the component's user groups as index text (provider/groups/userGroupIndex.ts). */
const argsSchema = z.object({ entries: z.string(), pulumiName: z.string().optional() });
/** After check, and as stored: with the entries of the last apply (`previous`), which the SDK reads to alias renamed user groups. */
const stateSchema = argsSchema.extend({ previous: z.string() });
type State = z.output<typeof stateSchema>;

const label = (document: Record<string, unknown>) => resourceLabel(USER_GROUP_INDEX_TYPE, pulumiNameOf(document), "index");

/**
 * The index of a UserGroupExport (see provider/groups/userGroupIndex.ts): nothing remote.
 * Its check answers `previous`, the entries the last apply recorded (its old inputs), so that
 * a preview (where the engine shows an update's checked inputs as its outputs) and an apply
 * alike alias the renamed user groups' resources before anything is created or deleted.
 */
export const userGroupIndexProvider = defineResource<ProviderContext, State, State>(
  {
    type: USER_GROUP_INDEX_TYPE,
    label,
    inputs: stateSchema,
    loadState: (props) => readStoredState(label(props), props, (p) => stateSchema.parse(p), "declare the UserGroupExport again"),
    async check(_context, olds, news) {
      const { values, failures } = checkFields(USER_GROUP_INDEX_TYPE, argsSchema, news);
      return { inputs: { ...values, previous: typeof olds.entries === "string" ? olds.entries : "" }, failures };
    },
    // Only the entries count: `previous` follows them (an unchanged index keeps its outputs, whose
    // `previous` may then be older still; an alias to a name no longer in the state is ignored).
    async diff(_context, _id, state, desired) {
      return { changes: state.entries !== desired.entries };
    },
    async create(_context, desired) {
      return { id: `index-${desired.pulumiName ?? "groups"}`, outs: desired };
    },
    async read(_context, id) {
      return { id };
    },
    async update(_context, _id, _state, desired) {
      return { outs: desired };
    },
    async delete() {},
  },
  providerContext,
);

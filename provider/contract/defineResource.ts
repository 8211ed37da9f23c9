import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { PROVIDER_KEY, type CheckFailure } from "./checkInputs";
import { asResourceProblem, namedFailure, withoutHostEcho } from "./failures";
import { PartialApplyError } from "./partialApply";

/**
 * One shape for every resource: its schemas and its handlers in, Pulumi's generic
 * `ResourceProvider<Inputs, State>` out. The engine hands every call untyped documents; here
 * they are parsed once (checked inputs by the `inputs` schema, stored state by `loadState`,
 * which upgrades older versions), so handlers get typed values and need no casts. The
 * serialized provider reference (`__provider`) is carried from the engine's documents into
 * what the handlers return, as the dynamic-provider host expects, in this one place; and every
 * error a handler raises leaves named by the resource and worded with its fix (`namedFailure`).
 */

/** A document as the engine passes it. */
export type Document = Record<string, unknown>;

/** What `read` found: the refreshed state (and the inputs it stands for), or `undefined` when the object is gone. */
export type ReadOutcome<State> =
  | {
      id: string;
      /** The refreshed state; absent: the stored state stays as it was (nothing remote was read). */
      props?: State;
      /** The inputs the state stands for, so that drift shows in the next diff. */
      inputs?: Document;
    }
  | undefined;

/** What a diff is for (see ResourceDefinition.diff). */
export interface DiffCall {
  refresh: boolean;
}

export interface ResourceDefinition<Context, Inputs, State> {
  /** The resource's type name (`GoogleDistributionGroup`), for messages. */
  type: string;
  /** How messages name the resource, from its inputs or stored state, e.g. `GoogleDistributionGroup "eng"`. */
  label(document: Document): string;
  /** The resource's name in the program, as its inputs carry it (for a diff's `call`); none: its diffs are never a refresh's. */
  name?(document: Document): string | undefined;
  /** The inputs as `check` returns them (defaults applied): what diff, create and update receive. */
  inputs: z.ZodType<Inputs>;
  /** A stored state of any released version, upgraded to the current one; throws naming the resource and the fix. */
  loadState(props: Document): State;
  /** Validates and normalizes the program's inputs (field failures, and what the preview should say). */
  check(context: Context, olds: Document, news: Document): Promise<{ inputs: Document; failures: CheckFailure[] }>;
  /**
   * `call.refresh`: the engine's diff at refresh, which compares the stored inputs with the
   * refreshed state, under the name in the state, with no check before it; a diff of the program
   * follows the resource's check in the same run. Only the program's diffs speak for the run
   * (claims, groups kept): a resource renamed by an alias is diffed at refresh under its old name.
   */
  diff(context: Context, id: string, state: State, desired: Inputs, call: DiffCall): Promise<pulumi.dynamic.DiffResult>;
  create(context: Context, desired: Inputs): Promise<{ id: string; outs: State }>;
  read(context: Context, id: string, state: State): Promise<ReadOutcome<State>>;
  update(context: Context, id: string, state: State, desired: Inputs): Promise<{ outs: State }>;
  delete(context: Context, id: string, state: State): Promise<void>;
  /** A stored entry that is not a state (e.g. an interrupted create) read before `loadState`; `false`: not such an entry. */
  readEntry?(context: Context, id: string, props: Document): Promise<ReadOutcome<State> | false>;
}

/** The dynamic provider of a resource; `context` gives the provider context of the process at each call. */
export function defineResource<Context, Inputs extends Document, State extends Document>(
  definition: ResourceDefinition<Context, Inputs, State>,
  context: () => Context,
): pulumi.dynamic.ResourceProvider<Inputs, State> {
  const withProvider = <T extends object>(values: T, from: Document): T => ({ ...values, [PROVIDER_KEY]: from[PROVIDER_KEY] });
  /** The resources checked in this process (one run): a diff of any other is a refresh's (see ResourceDefinition.diff). */
  const checked = new Set<string>();
  const refreshDiff = (news: Document): boolean => {
    const name = definition.name?.(news);
    return name !== undefined && !checked.has(name);
  };

  /** The inputs `check` returned, back from the engine for create and update. */
  const desired = (news: Inputs): Inputs => {
    const parsed = definition.inputs.safeParse(news);
    if (parsed.success) return parsed.data;
    throw new Error(`its checked inputs do not parse (${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}): run pulumi up again; if it persists, report it`);
  };

  /**
   * The inputs diff compares against: parsed when they parse. Two kinds do not, and are compared
   * as the engine gave them: values unknown until apply (preview), and at refresh the inputs an
   * older release stored (the engine diffs the stored inputs then, without a check).
   */
  const compared = (news: Inputs): Inputs => definition.inputs.safeParse(news).data ?? news;

  /** The fields a library's error may name (see `explainFailure`). */
  const fields = definition.inputs instanceof z.ZodObject ? Object.keys(definition.inputs.shape) : [];

  /**
   * Runs a handler on behalf of the resource `document` describes: its error leaves named and
   * worded; a partly applied create or update is recorded with the provider reference, like any state.
   */
  const guarded = async <T>(document: Document, run: () => Promise<T>, echoed = false): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof PartialApplyError) error.properties = withProvider(error.properties, document);
      const named = namedFailure(definition.label(document), definition.type, error, fields);
      // check, diff, read and delete errors are echoed to stderr by the host (see withoutHostEcho).
      throw echoed ? withoutHostEcho(named) : named;
    }
  };

  const read = (id: string, props: State, outcome: ReadOutcome<State>): pulumi.dynamic.ReadResult<State> => {
    if (!outcome) return {};
    return {
      id: outcome.id,
      props: outcome.props ? withProvider(outcome.props, props) : props,
      // Cast: Pulumi's ReadResult types the inputs a refresh reports as Outputs; they are the
      // inputs the refreshed state stands for (a document the engine diffs against the program).
      ...(outcome.inputs ? { inputs: withProvider(outcome.inputs, props) as State } : {}),
    };
  };

  return {
    async check(olds, news) {
      const name = definition.name?.(news);
      if (name !== undefined) checked.add(name);
      const { inputs, failures } = await guarded(news, () => definition.check(context(), olds, news), true);
      // Cast: check's inputs may hold the engine's "unknown until apply" marker in any field at
      // preview, so they are Inputs only once apply comes; Pulumi's signature calls them Inputs.
      return { inputs: withProvider(inputs, news) as Inputs, failures: failures.map(asResourceProblem) };
    },
    async diff(id, olds, news) {
      return guarded(olds, () => definition.diff(context(), id, definition.loadState(olds), compared(news), { refresh: refreshDiff(news) }), true);
    },
    async create(inputs) {
      const { id, outs } = await guarded(inputs, () => definition.create(context(), desired(inputs)));
      return { id, outs: withProvider(outs, inputs) };
    },
    async read(id, props) {
      const stored: State | undefined = props;
      if (!stored) return {};
      return guarded(
        stored,
        async () => {
          const entry = definition.readEntry ? await definition.readEntry(context(), id, stored) : false;
          if (entry !== false) return read(id, stored, entry);
          return read(id, stored, await definition.read(context(), id, definition.loadState(stored)));
        },
        true,
      );
    },
    async update(id, olds, news) {
      const { outs } = await guarded(news, () => definition.update(context(), id, definition.loadState(olds), desired(news)));
      return { outs: withProvider(outs, news) };
    },
    async delete(id, props) {
      await guarded(props, () => definition.delete(context(), id, definition.loadState(props)), true);
    },
  };
}

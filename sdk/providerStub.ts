import { relative, sep } from "node:path";
import * as pulumi from "./pulumi";
import type { ResourceKind } from "../provider";
import { see } from "../provider/contract/docs";

type ProviderModule = typeof import("../provider");

/**
 * The provider object Pulumi serializes into every resource's inputs and state (`__provider`).
 * It holds nothing but the resource kind: each method loads the implementation from the
 * installed package when it runs, so it captures no secrets, and refresh/destroy of old
 * resources run the current code.
 *
 * Pulumi writes `__provider` into each resource's inputs and outputs, and so sends it with every
 * call of every resource. Written out by value, this object is ~2.5 KB of code (eight functions
 * in Pulumi's closure form): in a preview of 1,000 groups with bindings, 80% of each resource's
 * bytes. Pulumi writes an object that is the whole export of a module under `node_modules` as a
 * `require` of that module instead (its closure serializer, `findNormalizedModuleName`, mapping
 * the file back through the package's `exports`), ~0.3 KB: so each kind's stub is the whole
 * export of its own module, `sdk/providers/<kind>.ts`, exported as
 * `pulumi-group-export/providers/<Kind>`. That holds when the package is installed in a
 * `node_modules/pulumi-group-export` folder; otherwise (a linked or pnpm layout, the
 * repository's own root project) Pulumi would write a path that cannot be required, or writes
 * the object by value anyway, so the stub made here is used and written by value.
 */
export function providerStub(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  // One object per kind: Pulumi serializes a provider once per object (it caches by object),
  // so a thousand bindings cost one serialization, not a thousand.
  let stub = stubs.get(kind);
  if (!stub) stubs.set(kind, (stub = (byName ??= requiredByName()) ? (require(STUB_MODULES[kind]) as pulumi.dynamic.ResourceProvider) : makeStub(kind)));
  return stub;
}

const stubs = new Map<ResourceKind, pulumi.dynamic.ResourceProvider>();
/** Whether the stubs are written by name ({@link requiredByName}), found once per program. */
let byName: boolean | undefined;

/** Each kind's stub module (its whole export is the stub), as package.json exports it: `pulumi-group-export/providers/<Kind>`. */
const STUB_MODULES: Record<ResourceKind, string> = {
  DirectoryGroupManagement: "./providers/directoryGroupManagement",
  GoogleDistributionGroup: "./providers/googleDistributionGroup",
  EntraSecurityGroup: "./providers/entraSecurityGroup",
  GroupBinding: "./providers/groupBinding",
  UserGroupIndex: "./providers/userGroupIndex",
};

/**
 * Whether Pulumi writes a stub module as a `require` of this package: the module's path,
 * relative to the program's directory, goes through a `node_modules` folder whose next segment
 * is this package (Pulumi requires what follows the first `node_modules`).
 */
function requiredByName(): boolean {
  return capturedAsPackage(process.cwd(), require.resolve(STUB_MODULES.GroupBinding));
}

/** {@link requiredByName} for a program directory and the stub module's file (exported for its unit test). */
export function capturedAsPackage(programDir: string, stubFile: string): boolean {
  const parts = relative(programDir, stubFile).split(sep);
  const at = parts.indexOf("node_modules");
  return at >= 0 && parts[at + 1] === PACKAGE_NAME;
}

const PACKAGE_NAME = "pulumi-group-export";

/** A kind's stub: methods that load the provider from the installed package when they run. */
export function makeStub(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  // `require` by package name, resolved in the dynamic-provider process at run time.
  const load = (): ProviderModule => require("pulumi-group-export/provider") as ProviderModule;
  return {
    configure: async (req) => load().configure(req),
    check: async (olds, news) => load().resourceProvider(kind).check!(olds, news),
    diff: async (id, olds, news) => load().resourceProvider(kind).diff!(id, olds, news),
    create: async (inputs) => load().resourceProvider(kind).create(inputs),
    read: async (id, props) => load().resourceProvider(kind).read!(id, props),
    update: async (id, olds, news) => load().resourceProvider(kind).update!(id, olds, news),
    delete: async (id, props) => load().resourceProvider(kind).delete!(id, props),
  };
}

/** Type tokens read `pulumi-nodejs:dynamic/groupexport:<Name>` in previews and state. */
export const TYPE_MODULE = "groupexport";

/** Adds a dependency to resource options (groups depend on their directory's management). */
export function withDependency(opts: pulumi.CustomResourceOptions | undefined, dependency: pulumi.Resource): pulumi.CustomResourceOptions {
  const existing = opts?.dependsOn;
  // A plain list stays a plain list (no Output per resource); only an Output or promise is waited for.
  if (existing === undefined) return { ...opts, dependsOn: [dependency] };
  if (Array.isArray(existing)) return { ...opts, dependsOn: [...existing, dependency] };
  if (pulumi.Resource.isInstance(existing)) return { ...opts, dependsOn: [existing, dependency] };
  const later: pulumi.Input<pulumi.Input<pulumi.Resource>[] | pulumi.Resource> = existing;
  return { ...opts, dependsOn: pulumi.output(later).apply((d) => [...(Array.isArray(d) ? d : [d]), dependency]) };
}

/**
 * The `import` resource option cannot work for dynamic resources (the engine reads the
 * resource before any serialized provider exists and fails with `code must be a string`),
 * so it is refused here, at preview, with the supported way instead.
 */
export function refuseImport(kind: string, name: string, opts: pulumi.CustomResourceOptions | undefined, supported: string): void {
  if (opts?.import === undefined) return;
  throw new Error(
    `${kind} "${name}": the import option is not supported for this resource (Pulumi cannot import dynamic resources). ` +
      `To manage the existing group ${String(opts.import)}, remove import and ${supported}; ${see("migrating")}`,
  );
}

/**
 * Records no stack frames in errors made until the returned function is called; a resource
 * constructor wraps its `super(...)` in it. While registering a resource, @pulumi/pulumi
 * records a stack trace for each of four promises per property (`debuggablePromise`, kept only
 * for its promise-leak report), and a program runs under source-map-support, which maps every
 * frame of every such trace through source maps: measured in a preview of 300 groups with
 * bindings, 40% of the program's CPU, and the trace strings stay in memory. The resource's
 * source position is unaffected (Pulumi reads it with its own frame limit); an error thrown
 * while the constructor registers has its message but no frames.
 */
export function withoutRecordedStackTraces(): () => void {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return () => {
    Error.stackTraceLimit = saved;
  };
}

/**
 * How bindings name a group in messages (its email or display name), as the program gave it:
 * kept as given, so that a binding sends it without an Output of its own per group.
 */
export const groupLabels = new WeakMap<pulumi.Resource, pulumi.Input<string>>();

/**
 * A group's label as the program gave it (see {@link groupLabels}); empty when the program gave
 * none (a group missing its email or display name fails its own check, naming the field: a
 * binding of it must not stop the program before that problem is reported).
 */
export function groupLabel(group: pulumi.Resource): pulumi.Input<string> {
  return groupLabels.get(group) ?? "";
}

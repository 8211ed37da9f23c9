import * as pulumi from "@pulumi/pulumi";
import type { ResourceKind } from "../provider";

type ProviderModule = typeof import("../provider");

/**
 * The provider object Pulumi serializes into every resource's state (`__provider`).
 * It holds nothing but the resource kind: each method loads the implementation from the
 * installed package when it runs, so state stays a few hundred bytes, captures no
 * secrets, and refresh/destroy of old resources run the current code.
 */
export function providerStub(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  // One object per kind: Pulumi serializes a provider once per object (it caches by object),
  // so a thousand bindings cost one serialization, not a thousand.
  let stub = stubs.get(kind);
  if (!stub) stubs.set(kind, (stub = makeStub(kind)));
  return stub;
}

const stubs = new Map<ResourceKind, pulumi.dynamic.ResourceProvider>();

function makeStub(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
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
  return { ...opts, dependsOn: pulumi.output(existing ?? []).apply((d) => [...(Array.isArray(d) ? d : [d]), dependency]) };
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
      `To manage the existing group ${String(opts.import)}, remove import and ${supported}; see the README section "Moving an existing group under management"`,
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

// The parts of Pulumi's Node.js SDK this package uses, from its modules rather than its index,
// which also loads the Automation API. Pulumi's closure serializer loads the index anyway when the
// first dynamic resource is registered, so this saves little: about 3.5% of the CPU of a small
// program's preview (measured against the index import, 8 runs each). A program that imports
// `@pulumi/pulumi` itself gets the same classes: these are the modules the index re-exports.
export * from "@pulumi/pulumi/config";
export * from "@pulumi/pulumi/errors";
export * from "@pulumi/pulumi/output";
export * from "@pulumi/pulumi/resource";
export * as dynamic from "@pulumi/pulumi/dynamic";
export * as log from "@pulumi/pulumi/log";

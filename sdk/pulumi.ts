// The parts of Pulumi's Node.js SDK this package uses, from its modules rather than its index:
// `require("@pulumi/pulumi")` also loads the Automation API, about 0.9 s of every program's start
// on a 2-core machine (a third of a small preview), and resources need none of it. A program
// that imports `@pulumi/pulumi` itself still gets the same classes: these are the modules the
// index re-exports.
export * from "@pulumi/pulumi/config";
export * from "@pulumi/pulumi/errors";
export * from "@pulumi/pulumi/output";
export * from "@pulumi/pulumi/resource";
export * as dynamic from "@pulumi/pulumi/dynamic";
export * as log from "@pulumi/pulumi/log";

import { expect } from "chai";
import { startSandbox, type Sandbox } from "../../provider/sandbox";
import { E2eStack, type ProgramSpec } from "../support/e2eProgram";

/**
 * Issue 10, item 5: an API failure at apply reaches the user through the CLI named by the
 * resource, worded with its fix and the README section: never the library's bare message
 * (`getaddrinfo ENOTFOUND`, `fetch failed`) and never a stack trace.
 */

const program = (description: string): ProgramSpec => ({
  management: { workspace: { google: { domains: ["example.com"] } } },
  googleGroups: { "eng-google": { management: "workspace", email: "eng@example.com", name: "Engineering", description } },
});

/** A JavaScript stack frame, as the dynamic-provider host would print it. */
const STACK_FRAME = /\n\s+at .*\(?[^\s()]+\.js:\d+:\d+\)?/;

describe("Apply-time API errors through the real Pulumi CLI", function () {
  let sandbox: Sandbox;

  before(async function () {
    sandbox = await startSandbox({ google: { domains: ["example.com"], users: [{ primaryEmail: "alice@example.com" }] } });
  });
  after(async () => sandbox?.close());

  it("a directory that cannot be reached at apply (DNS) names the resource, the failure and the fix, without a stack trace", async () => {
    const stack = await E2eStack.create(sandbox, "apply-errors");
    stack.declare(program("first"));
    const created = await stack.workspace.up();
    expect(created.code, created.output).to.equal(0);

    // The preview needs no call for an unchanged address; the update's PATCH meets a name that does not resolve.
    await stack.workspace.setConfig({ "groupExport:googleApiRootUrl": { value: "https://directory.no-such-host.invalid/", secret: false } });
    stack.declare(program("second"));
    const up = await stack.workspace.up();
    expect(up.code, up.output).to.not.equal(0);
    expect(up.output, up.output).to.match(/GoogleDistributionGroup "eng-google" \(group eng@example\.com \([^)]+\)\): could not reach directory\.no-such-host\.invalid \(ENOTFOUND\): nothing was changed by this request/);
    expect(up.output).to.include("groupExport:googleApiRootUrl");
    expect(up.output).to.include('see docs/guides/scale.md');
    expect(up.output, "no stack trace").to.not.match(STACK_FRAME);
    expect(up.output, "no bare library message").to.not.match(/getaddrinfo|fetch failed/);
  });
});

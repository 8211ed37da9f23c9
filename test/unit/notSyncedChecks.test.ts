import { expect } from "chai";
import sinon from "sinon";
import { resourceProvider } from "../../provider";
import { providerContext } from "../../provider/context";

/**
 * While a group is not synced (its management disabled, or released), its check keeps the values
 * last synced in its inputs (the preview shows the change when syncing resumes, against what the
 * group has), but the run's claims are the program's own values: a kept value must not refuse a
 * new resource the program declares meanwhile. Nothing remote is called while disabled.
 */
const google = { directoryKey: "google:not-synced", service: "google", enabled: false, domains: ["example.com"] };
const entra = { directoryKey: "entra:11111111-2222-4333-8444-000000000009", service: "entra", enabled: false, tenantId: "11111111-2222-4333-8444-000000000009" };

describe("checks while a group is not synced", () => {
  const context = providerContext();
  const sandbox = sinon.createSandbox();
  beforeEach(() => {
    sandbox.stub(context, "settings").value({ google: () => ({}), entra: () => ({}) });
    sandbox.stub(context, "google").throws(new Error("no Google call while management is disabled"));
  });
  afterEach(() => sandbox.restore());

  it("Google: the texts, settings and aliases keep their last synced values; an alias the program dropped is free for a new group", async () => {
    const olds = { management: { ...google, enabled: true }, email: "ns-a@example.com", name: "A", description: "", adoption: "create", aliases: ["ns-x@example.com"], settings: { whoCanJoin: "INVITED_CAN_JOIN" }, pulumiName: "ns-a" };
    const a = await resourceProvider("GoogleDistributionGroup").check!(olds, { management: google, email: "ns-a@example.com", name: "A renamed", description: "new", aliases: [], settings: { whoCanJoin: "CAN_REQUEST_TO_JOIN" }, pulumiName: "ns-a" });
    expect(a.failures ?? []).to.deep.equal([]);
    expect(a.inputs).to.deep.include({ name: "A", description: "", aliases: ["ns-x@example.com"] });
    expect(a.inputs.settings).to.deep.equal({ whoCanJoin: "INVITED_CAN_JOIN" });
    const c = await resourceProvider("GoogleDistributionGroup").check!({}, { management: google, email: "ns-x@example.com", name: "C", pulumiName: "ns-c" });
    expect(c.failures ?? [], "the kept alias claims nothing").to.deep.equal([]);
  });

  it("Entra: a group renamed while disabled keeps its last synced name, and a new group may take the old name", async () => {
    const olds = { management: { ...entra, enabled: true }, displayName: "NS Eng", description: "", adoption: "create (mailNickname ns-eng)", mailNickname: "ns-eng", pulumiName: "ns-eng" };
    const renamed = await resourceProvider("EntraSecurityGroup").check!(olds, { management: entra, displayName: "NS Eng Core", mailNickname: "ns-eng", pulumiName: "ns-eng" });
    expect(renamed.failures ?? []).to.deep.equal([]);
    expect(renamed.inputs).to.deep.include({ displayName: "NS Eng", mailNickname: "ns-eng" });
    const added = await resourceProvider("EntraSecurityGroup").check!({}, { management: entra, displayName: "NS Eng", pulumiName: "ns-eng-new" });
    expect(added.failures ?? [], "the kept name claims nothing").to.deep.equal([]);
  });

  it("a group never taken on (no adoption yet) keeps nothing: its inputs are the program's", async () => {
    const fresh = await resourceProvider("GoogleDistributionGroup").check!({ management: google, email: "ns-p@example.com", name: "P" }, { management: google, email: "ns-p@example.com", name: "P2", pulumiName: "ns-p" });
    expect(fresh.inputs.name).to.equal("P2");
  });
});

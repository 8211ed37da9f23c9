import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { resourceProvider, type ResourceKind } from "../../provider";
import { ENTRA_GROUP_STATE_VERSION, entraSecurityGroupStateSchema, upgradeEntraGroupState } from "../../provider/entra/schema";
import { GOOGLE_GROUP_STATE_VERSION, googleDistributionGroupStateSchema, upgradeGoogleGroupState } from "../../provider/google/schema";
import { GROUP_BINDING_STATE_VERSION, groupBindingStateSchema, toStoredBindingState, upgradeBindingState } from "../../provider/groups/bindingSchema";

/**
 * Saved state documents of every released version (test/fixtures/state: `<resource>-v<N>.json`,
 * one file per stored-state version, as the release that wrote it stored them) are read by
 * today's upgraders into today's state; a state that cannot be read names the resource and
 * what to do.
 */
type Fixture = Record<string, Record<string, unknown>>;
const fixture = (name: string): Fixture => JSON.parse(readFileSync(join(__dirname, "../fixtures/state", `${name}.json`), "utf8")) as Fixture;

async function rejection(promise: Promise<unknown> | undefined): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("stored states of every released version", () => {
  it("GoogleDistributionGroup version 1 (0.1.0): upgraded to the current version, its one address kept as the declared one", () => {
    for (const [name, document] of Object.entries(fixture("googleDistributionGroup-v1"))) {
      const state = upgradeGoogleGroupState(document);
      expect(state.stateVersion, name).to.equal(GOOGLE_GROUP_STATE_VERSION);
      expect(googleDistributionGroupStateSchema.safeParse(state).success, name).to.equal(true);
      expect(state, name).to.deep.include({ email: document.email, groupId: document.groupId, origin: document.origin, name: document.name, management: document.management });
      expect(state.primaryEmail, name).to.equal(undefined);
    }
    expect(upgradeGoogleGroupState(fixture("googleDistributionGroup-v1").adoptedAndReleased).deletionPolicy).to.equal("release");
  });

  it("GoogleDistributionGroup version 2 (current): read unchanged", () => {
    for (const [name, document] of Object.entries(fixture("googleDistributionGroup-v2"))) expect(upgradeGoogleGroupState(document), name).to.deep.equal(document);
  });

  it("EntraSecurityGroup version 1 (current): read unchanged, with or without a stored version", () => {
    for (const [name, document] of Object.entries(fixture("entraSecurityGroup-v1"))) {
      expect(upgradeEntraGroupState(document), name).to.deep.equal(document);
      const { stateVersion: _v, ...unversioned } = document;
      expect(upgradeEntraGroupState(unversioned).stateVersion, name).to.equal(ENTRA_GROUP_STATE_VERSION);
      expect(entraSecurityGroupStateSchema.safeParse(document).success, name).to.equal(true);
    }
  });

  it("GroupBinding versions 1 and 2: both read into the current version", () => {
    for (const [name, document] of Object.entries({ ...fixture("groupBinding-v1"), ...fixture("groupBinding-v2") })) {
      const state = upgradeBindingState(document);
      expect(state.stateVersion, name).to.equal(GROUP_BINDING_STATE_VERSION);
      expect(groupBindingStateSchema.safeParse(state).success, name).to.equal(true);
    }
    // Version 2 stored the member maps as they are; version 3 (current) packs them (memberTable): nothing is lost either way.
    const v2 = upgradeBindingState(fixture("groupBinding-v2").google);
    expect(v2).to.deep.equal({ ...fixture("groupBinding-v2").google, stateVersion: GROUP_BINDING_STATE_VERSION });
    expect(upgradeBindingState(toStoredBindingState(v2))).to.deep.equal(v2);
  });

  it("DirectoryGroupManagement (unversioned since 0.1.0): its state is read back as stored by a refresh", async () => {
    for (const [name, document] of Object.entries(fixture("directoryGroupManagement-v1"))) {
      const read = await resourceProvider("DirectoryGroupManagement").read!(String(document.directoryKey), document);
      expect(read.props, name).to.deep.equal(document);
    }
  });

  it("a newer version than this package understands names the resource and says to upgrade the package", async () => {
    const newer = { ...fixture("googleDistributionGroup-v2").pinned, stateVersion: GOOGLE_GROUP_STATE_VERSION + 1 };
    const error = await rejection(resourceProvider("GoogleDistributionGroup").delete!("01ksv4uv2d8w5ix", newer));
    expect(error.message).to.equal(
      `GoogleDistributionGroup "sales": its stored state version ${GOOGLE_GROUP_STATE_VERSION + 1} is newer than this package understands (${GOOGLE_GROUP_STATE_VERSION}): upgrade pulumi-group-export to the release that wrote it`,
    );
  });

  it("a state that cannot be read names the resource, what is wrong, and what to do, for every resource", async () => {
    const broken: [ResourceKind, Record<string, unknown>, RegExp][] = [
      ["GoogleDistributionGroup", { ...fixture("googleDistributionGroup-v2").pinned, groupId: 42 }, /^GoogleDistributionGroup "sales": its stored state cannot be read \(groupId /],
      ["EntraSecurityGroup", { ...fixture("entraSecurityGroup-v1").created, management: "entra" }, /^EntraSecurityGroup "eng-entra": its stored state cannot be read \(management /],
      ["GroupBinding", { ...fixture("groupBinding-v2").google, members: ["alice@example.com"] }, /^GroupBinding eng-google-members \(user group "Engineering" to engineering@example\.com\): its stored state cannot be read \(members /],
      ["DirectoryGroupManagement", { ...fixture("directoryGroupManagement-v1").google, enabled: "yes" }, /^DirectoryGroupManagement "google:my_customer": its stored state cannot be read \(enabled /],
    ];
    for (const [kind, document, named] of broken) {
      const error = await rejection(resourceProvider(kind).delete!("some-id", document));
      expect(error.message, kind).to.match(named);
      expect(error.message, kind).to.match(/: run `pulumi refresh`; if that fails too, remove it from the stack with `pulumi state delete <urn>` and run `pulumi up` to /);
      expect(error.stack, `${kind}: no stack trace`).to.equal(error.message);
    }
  });
});

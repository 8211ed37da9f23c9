import { expect } from "chai";
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { entraSecurityGroupArgsSchema } from "../../provider/entra/schema";
import type { googleDistributionGroupArgsSchema } from "../../provider/google/schema";
import { decodeBindingTarget, decodeManagementRef, encodeBindingTarget, encodeManagementRef } from "../../provider/resources/referenceText";
import type { directoryGroupManagementArgsSchema, ManagementRef } from "../../provider/groups/management";
import type { groupBindingArgsSchema } from "../../provider/groups/bindingSchema";
import type {
  DirectoryGroupManagementArgs,
  EntraSecurityGroupArgs,
  GoogleDistributionGroupArgs,
  GroupBindingArgs,
} from "../../sdk";

/**
 * The SDK's Args are written out for readers (docs on every field, as in Pulumi's own SDKs),
 * and the provider checks its zod schemas: these compile-time assertions keep the two equal.
 * `npm run lint` (tsc -p tsconfig.test.json) fails if a field is added, removed, made
 * optional or typed differently on one side only.
 */

/** Mutual assignability, not distributed over unions. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
/** Same fields, same required fields, same types: what "equal" means for an Args and a schema's input. */
type Equal<A, B> = Same<keyof A, keyof B> extends true ? (Same<RequiredKeys<A>, RequiredKeys<B>> extends true ? Same<A, B> : false) : false;
/** An Args as the provider receives it: every `Input` resolved. */
type Plain<T> = { [K in keyof T]: pulumi.Unwrap<T[K]> };
function assertEqual<T extends true>(_proof?: T): void {}

// Fields the SDK sets itself (the management reference, the binding's name and secrecy, the
// resource name) or takes in another form (the management resource, the target resource, `enabled`, `released`: both in the management reference).
type SdkSet = "management" | "target" | "memberGroups" | "pulumiName" | "__bindingName" | "__secretUsers";
type SdkOnly = "management" | "target" | "memberGroups" | "enabled" | "released";

type Schema<S extends z.ZodType> = Omit<z.input<S>, SdkSet>;

assertEqual<Equal<Plain<DirectoryGroupManagementArgs>, z.input<typeof directoryGroupManagementArgsSchema>>>();
assertEqual<Equal<Plain<NonNullable<pulumi.Unwrap<DirectoryGroupManagementArgs["google"]>>>, NonNullable<z.input<typeof directoryGroupManagementArgsSchema>["google"]>>>();
assertEqual<Equal<Omit<Plain<GoogleDistributionGroupArgs>, SdkOnly>, Schema<typeof googleDistributionGroupArgsSchema>>>();
assertEqual<Equal<Omit<Plain<EntraSecurityGroupArgs>, SdkOnly>, Schema<typeof entraSecurityGroupArgsSchema>>>();
assertEqual<Equal<Omit<Plain<GroupBindingArgs>, SdkOnly>, Schema<typeof groupBindingArgsSchema>>>();

// The helpers themselves: a missing, extra, optional-vs-required or retyped field is not equal.
assertEqual<Equal<{ a: string; b?: number }, { a: string; b?: number | undefined }>>();
assertEqual<Same<Equal<{ a: string; b?: number }, { a: string }>, false>>();
assertEqual<Same<Equal<{ a: string; b?: number }, { a: string; b?: number; c?: string }>, false>>();
assertEqual<Same<Equal<{ a: string }, { a?: string }>, false>>();
assertEqual<Same<Equal<{ a: "x" | "y" }, { a: "x" | "y" | "z" }>, false>>();
assertEqual<Equal<Plain<{ readonly a?: pulumi.Input<pulumi.Input<string>[]> }>, { a?: string[] }>>();

describe("the SDK's public contract", () => {
  it("keeps the Args equal to the provider's input schemas (compile-time; this run only shows the file compiled)", () => {
    // The assertions above are checked by tsc (npm run lint); at run time there is nothing left to check.
    expect(assertEqual).to.be.a("function");
  });

  describe("the one-line management reference groups and bindings carry", () => {
    const google: ManagementRef = { directoryKey: "google:my_customer", service: "google", enabled: true, domains: ["example.com", "example.org"] };
    const entra: ManagementRef = { directoryKey: "entra:11111111-2222-4333-8444-555555555555", service: "entra", enabled: true, tenantId: "11111111-2222-4333-8444-555555555555" };

    it("reads as one line naming the directory, its domains and its switch", () => {
      expect(encodeManagementRef(google)).to.equal("google:my_customer [example.com, example.org]");
      expect(encodeManagementRef(entra)).to.equal("entra:11111111-2222-4333-8444-555555555555");
      expect(encodeManagementRef({ ...google, enabled: false })).to.equal("google:my_customer [example.com, example.org] (management disabled)");
      expect(encodeManagementRef({ ...entra, waitingFor: "EntraSecurityGroup x has enabled: false" })).to.equal(
        "entra:11111111-2222-4333-8444-555555555555 (waiting: EntraSecurityGroup x has enabled: false)",
      );
    });

    it("decodes to the same reference object the handlers use (round trip), including odd customer ids", () => {
      const odd: ManagementRef = { directoryKey: "google:C0 1/x", service: "google", enabled: false, domains: [], waitingFor: "GoogleDistributionGroup g (a) has enabled: false" };
      for (const ref of [google, entra, { ...google, enabled: false }, { ...entra, waitingFor: "why (really)" }, odd]) {
        expect(decodeManagementRef(encodeManagementRef(ref))).to.deep.equal(ref);
      }
    });

    it("reads the object form stored by earlier releases as the same reference (an upgrade shows no change)", () => {
      expect(decodeManagementRef({ ...google })).to.deep.equal(google);
      expect(JSON.stringify(decodeManagementRef({ ...entra }))).to.equal(JSON.stringify(decodeManagementRef(encodeManagementRef(entra))));
    });

    it("reads nothing from text that is no reference", () => {
      expect(decodeManagementRef("workspace")).to.equal(undefined);
      expect(decodeManagementRef("aws:123")).to.equal(undefined);
      expect(decodeManagementRef(42)).to.equal(undefined);
    });
  });

  describe("the one-line target a binding carries once its group's id is known", () => {
    it("reads label first, then directory and group id; round-trips any label, including an empty id (pending group)", () => {
      const google = { directoryKey: "google:my_customer", service: "google" as const, groupId: "0719251598bba40", label: "engineering@example.com" };
      expect(encodeBindingTarget(google)).to.equal("engineering@example.com (google:my_customer group 0719251598bba40)");
      const odd = { directoryKey: "entra:11111111-2222-4333-8444-555555555555", service: "entra" as const, groupId: "", label: "Ops (EU) (entra:x group y)" };
      for (const target of [google, odd]) expect(decodeBindingTarget(encodeBindingTarget(target))).to.deep.equal(target);
      expect(decodeBindingTarget({ ...google })).to.deep.equal(google);
      expect(decodeBindingTarget("engineering@example.com")).to.equal(undefined);
    });
  });
});

import * as pulumi from "@pulumi/pulumi";
import type { GoogleDistributionGroupArgs as PlainArgs, GoogleDistributionGroupState } from "../provider/google/groupSchema";
import { providerStub, TYPE_MODULE } from "./providerStub";

/** Inputs of {@link GoogleDistributionGroup}; see the fields' docs in provider/google/groupSchema.ts. */
export type GoogleDistributionGroupArgs = { [K in keyof PlainArgs]: pulumi.Input<NonNullable<PlainArgs[K]>> };

/**
 * A Google Workspace distribution group, identified by its email address.
 *
 * If a group with that email already exists it is adopted (taken over) rather than
 * duplicated; `origin` says which happened. Removing the resource deletes a group this
 * package created and releases (leaves untouched) one it adopted, unless
 * `deletionPolicy` says otherwise.
 *
 * @example
 * const eng = new GoogleDistributionGroup("engineering", {
 *   email: "engineering@example.com",
 *   name: "Engineering",
 *   description: "Everyone in engineering",
 * });
 */
export class GoogleDistributionGroup extends pulumi.dynamic.Resource {
  /** The group's address, lowercased. */
  declare public readonly email: pulumi.Output<string>;
  /** The display name in Google Groups. */
  declare public readonly name: pulumi.Output<string>;
  declare public readonly description: pulumi.Output<string>;
  /** Google's immutable id of the group. */
  declare public readonly groupId: pulumi.Output<string>;
  /** "created" if this package made the group, "adopted" if it already existed. */
  declare public readonly origin: pulumi.Output<GoogleDistributionGroupState["origin"]>;
  declare public readonly deletionPolicy: pulumi.Output<GoogleDistributionGroupState["deletionPolicy"]>;

  constructor(name: string, args: GoogleDistributionGroupArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerStub("GoogleDistributionGroup"),
      name,
      { name: undefined, description: undefined, deletionPolicy: undefined, ...args, groupId: undefined, origin: undefined },
      opts,
      TYPE_MODULE,
      "GoogleDistributionGroup",
    );
  }
}

import * as pulumi from "./pulumi";
import { providerStub, TYPE_MODULE, withoutRecordedStackTraces } from "./providerStub";

/**
 * The user groups a {@link UserGroupExport} exported at its last apply (provider/groups/userGroupIndex.ts):
 * the component reads `previous` to alias the resources of a renamed user group to their old
 * names, so a rename updates them in place. Nothing remote; one per component.
 */
export class UserGroupIndex extends pulumi.dynamic.Resource {
  /** The index's text as the last apply recorded it (empty on the first). */
  declare public readonly previous: pulumi.Output<string>;
  /** The index's text now. */
  declare public readonly entries: pulumi.Output<string>;

  constructor(name: string, entries: string, opts?: pulumi.CustomResourceOptions) {
    const restore = withoutRecordedStackTraces();
    try {
      super(providerStub("UserGroupIndex"), name, { entries, pulumiName: name, previous: undefined }, opts, TYPE_MODULE, "UserGroupIndex");
    } finally {
      restore();
    }
  }
}

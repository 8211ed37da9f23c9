import type { GroupBindingInputs } from "../../provider/groups/bindingSchema";

/** A GroupBinding's checked inputs on a Google group, defaults applied, for plans tested in process. */
export const GOOGLE_BINDING: GroupBindingInputs = {
  management: { directoryKey: "google:my_customer", service: "google", enabled: true, domains: ["example.com"] },
  target: { directoryKey: "google:my_customer", service: "google", groupId: "g1", label: "team@example.com" },
  userGroupName: "team",
  members: {},
  membershipMode: "authoritative",
  maxRemovalPercent: 50,
  allowEmpty: false,
  nonUserMembers: "keep",
  removals: {},
  kept: {},
};

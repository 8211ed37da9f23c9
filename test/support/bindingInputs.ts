import { groupBindingInputsSchema, type GroupBindingInputs } from "../../provider/groups/bindingSchema";

/** A GroupBinding's checked inputs on a Google group, defaults applied (parsed: a setting added to the schema gets its default), for plans tested in process. */
export const GOOGLE_BINDING: GroupBindingInputs = groupBindingInputsSchema.parse({
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
});

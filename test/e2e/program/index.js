// Declares the resources listed in the JSON file named by $GROUP_EXPORT_TEST_SPEC, so one
// installed program serves every scenario: a test edits the file, then runs the CLI.
// Spec: { management: {name: args}, googleGroups / entraGroups: {name: {management: name, ...args}},
//         bindings: {name: {target: groupName | {google|entra: id, management: name}, ...args}},
//         gotManagements: {name: directory key} (DirectoryGroupManagement.get),
//         gotGoogleGroups / gotEntraGroups: {name: {management: name, id}} (the classes' get),
//         gotBindings: {name: {target: groupName | reference, id}} (GroupBinding.get) }
const fs = require("fs");
// Pulumi's modules, not its index, as the SDK imports them (sdk/pulumi.ts).
const pulumi = { secret: require("@pulumi/pulumi/output").secret, dynamic: require("@pulumi/pulumi/dynamic") };
const { DirectoryGroupManagement, EntraSecurityGroup, GoogleDistributionGroup, GroupBinding } = require("pulumi-group-export");

const spec = JSON.parse(fs.readFileSync(process.env.GROUP_EXPORT_TEST_SPEC, "utf8"));
const managements = {};
for (const [name, args] of Object.entries(spec.management || {})) {
  managements[name] = new DirectoryGroupManagement(name, args);
}
const groups = {};
const outputs = {};
for (const [name, { management, ...args }] of Object.entries(spec.googleGroups || {})) {
  const group = new GoogleDistributionGroup(name, { ...args, management: managements[management] });
  groups[name] = group;
  outputs[name] = { email: group.email, origin: group.origin, groupId: group.groupId, adoption: group.adoption, settings: group.settings, aliases: group.aliases };
}
for (const [name, { management, ...args }] of Object.entries(spec.entraGroups || {})) {
  const group = new EntraSecurityGroup(name, { ...args, management: managements[management] });
  groups[name] = group;
  outputs[name] = { displayName: group.displayName, origin: group.origin, groupId: group.groupId, adoption: group.adoption };
}
// Management switches read with get: { name: directory key }.
for (const [name, id] of Object.entries(spec.gotManagements || {})) {
  outputs[name] = { directoryKey: DirectoryGroupManagement.get(name, id).directoryKey };
}
// Groups read with get (not managed), e.g. groups another stack made.
for (const [name, { management, id }] of Object.entries(spec.gotGoogleGroups || {})) {
  const group = GoogleDistributionGroup.get(name, id, { management: managements[management] });
  groups[name] = group;
  outputs[name] = { email: group.email, primaryEmail: group.primaryEmail, name: group.name, origin: group.origin, groupId: group.groupId };
}
for (const [name, { management, id }] of Object.entries(spec.gotEntraGroups || {})) {
  const group = EntraSecurityGroup.get(name, id, { management: managements[management] });
  groups[name] = group;
  outputs[name] = { displayName: group.displayName, mailNickname: group.mailNickname, origin: group.origin, groupId: group.groupId };
}
/** A binding's target: a group of this program by name, or a reference `{ google|entra: id, management: <management name> }`. */
const targetOf = (target) => (typeof target === "string" ? groups[target] : { ...target, management: managements[target.management] });
for (const [name, { target, id }] of Object.entries(spec.gotBindings || {})) {
  const binding = GroupBinding.get(name, id, { target: targetOf(target) });
  outputs[name] = { members: binding.members, memberCount: binding.memberCount, kept: binding.kept };
}
// A binding may say `secretUsers: true` (its users become a Pulumi secret) or `usersFrom: <group name>`
// (its users come from that group's outputs, so they are unknown at preview).
// `memberGroups` lists group names of this spec (nested groups).
for (const [name, { target, secretUsers, usersFrom, memberGroups, ...args }] of Object.entries(spec.bindings || {})) {
  let users = args.userGroup.users;
  if (usersFrom) users = groups[usersFrom].groupId.apply(() => args.userGroup.users);
  if (secretUsers) users = pulumi.secret(users);
  const nested = memberGroups ? { memberGroups: memberGroups.map((g) => groups[g]) } : {};
  const binding = new GroupBinding(name, { ...args, ...nested, userGroup: { ...args.userGroup, users }, target: targetOf(target) });
  outputs[name] = { members: binding.members, pending: binding.pending, kept: binding.kept, managedMembers: binding.managedMembers, owners: binding.owners, managers: binding.managers };
}
// Benchmarks only: `trivial: N` adds N dynamic resources that do nothing (one provider object,
// as a program of one kind would have), the baseline a program of groups is compared with.
// `trivialProperties: K` gives each K properties (name and K - 1 short strings): the same shape as a group or binding.
if (spec.trivial) {
  const trivialProvider = { async create(inputs) { return { id: inputs.name, outs: inputs }; } };
  const extra = Object.fromEntries(Array.from({ length: Math.max(0, (spec.trivialProperties || 1) - 1) }, (_, j) => [`p${j}`, `value-${j}`]));
  for (let i = 0; i < spec.trivial; i++) new pulumi.dynamic.Resource(trivialProvider, `trivial-${i}`, { name: `trivial-${i}`, ...extra });
}
// Benchmarks only: the program's peak memory and CPU, appended to the file $GROUP_EXPORT_PROGRAM_STATS names.
if (process.env.GROUP_EXPORT_PROGRAM_STATS) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    fs.appendFileSync(process.env.GROUP_EXPORT_PROGRAM_STATS, JSON.stringify({ maxRssKb: usage.maxRSS, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }) + "\n");
  });
}
// `stackOutputs: false` (benchmarks): no stack outputs, like the trivial baseline.
module.exports = spec.stackOutputs === false ? {} : outputs;

// The e2e program of the group-ownership tests (test/e2e/groupOwnership*.test.ts). Like
// test/e2e/program, it declares what the JSON file named by $GROUP_EXPORT_TEST_SPEC lists, and
// adds two things those tests need:
// - `{ "$late": "value" }` anywhere in a resource's args: a value NOT known at preview (it comes
//   from a small resource that is replaced whenever the value changes, so its output is unknown
//   at preview, exactly like an address built from another resource's output);
// - `opts` on a group: resource options, e.g. `{ "import": "<id>" }`.
const fs = require("fs");
// Pulumi's modules, not its index, as the SDK imports them (sdk/pulumi.ts).
const pulumi = { dynamic: require("@pulumi/pulumi/dynamic") };
const { DirectoryGroupManagement, EntraSecurityGroup, GoogleDistributionGroup, GroupBinding } = require("pulumi-group-export");

const spec = JSON.parse(fs.readFileSync(process.env.GROUP_EXPORT_TEST_SPEC, "utf8"));

const lateProvider = {
  async create(inputs) {
    return { id: `late-${inputs.value}`, outs: { value: inputs.value } };
  },
  async diff(_id, olds, news) {
    const changed = olds.value !== news.value;
    return { changes: changed, replaces: changed ? ["value"] : [] };
  },
};

function resolveLate(value, path) {
  if (Array.isArray(value)) return value.map((v, i) => resolveLate(v, `${path}-${i}`));
  if (value && typeof value === "object") {
    if (typeof value.$late === "string") return new pulumi.dynamic.Resource(lateProvider, `late-${path}`, { value: value.$late }).value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveLate(v, `${path}-${k}`)]));
  }
  return value;
}

const managements = {};
for (const [name, args] of Object.entries(spec.management || {})) {
  managements[name] = new DirectoryGroupManagement(name, args);
}
const groups = {};
const outputs = {};
for (const [name, { management, opts, ...args }] of Object.entries(spec.googleGroups || {})) {
  const group = new GoogleDistributionGroup(name, { ...resolveLate(args, name), management: managements[management] }, opts);
  groups[name] = group;
  outputs[name] = { email: group.email, primaryEmail: group.primaryEmail, origin: group.origin, groupId: group.groupId, adoption: group.adoption };
}
for (const [name, { management, opts, ...args }] of Object.entries(spec.entraGroups || {})) {
  const group = new EntraSecurityGroup(name, { ...resolveLate(args, name), management: managements[management] }, opts);
  groups[name] = group;
  outputs[name] = { displayName: group.displayName, origin: group.origin, groupId: group.groupId, adoption: group.adoption };
}
for (const [name, { target, ...args }] of Object.entries(spec.bindings || {})) {
  const binding = new GroupBinding(name, { ...resolveLate(args, name), target: groups[target] });
  outputs[name] = { members: binding.members, pending: binding.pending, managedMembers: binding.managedMembers };
}
module.exports = outputs;

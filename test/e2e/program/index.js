// Declares the resources listed in the JSON file named by $GROUP_EXPORT_TEST_SPEC, so one
// installed program serves every scenario: a test edits the file, then runs the CLI.
const fs = require("fs");
const { GoogleDistributionGroup } = require("pulumi-group-export");

const spec = JSON.parse(fs.readFileSync(process.env.GROUP_EXPORT_TEST_SPEC, "utf8"));
const outputs = {};
for (const [name, args] of Object.entries(spec.googleGroups || {})) {
  const group = new GoogleDistributionGroup(name, args);
  outputs[name] = { email: group.email, origin: group.origin, groupId: group.groupId };
}
module.exports = outputs;

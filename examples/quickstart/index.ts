import { GoogleDistributionGroup } from "pulumi-group-export";

// Where the groups go (the sandbox, or a real Workspace customer) is stack configuration:
// see README.md, "Credentials". The program only says what the groups are.
const engineering = new GoogleDistributionGroup("engineering", {
  email: "engineering@example.com",
  name: "Engineering",
  description: "Everyone who builds the product",
});

const sales = new GoogleDistributionGroup("sales", {
  email: "sales@example.com",
  name: "Sales",
  description: "Account executives and sales engineers",
});

export const groups = {
  engineering: { email: engineering.email, origin: engineering.origin },
  sales: { email: sales.email, origin: sales.origin },
};

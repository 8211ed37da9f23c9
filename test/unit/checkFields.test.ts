import { expect } from "chai";
import { googleDistributionGroupArgsSchema } from "../../provider/google/schema";
import { checkFields, UNKNOWN } from "../../provider/contract/checkInputs";

const management = { directoryKey: "google:my_customer", service: "google", enabled: true, domains: ["example.com"] };
const check = (news: Record<string, unknown>) => checkFields("GoogleDistributionGroup", googleDistributionGroupArgsSchema, { management, ...news });

describe("input checks", () => {
  it("normalizes a valid email and keeps the provider reference out of the values", () => {
    const { values, failures } = check({ email: "  Team@Example.COM ", __provider: "x" });
    expect(failures).to.deep.equal([]);
    expect(values).to.deep.equal({ management, email: "team@example.com" });
  });

  it("names each bad field with the fix", () => {
    const { failures } = check({ email: "nope", name: "x".repeat(76), description: "y".repeat(4097), colour: "red" });
    const byField = Object.fromEntries(failures.map((f) => [f.property, f.reason]));
    expect(byField.email).to.match(/is not an email address.*e\.g\./);
    expect(byField.name).to.match(/longer than Google's 75 characters/);
    expect(byField.description).to.match(/4096 characters/);
    expect(byField.colour).to.match(/is not an input of GoogleDistributionGroup: remove it/);
  });

  it("reports a missing required field", () => {
    const { failures } = checkFields("GoogleDistributionGroup", googleDistributionGroupArgsSchema, { management, name: "Team" });
    expect(failures).to.deep.include({ property: "email", reason: "is required by GoogleDistributionGroup: set it" });
  });

  it("leaves values unknown at preview alone", () => {
    const { values, failures } = check({ email: UNKNOWN, description: UNKNOWN });
    expect(failures).to.deep.equal([]);
    expect(values).to.deep.equal({ management, email: UNKNOWN, description: UNKNOWN });
  });

  it("rejects an unknown deletion policy", () => {
    const { failures } = check({ email: "a@example.com", deletionPolicy: "shred" });
    expect(failures.map((f) => f.property)).to.deep.equal(["deletionPolicy"]);
  });
});

import { expect } from "chai";
import { z } from "zod";
import { defineResource, type DiffCall, type Document } from "../../provider/contract/defineResource";

/**
 * A diff the engine makes at refresh compares the stored inputs with the refreshed state, under
 * the name in the state and with no check before it; only a diff after the resource's check in
 * the same run speaks for the program (claims a group, keeps members). A resource renamed by an
 * alias is diffed at refresh under its old name, then checked and diffed under its new one.
 */
describe("the contract's diff: a refresh's diff or the program's", () => {
  const inputs = z.object({ pulumiName: z.string(), value: z.string() });
  type Inputs = z.infer<typeof inputs>;

  function provider() {
    const calls: { name: string; call: DiffCall }[] = [];
    const resource = defineResource<null, Inputs, Inputs>(
      {
        type: "Thing",
        label: (document: Document) => `Thing "${String(document.pulumiName)}"`,
        name: (document: Document) => (typeof document.pulumiName === "string" ? document.pulumiName : undefined),
        inputs,
        loadState: (props) => inputs.parse(props),
        check: async (_context, _olds, news) => ({ inputs: news, failures: [] }),
        diff: async (_context, _id, _state, desired, call) => {
          calls.push({ name: desired.pulumiName, call });
          return { changes: false };
        },
        create: async (_context, desired) => ({ id: "1", outs: desired }),
        read: async (_context, id, state) => ({ id, props: state }),
        update: async (_context, _id, _state, desired) => ({ outs: desired }),
        delete: async () => undefined,
      },
      () => null,
    );
    return { resource, calls };
  }

  it("a diff before the resource's check in this run is a refresh's; after it, the program's", async () => {
    const { resource, calls } = provider();
    const stored = { pulumiName: "old-name", value: "a" };
    // `up --refresh` of a resource the program renames (alias): the refresh diffs the old name...
    await resource.diff!("1", stored, stored);
    // ...then the program checks and diffs the new name against the same state.
    const news = { pulumiName: "new-name", value: "a" };
    const { inputs: checked } = await resource.check!(stored, news);
    await resource.diff!("1", stored, checked!);
    // A second refresh-style diff of the old name is still a refresh's: the old name was never checked.
    await resource.diff!("1", stored, stored);
    expect(calls).to.deep.equal([
      { name: "old-name", call: { refresh: true } },
      { name: "new-name", call: { refresh: false } },
      { name: "old-name", call: { refresh: true } },
    ]);
  });

  it("a resource that keeps its name: refreshed first (a refresh's), then checked and diffed (the program's)", async () => {
    const { resource, calls } = provider();
    const stored = { pulumiName: "same", value: "a" };
    await resource.diff!("1", stored, stored);
    const { inputs: checked } = await resource.check!(stored, { pulumiName: "same", value: "b" });
    await resource.diff!("1", stored, checked!);
    expect(calls.map((c) => c.call.refresh)).to.deep.equal([true, false]);
  });
});

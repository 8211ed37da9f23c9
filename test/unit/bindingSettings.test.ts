import { expect } from "chai";
import { sameAsBefore, settingsChanged } from "../../provider/groups/bindingCheck";
import { bindingSettingsSchema, toStoredBindingState, upgradeBindingState, withDefaults, type GroupBindingInputs, type GroupBindingState } from "../../provider/groups/bindingSchema";
import { inputsOf, stateBase } from "../../provider/groups/bindingStorage";
import { GOOGLE_BINDING } from "../support/bindingInputs";

/**
 * A binding setting is declared once, in bindingSchema.ts's `settingsShape`: every one of them,
 * today's and any added later, gets its default at check, is carried into the state and back
 * into a refresh's inputs, and is compared by diff and by the preview's "nothing new" test.
 */
describe("GroupBinding settings are declared once (bindingSchema.ts settingsShape)", () => {
  // Values to change a setting to: the first one its rule accepts that differs from the fixture's.
  const CANDIDATES: unknown[] = [true, false, "additive", "authoritative", "remove", "keep", 7, 80];
  const fixture: Record<string, unknown> = GOOGLE_BINDING;

  for (const [key, field] of Object.entries(bindingSettingsSchema.shape)) {
    it(`${key}: defaulted at check, carried to the state and back, compared by diff and the preview`, () => {
      const value = CANDIDATES.find((v) => field.safeParse(v).success && v !== fixture[key]);
      expect(value, "a value to change it to").to.not.equal(undefined);
      expect(withDefaults({})[key], "check's default is the schema's").to.deep.equal(field.safeParse(undefined).data);
      expect(withDefaults({ [key]: value })[key], "a given value is kept").to.equal(value);

      const desired: GroupBindingInputs = { ...GOOGLE_BINDING, members: { "alice@example.com": "member" }, [key]: value };
      const state: GroupBindingState = { ...stateBase(desired), members: desired.members, userIds: {}, otherMemberIds: {}, managedMembers: {}, kept: {}, memberCount: 1, pending: false };
      expect(state[key as keyof GroupBindingState], "stored in the state").to.equal(value);
      expect(upgradeBindingState(toStoredBindingState(state))[key as keyof GroupBindingState], "read back from the stored state").to.equal(value);
      expect(inputsOf(state)[key], "given back as an input by refresh").to.equal(value);

      const before: GroupBindingInputs = { ...desired, [key]: fixture[key] };
      expect(settingsChanged(state, desired), "no change when equal").to.equal(false);
      expect(settingsChanged({ ...state, [key]: fixture[key] }, desired), "diff sees the change").to.equal(true);
      expect(sameAsBefore(desired, desired), "the same inputs ask for nothing new").to.equal(true);
      expect(sameAsBefore(desired, before), "the preview sees the change").to.equal(false);
    });
  }
});

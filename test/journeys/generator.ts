/**
 * fast-check arbitraries of journeys: a flavour, a first step that declares 1 to 3 user groups
 * (or bootstraps them), then edits drawn by weight from the flavour's kinds (edits.ts), each
 * applied with or without a preview (half each) and now and then with a refresh.
 */
import fc from "fast-check";
import { EDIT_KINDS, editKindNamed } from "./edits";
import type { Flavour, JourneySequence, JourneyStep } from "./model";

export interface SequenceShape {
  /** Both when absent. */
  flavour?: Flavour;
  /** Steps in all, the first included (default 4 to 8). */
  minSteps?: number;
  maxSteps?: number;
  /** Draw the opt-in kinds up to this level too (1: a killed up and its recovery, a release; 2: splits and merges); 0 for the suite's fixed journeys, whose seeds must keep their sequences. */
  optIn?: number;
}

const applyArbitrary = fc.constantFrom("preview" as const, "automation" as const);
const refreshArbitrary = fc.constantFrom(false, false, false, true);

function editArbitrary(flavour: Flavour, optIn: number): fc.Arbitrary<JourneyStep["edit"]> {
  const kinds = EDIT_KINDS.filter((k) => k.weight > 0 && k.flavours.includes(flavour) && (k.optIn ?? 0) <= optIn);
  return fc.oneof(...kinds.map((k) => ({ weight: k.weight, arbitrary: k.arbitrary.map((params) => ({ kind: k.kind, ...(params as object) })) })));
}

function stepArbitrary(edit: fc.Arbitrary<JourneyStep["edit"]>): fc.Arbitrary<JourneyStep> {
  return fc.record({ edit, apply: applyArbitrary, refresh: refreshArbitrary });
}

export function sequenceArbitrary(shape: SequenceShape = {}): fc.Arbitrary<JourneySequence> {
  const min = Math.max(1, shape.minSteps ?? 4);
  const max = Math.max(min, shape.maxSteps ?? 8);
  const flavours: Flavour[] = shape.flavour ? [shape.flavour] : ["file", "program"];
  const start = editKindNamed("start").arbitrary.map((params) => ({ kind: "start", ...(params as object) }));
  const ofFlavour = (flavour: Flavour): fc.Arbitrary<JourneySequence> =>
    fc.record({
      flavour: fc.constant(flavour),
      bootstrap: flavour === "file" ? fc.constantFrom(false, false, true) : fc.constant(false),
      steps: fc
        .tuple(stepArbitrary(start), fc.array(stepArbitrary(editArbitrary(flavour, shape.optIn ?? 0)), { minLength: min - 1, maxLength: max - 1 }))
        .map(([first, rest]) => [first, ...rest]),
    });
  // With one flavour, no chain: fast-check then shrinks the steps themselves instead of trying the other flavour first.
  return flavours.length === 1 ? ofFlavour(flavours[0]!) : fc.constantFrom(...flavours).chain(ofFlavour);
}

/** A failing journey stops at its failing step: the steps after it are not part of the failure. */
export function truncateAfter(sequence: JourneySequence, failingStep: number): JourneySequence {
  return { ...sequence, steps: sequence.steps.slice(0, failingStep + 1) };
}

/** The same journeys for a seed, every time: the fixed set of the test suite and the script's runs. */
export function sampleSequences(seed: number, count: number, shape: SequenceShape = {}): JourneySequence[] {
  return fc.sample(sequenceArbitrary(shape), { seed, numRuns: count });
}

/** One line per step, for reports and regression notes. */
export function describeSequence(sequence: JourneySequence): string {
  const head = `${sequence.flavour}${sequence.bootstrap ? " (bootstrap first)" : ""}`;
  return [head, ...sequence.steps.map((s, i) => `  ${i}. [${s.apply}${s.refresh ? ", refresh" : ""}] ${JSON.stringify(s.edit)}`)].join("\n");
}

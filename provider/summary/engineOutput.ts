import { z } from "zod";

/**
 * What the Pulumi CLI writes with `--json`, read as data (never its text display):
 *
 * - `pulumi preview --json` (also with `--refresh`) and `pulumi refresh --preview-only --json`:
 *   one document `{ steps, diagnostics, changeSummary }`, each step with `op`, `urn`,
 *   `oldState` and `newState` (`inputs`, `outputs`, `propertyDependencies`).
 * - `pulumi up --json`: that document (the preview), then one engine event a line
 *   (`resourcePreEvent`, `resOutputsEvent`, `diagnosticEvent`, `summaryEvent`, ...), whose
 *   `metadata` carries the same `op`, `urn`, `old` and `new`. With `--skip-preview`, the events only.
 *
 * Only the fields the summary reads are declared; the rest passes through untouched.
 */

const stateSchema = z.looseObject({
  urn: z.string().optional(),
  type: z.string().optional(),
  inputs: z.record(z.string(), z.unknown()).nullish(),
  outputs: z.record(z.string(), z.unknown()).nullish(),
  propertyDependencies: z.record(z.string(), z.array(z.string()).nullish()).nullish(),
});
export type ResourceState = z.infer<typeof stateSchema>;

const previewStepSchema = z.looseObject({
  op: z.string(),
  urn: z.string(),
  oldState: stateSchema.nullish(),
  newState: stateSchema.nullish(),
  replaceReasons: z.array(z.string()).nullish(),
});

const diagnosticSchema = z.looseObject({
  urn: z.string().optional(),
  message: z.string(),
  severity: z.string(),
});
export type Diagnostic = z.infer<typeof diagnosticSchema>;

/** The document of `pulumi preview --json` (and of `pulumi refresh --preview-only --json`). */
const previewDocumentSchema = z.looseObject({
  steps: z.array(previewStepSchema).nullish(),
  diagnostics: z.array(diagnosticSchema).nullish(),
  changeSummary: z.record(z.string(), z.number()).nullish(),
});

const stepMetadataSchema = z.looseObject({
  op: z.string(),
  urn: z.string(),
  old: stateSchema.nullish(),
  new: stateSchema.nullish(),
});

/** One line of `pulumi up --json`: an engine event. */
const engineEventSchema = z.looseObject({
  sequence: z.number(),
  resourcePreEvent: z.looseObject({ metadata: stepMetadataSchema }).optional(),
  resOutputsEvent: z.looseObject({ metadata: stepMetadataSchema }).optional(),
  resOpFailedEvent: z.looseObject({ metadata: stepMetadataSchema }).optional(),
  diagnosticEvent: z.looseObject({ urn: z.string().optional(), message: z.string(), severity: z.string() }).optional(),
  summaryEvent: z.looseObject({ resourceChanges: z.record(z.string(), z.number()).nullish(), result: z.string().optional() }).optional(),
});

/**
 * One step of the run: what the engine planned (a preview) or did (an update). `failed`: the
 * update started the step and it failed (an error diagnostic names the resource).
 */
export interface Step {
  op: string;
  urn: string;
  old?: ResourceState;
  new?: ResourceState;
  failed?: boolean;
}

/** What one CLI run said, whatever its form. */
export interface EngineRun {
  /** "preview": what would change; "update": what an `up` did; "destroy": what `pulumi destroy --json` did; "refresh": `refresh --preview-only`. */
  kind: "preview" | "update" | "destroy" | "refresh";
  steps: Step[];
  /** Errors and warnings (debug and info are left out). */
  diagnostics: Diagnostic[];
  /** The engine's own count per operation, when it gave one. */
  changeSummary: Record<string, number>;
}

/** The JSON values of a text holding one or several (a pretty-printed document, then one a line), in order. */
export function jsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") {
      if (depth++ === 0) start = i;
    } else if (c === "}" || c === "]") {
      if (--depth === 0) values.push(JSON.parse(text.slice(start, i + 1)));
      if (depth < 0) throw new Error(`unexpected "${c}" at offset ${i}`);
    } else if (depth === 0 && !/\s/.test(c)) {
      throw new Error(`unexpected text at offset ${i}: ${JSON.stringify(text.slice(i, i + 40))}`);
    }
  }
  if (depth !== 0) throw new Error("the JSON ends before its last value does (the run was cut short?)");
  return values;
}

const SEVERITIES = new Set(["error", "warning"]);

/**
 * Reads what `pulumi preview|up|refresh --json` printed. Throws (with the reason) when it is no
 * such output, e.g. an empty file because the CLI failed before it started.
 */
export function readEngineOutput(text: string): EngineRun {
  const values = jsonValues(text);
  if (values.length === 0) throw new Error("no JSON in the input: the CLI printed nothing to stdout (see its stderr)");
  const events = values.filter((v) => typeof v === "object" && v !== null && "sequence" in v);
  if (events.length > 0) return fromEvents(events.map((e) => engineEventSchema.parse(e)));
  const document = previewDocumentSchema.safeParse(values[0]);
  if (!document.success || (!document.data.steps && !document.data.diagnostics)) {
    throw new Error("the input is not the JSON of `pulumi preview --json`, `pulumi up --json` or `pulumi refresh --preview-only --json` (no steps, diagnostics or events)");
  }
  const steps: Step[] = (document.data.steps ?? []).map((s) => ({ op: s.op, urn: s.urn, ...(s.oldState ? { old: s.oldState } : {}), ...(s.newState ? { new: s.newState } : {}) }));
  const diagnostics = (document.data.diagnostics ?? []).filter((d) => SEVERITIES.has(d.severity));
  // `refresh --preview-only` plans refreshes (and deletes of what is gone) only; a `preview --refresh`
  // that stopped at an error before planning anything looks the same, but has the error.
  const refreshOnly = steps.some((s) => s.op === "refresh") && !steps.some((s) => s.op !== "refresh" && s.op !== "delete") && !diagnostics.some((d) => d.severity === "error");
  return {
    kind: refreshOnly ? "refresh" : "preview",
    steps,
    diagnostics,
    changeSummary: document.data.changeSummary ?? {},
  };
}

/** An update's events: the steps it completed (`resOutputsEvent`), and those it started but that failed. */
function fromEvents(events: z.infer<typeof engineEventSchema>[]): EngineRun {
  const done = new Map<string, Step[]>();
  const started = new Map<string, Step>();
  const diagnostics: Diagnostic[] = [];
  let changeSummary: Record<string, number> = {};
  for (const event of events.sort((a, b) => a.sequence - b.sequence)) {
    const pre = event.resourcePreEvent?.metadata;
    if (pre) started.set(`${pre.urn}\n${pre.op}`, stepOf(pre));
    const out = event.resOutputsEvent?.metadata;
    if (out) {
      started.delete(`${out.urn}\n${out.op}`);
      done.set(out.urn, [...(done.get(out.urn) ?? []), stepOf(out)]);
    }
    const diagnostic = event.diagnosticEvent;
    if (diagnostic && SEVERITIES.has(diagnostic.severity)) diagnostics.push({ ...(diagnostic.urn ? { urn: diagnostic.urn } : {}), message: diagnostic.message, severity: diagnostic.severity });
    if (event.summaryEvent?.resourceChanges) changeSummary = event.summaryEvent.resourceChanges;
  }
  const failedUrns = new Set(diagnostics.filter((d) => d.severity === "error" && d.urn).map((d) => d.urn));
  const steps = [...done.values()].flat();
  for (const step of started.values()) if (failedUrns.has(step.urn)) steps.push({ ...step, failed: true });
  // Only a destroy deletes the stack's own resource (an up of an empty program keeps it).
  const destroy = steps.some((s) => s.op === "delete" && /::pulumi:pulumi:Stack::/.test(s.urn));
  return { kind: destroy ? "destroy" : "update", steps, diagnostics, changeSummary };
}

function stepOf(metadata: z.infer<typeof stepMetadataSchema>): Step {
  return { op: metadata.op, urn: metadata.urn, ...(metadata.old ? { old: metadata.old } : {}), ...(metadata.new ? { new: metadata.new } : {}) };
}

/** The stack and the resource's name and type token, from its URN (`urn:pulumi:<stack>::<project>::<type chain>::<name>`). */
export function parseUrn(urn: string): { stack: string; type: string; name: string } {
  const parts = urn.split("::");
  const stack = (parts[0] ?? "").replace(/^urn:pulumi:/, "");
  const chain = parts[2] ?? "";
  return { stack, type: chain.split("$").pop() ?? chain, name: parts.slice(3).join("::") };
}

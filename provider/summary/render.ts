import { totalsOf, type GroupRow, type Summary } from "./groupSummary";

/**
 * The summary as Markdown (a pull-request comment, a CI step summary: one table row per group)
 * or plain text (a terminal, a log: one block per group). A removal is always written with a
 * minus sign and the word "removed", never with `+`.
 */

export interface RenderOptions {
  /** Names listed per member list before the rest is counted (default 30). */
  maxNames?: number;
}

interface Style {
  minus: string;
  arrow: string;
}
const MARKDOWN: Style = { minus: "−", arrow: "→" };
const TEXT: Style = { minus: "-", arrow: "->" };

/** The first line of the Markdown: CI finds its earlier comment for the stack by it, to edit it in place. */
export function markerOf(stack: string | undefined): string {
  return `<!-- group-export-summary stack=${stack ?? "(unknown)"} -->`;
}

function names(list: readonly string[], max: number): string {
  if (list.length <= max) return list.join(", ");
  return `${list.slice(0, max).join(", ")}, … and ${list.length - max} more`;
}

function title(summary: Summary): { heading: string; lead: string } {
  const stack = summary.stack ?? "(unknown)";
  if (summary.drift) {
    return {
      heading: `Drift in stack ${stack}`,
      lead: summary.changed || summary.guardTripped
        ? "The directories no longer match the program. `pulumi up --refresh` would make these changes (a plain `pulumi up` reads the state, not the directories, so it would change nothing):"
        : "No drift: every group matches the program.",
    };
  }
  switch (summary.kind) {
    case "update":
      return { heading: `Update of stack ${stack}`, lead: summary.changed ? "What `pulumi up` did:" : "`pulumi up` changed nothing." };
    case "destroy":
      return { heading: `Destroy of stack ${stack}`, lead: summary.changed ? "What `pulumi destroy` did:" : "`pulumi destroy` changed no group." };
    case "refresh":
      return { heading: `Refresh preview of stack ${stack}`, lead: "What `pulumi refresh` would record:" };
    default:
      return { heading: `Preview of stack ${stack}`, lead: summary.changed ? "What `pulumi up` would change:" : "No change: every group already matches the program." };
  }
}

function verbOf(summary: Summary): string {
  if (summary.kind === "update" || summary.kind === "destroy") return summary.kind;
  if (summary.kind === "refresh") return "refresh preview";
  return "preview";
}

function membersLines(row: GroupRow, s: Style, max: number): string[] {
  if (row.membersHidden) return [row.membersHidden === "secret" ? "a secret user list: not shown" : "known at apply (users from another resource's outputs)"];
  const lines: string[] = [];
  if (row.added.length > 0) lines.push(`+${row.added.length} added: ${names(row.added, max)}`);
  if (row.removed.length > 0) lines.push(`${s.minus}${row.removed.length} removed: ${names(row.removed, max)}`);
  for (const l of row.leaving) lines.push(`${s.minus}${l.members.length} leave ${l.from} (if this binding added them): ${names(l.members, max)}`);
  if (lines.length === 0 && row.alreadyMembers !== undefined) lines.push(`no change: ${row.alreadyMembers} already member${row.alreadyMembers === 1 ? "" : "s"}`);
  return lines;
}

/** A failed step of an update or destroy: its members are what it planned (how far it got is in its error). */
function plannedOnly(summary: Summary, row: GroupRow, lines: string[]): string[] {
  if (!row.failed || (summary.kind !== "update" && summary.kind !== "destroy") || lines.length === 0 || lines[0]!.startsWith("no change")) return lines;
  return ["planned, failed (see the error):", ...lines];
}

function otherLines(row: GroupRow, s: Style): string[] {
  const lines: string[] = [];
  if (row.roles.length > 0) lines.push(row.roles.map((r) => r.replace(" -> ", ` ${s.arrow} `).replace(/^−/, s.minus)).join("; "));
  if (row.settingsNote) lines.push(`settings: ${row.settingsNote}`);
  for (const c of row.settings) lines.push(`setting ${c.field}: ${c.from ?? "(not managed)"} ${s.arrow} ${c.to ?? "(no longer managed: kept as it is)"}`);
  const aliases = [...row.aliasesAdded.map((a) => `+${a}`), ...row.aliasesRemoved.map((a) => `${s.minus}${a} (removed)`)];
  if (aliases.length > 0) lines.push(`aliases: ${aliases.join(", ")}`);
  for (const r of row.renames) {
    const short = (t: string) => (t.length > 60 ? `${t.slice(0, 57)}…` : t);
    lines.push(r.field === "description" ? "description changed" : `${r.field}: "${short(r.from)}" ${s.arrow} "${short(r.to)}"`);
  }
  return lines;
}

function guardLine(row: GroupRow): string | undefined {
  const g = row.guard;
  if (!g) return undefined;
  const limit = `stops above ${g.limit}%${g.floor !== undefined ? ` and ${g.floor} members` : ""}`;
  if (g.tripped) return `mass-removal guard TRIPPED (${limit}): see the error`;
  if (g.base === undefined || g.base === 0) return `guard: removes ${g.removing} (${limit})`;
  const percent = (100 * g.removing) / g.base;
  return `guard: removes ${g.removing} of ${g.base} members (${percent < 1 && percent > 0 ? percent.toFixed(1) : percent.toFixed(0)}%; ${limit})`;
}

function noteLines(row: GroupRow): string[] {
  const guard = guardLine(row);
  return [...(guard ? [guard] : []), ...row.changeNotes, ...row.warnings.map((w) => `warning: ${w}`), ...row.errors.map((e) => `error: ${clip(e, 600)}`)];
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function directoryLabel(row: GroupRow, rows: GroupRow[]): string {
  if (!row.service) return "?";
  const name = row.service === "google" ? "Google" : "Entra ID";
  const many = new Set(rows.filter((r) => r.service === row.service).map((r) => r.directoryKey)).size > 1;
  if (!many) return name;
  const id = row.directoryKey.replace(/^[a-z]+:/, "");
  return `${name} ${row.service === "entra" ? id.slice(0, 8) : id}`;
}

function changeWord(row: GroupRow): string {
  if (!row.failed) return row.change;
  return row.change === "unchanged" ? "FAILED" : `FAILED (${row.change})`;
}

function totalsLine(summary: Summary, s: Style): string {
  const t = totalsOf(summary);
  const groups = t.changes.map(([change, n]) => `${n} ${change}`).join(", ");
  const parts = [groups === "" ? "no group changes" : `groups: ${groups}`];
  const members = [...(t.added > 0 ? [`+${t.added} added`] : []), ...(t.removed > 0 ? [`${s.minus}${t.removed} removed`] : [])];
  if (members.length > 0) parts.push(`members: ${members.join(", ")}`);
  if (t.errors > 0) parts.push(`${t.errors} error${t.errors === 1 ? "" : "s"}`);
  return parts.join(" · ");
}

/** Escapes text for one Markdown table cell (no line breaks, no table or inline syntax). */
export function cell(text: string): string {
  return text
    .replace(/\\/g, "\\\\")
    .replace(/([|*_`[\]~#])/g, "\\$1")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\r?\n/g, " ");
}

const cellLines = (lines: string[]) => lines.map(cell).join("<br>");

export function toMarkdown(summary: Summary, options: RenderOptions = {}): string {
  const max = options.maxNames ?? 30;
  const { heading, lead } = title(summary);
  const out = [markerOf(summary.stack), `### Group export: ${heading.replace(/stack (.*)$/, (_, s: string) => `stack \`${s}\``)}`, ""];
  if (summary.failed) {
    out.push(summary.guardTripped && summary.errors.length === 0 && summary.drift
      ? "**A mass-removal guard stopped the preview**: the group below would lose more members than its binding allows."
      : `**The ${verbOf(summary)} failed**${summary.rows.length > 0 ? (summary.kind === "update" || summary.kind === "destroy" ? ": the table shows what it did, and where it failed" : ": the table shows what the engine had planned when it stopped") : ""}.`, "");
  }
  for (const e of summary.errors) out.push("~~~text", e.replace(/~~~/g, "~ ~ ~"), "~~~", "");
  if (!summary.failed || summary.changed) out.push(lead, "");
  if (summary.rows.length > 0) {
    out.push("| Directory | Group | Change | Members | Roles, settings, aliases, names | Notes |", "|---|---|---|---|---|---|");
    for (const row of summary.rows) {
      out.push(`| ${[directoryLabel(row, summary.rows), row.group, changeWord(row)].map(cell).join(" | ")} | ${cellLines(plannedOnly(summary, row, membersLines(row, MARKDOWN, max)))} | ${cellLines(otherLines(row, MARKDOWN))} | ${cellLines(noteLines(row))} |`);
    }
    out.push("");
  }
  const extra = [...summary.directoryNotes, ...summary.warnings.map((w) => `warning: ${w}`), ...summary.notes];
  for (const line of extra) out.push(`- ${line.replace(/\n/g, " ")}`);
  if (extra.length > 0) out.push("");
  out.push(`**Totals**: ${totalsLine(summary, MARKDOWN)}`, "");
  return out.join("\n");
}

export function toText(summary: Summary, options: RenderOptions = {}): string {
  const max = options.maxNames ?? 30;
  const { heading, lead } = title(summary);
  const out = [`Group export: ${heading}`];
  if (summary.failed) out.push(`The ${verbOf(summary)} FAILED${summary.rows.length > 0 ? (summary.kind === "update" || summary.kind === "destroy" ? " (below: what it did, and where it failed)" : " (below: what the engine had planned when it stopped)") : ""}.`);
  for (const e of summary.errors) out.push(...e.split("\n").map((l) => `  error: ${l}`));
  if (!summary.failed || summary.changed) out.push(lead);
  for (const row of summary.rows) {
    out.push("", `${directoryLabel(row, summary.rows)}  ${row.group}: ${changeWord(row)}`);
    const members = plannedOnly(summary, row, membersLines(row, TEXT, max));
    members.forEach((line, i) => out.push(`    ${i === 0 ? "members: " : "         "}${line}`));
    for (const line of [...otherLines(row, TEXT), ...noteLines(row)]) out.push(`    ${line}`);
  }
  if (summary.rows.length > 0) out.push("");
  for (const line of [...summary.directoryNotes, ...summary.warnings.map((w) => `warning: ${w}`), ...summary.notes]) out.push(line);
  out.push(`Totals: ${totalsLine(summary, TEXT)}`);
  return out.join("\n") + "\n";
}

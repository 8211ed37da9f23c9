import { cell, toMarkdown, toText } from "../summary/render";
import type { FleetProgress, FleetResult, TenantResult } from "./runFleet";

/**
 * The fleet summary: one row per tenant (result, groups changed, members added and removed,
 * drift, time, the failure's line), then each tenant's own per-group summary (group-export-summary's)
 * for the tenants that changed, drifted or failed.
 */

const VERB = { preview: "Preview", up: "Update", refresh: "Drift check" } as const;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function resultWord(r: TenantResult, command: FleetResult["command"]): string {
  if (r.status === "failed") return "FAILED";
  if (command === "refresh") return r.changed ? "drift" : "no drift";
  if (!r.changed) return "no change";
  return command === "up" ? "changed" : "changes";
}

function members(r: TenantResult, minus: string): string {
  const parts = [...(r.membersAdded > 0 ? [`+${r.membersAdded}`] : []), ...(r.membersRemoved > 0 ? [`${minus}${r.membersRemoved}`] : [])];
  return parts.length > 0 ? parts.join(" ") : "0";
}

function totals(result: FleetResult): string {
  const count = (f: (r: TenantResult) => boolean) => result.tenants.filter(f).length;
  const failed = count((r) => r.status === "failed");
  const changed = count((r) => r.status === "succeeded" && r.changed);
  const what = result.command === "refresh" ? "drifted" : result.command === "up" ? "changed" : "would change";
  return `${result.tenants.length} tenants: ${result.tenants.length - failed} succeeded (${changed} ${what}), ${failed} failed · concurrency ${result.concurrency} · ${seconds(result.durationMs)}`;
}

const shows = (r: TenantResult) => r.summary !== undefined && (r.status === "failed" || r.changed || r.summary.rows.length > 0);

export function fleetToText(result: FleetResult): string {
  const out = [`Group export fleet: ${VERB[result.command]} of ${result.tenants.length} tenants`, ""];
  const rows = result.tenants.map((r) => [r.tenant, resultWord(r, result.command), String(r.groupsChanged), members(r, "-"), seconds(r.durationMs), r.error ?? ""]);
  const head = ["tenant", "result", "groups", "members", "time", ""];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [head, ...rows]) out.push(row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd());
  out.push("", `Totals: ${totals(result)}`);
  for (const b of result.budgets) out.push(`Shared budget: ${b.label}, split among ${b.tenants} tenants`);
  for (const r of result.tenants.filter(shows)) out.push("", `--- ${r.tenant} (stack ${r.stack}) ---`, toText(r.summary!).trimEnd());
  return out.join("\n") + "\n";
}

export function fleetToMarkdown(result: FleetResult): string {
  const out = [`<!-- group-export-fleet command=${result.command} -->`, `### Group export fleet: ${VERB[result.command]} of ${result.tenants.length} tenants`, ""];
  out.push("| Tenant | Result | Groups changed | Members | Time | Notes |", "|---|---|---|---|---|---|");
  for (const r of result.tenants) out.push(`| ${[r.tenant, resultWord(r, result.command), String(r.groupsChanged), members(r, "−"), seconds(r.durationMs), r.error ?? ""].map(cell).join(" | ")} |`);
  out.push("", `**Totals**: ${cell(totals(result))}`, "");
  for (const b of result.budgets) out.push(`- Shared budget: ${cell(b.label)}, split among ${b.tenants} tenants`);
  if (result.budgets.length > 0) out.push("");
  for (const r of result.tenants.filter(shows)) out.push(`<details><summary>${cell(r.tenant)}: ${resultWord(r, result.command)}</summary>`, "", toMarkdown(r.summary!).trimEnd(), "", "</details>", "");
  return out.join("\n");
}

/** One line per progress event, for a terminal or a CI log. */
export function progressLine(p: FleetProgress, command: FleetResult["command"]): string {
  switch (p.kind) {
    case "start":
      return `${p.tenant}: ${command} started (${p.running} running, ${p.waiting} waiting)`;
    case "heartbeat":
      return `${p.tenant}: still running after ${seconds(p.elapsedMs)} (${p.resourcesDone} resource steps done)`;
    case "done": {
      const r = p.result;
      const detail = r.status === "failed" ? `FAILED: ${r.error}` : `${resultWord(r, command)}: ${r.groupsChanged} groups, members ${members(r, "-")}`;
      return `${r.tenant}: ${detail} in ${seconds(r.durationMs)} [${p.finished}/${p.total}]`;
    }
  }
}

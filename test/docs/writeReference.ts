/**
 * Writes the Input and Output tables of the reference pages (docs/resources/, docs/sources/)
 * from the SDK's declarations and doc comments: `npm run docs:reference`. Only the text between
 * a page's `<!-- inputs -->`/`<!-- /inputs -->` and `<!-- outputs -->`/`<!-- /outputs -->`
 * markers is rewritten; the rest of the page is written by hand. test/unit/docsReference.test.ts
 * fails when a table and the SDK disagree.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { REFERENCE_PAGES, pageFields } from "../support/referencePages";
import type { SdkField } from "../support/sdkDocs";

/** One Markdown table cell: pipes escaped, paragraphs kept apart with <br>. */
function cell(text: string): string {
  return text
    .replace(/\{@link\s+([^}|\s]+)[^}]*\}/g, "`$1`")
    .replace(/\|/g, "\\|")
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, " ").trim())
    .join("<br><br>");
}

function table(kind: "Input" | "Output", fields: SdkField[]): string {
  const head = kind === "Input" ? "| Input | Type | Required | Description |\n|---|---|---|---|" : "| Output | Type | Description |\n|---|---|---|";
  const rows = fields.map((f) =>
    kind === "Input"
      ? `| \`${f.name}\` | \`${cell(f.type)}\` | ${f.optional ? "no" : "yes"} | ${cell(f.doc)} |`
      : `| \`${f.name}\` | \`${cell(f.type)}\` | ${cell(f.doc)} |`,
  );
  return [head, ...rows].join("\n");
}

function replaceBetween(text: string, marker: string, body: string): string {
  const open = `<!-- ${marker} -->`;
  const close = `<!-- /${marker} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) return text;
  return `${text.slice(0, start + open.length)}\n${body}\n${text.slice(end)}`;
}

for (const page of REFERENCE_PAGES) {
  const { inputs, outputs } = pageFields(page);
  let text = existsSync(page.page)
    ? readFileSync(page.page, "utf8")
    : `# ${page.title}\n\n## Inputs\n\n<!-- inputs -->\n<!-- /inputs -->\n\n## Outputs\n\n<!-- outputs -->\n<!-- /outputs -->\n`;
  if (inputs.length > 0) text = replaceBetween(text, "inputs", table("Input", inputs));
  if (outputs.length > 0) text = replaceBetween(text, "outputs", table("Output", outputs));
  writeFileSync(page.page, text);
  process.stdout.write(`${page.page}: ${inputs.length} inputs, ${outputs.length} outputs\n`);
}

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { z } from "zod";
import { entraSecurityGroupArgsSchema } from "../../provider/entra/schema";
import { tenantsFileSchema } from "../../provider/fleet/tenantsFile";
import { googleDistributionGroupArgsSchema } from "../../provider/google/schema";
import { groupBindingArgsSchema, userGroupSchema } from "../../provider/groups/bindingSchema";
import { directoryGroupManagementArgsSchema, entraDirectorySchema, googleDirectorySchema } from "../../provider/groups/management";
import { groupsFileGroupSchema, groupsFileSchema } from "../../sdk/groupsFile";
import { REFERENCE_PAGES, pageFields } from "../support/referencePages";

/**
 * The reference pages cannot drift from the code: each page's Input and Output tables name
 * exactly the fields the SDK declares (Args interfaces and resource classes, read with the
 * TypeScript compiler) and every field of the provider's zod input schema; the groups file's
 * and the tenants file's tables name exactly their zod schemas' fields. A field left out, or one
 * the code no longer has, fails. `npm run docs:reference` rewrites the resource tables.
 */

const root = join(__dirname, "..", "..");

/** The tables of a Markdown page whose first header cell is `first`: each row's first-cell field names (the text in backticks) and its last cell. */
export function fieldRows(markdown: string, first: string): { names: string[]; description: string }[] {
  const rows: { names: string[]; description: string }[] = [];
  let inTable = false;
  let fence = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) fence = !fence;
    if (fence || !line.startsWith("|")) {
      inTable = false;
      continue;
    }
    const cells = line.slice(1, line.trimEnd().endsWith("|") ? line.trimEnd().length - 1 : undefined).split(/(?<!\\)\|/).map((c) => c.trim());
    if (!inTable) {
      inTable = cells[0] === first;
      continue;
    }
    if (/^:?-+:?$/.test(cells[0])) continue;
    const names = [...cells[0].matchAll(/`([^`]+)`/g)].map((m) => m[1].split(/[:\s]/)[0]);
    rows.push({ names, description: cells[cells.length - 1] });
  }
  return rows;
}

function namesIn(markdown: string, first: string): string[] {
  return fieldRows(markdown, first).flatMap((r) => r.names).sort();
}

/** The leaf fields of a zod object schema as a file writes them: `budgets.graphWritesPer5Minutes`, `tenants[].name`. */
function zodFields(schema: z.ZodType, prefix = ""): string[] {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
  if (s instanceof z.ZodObject) return Object.entries(s.shape as Record<string, z.ZodType>).flatMap(([key, value]) => zodFields(value, `${prefix}${key}.`));
  if (s instanceof z.ZodArray && (s.element instanceof z.ZodObject)) return zodFields(s.element as z.ZodType, `${prefix.slice(0, -1)}[].`);
  return [prefix.slice(0, -1)];
}

const INPUT_SCHEMAS: Record<string, { schema: z.ZodObject; prefix?: string; sdkSet?: string[] }[]> = {
  DirectoryGroupManagement: [{ schema: directoryGroupManagementArgsSchema }, { schema: googleDirectorySchema, prefix: "google." }, { schema: entraDirectorySchema, prefix: "entra." }],
  GoogleDistributionGroup: [{ schema: googleDistributionGroupArgsSchema }],
  EntraSecurityGroup: [{ schema: entraSecurityGroupArgsSchema }],
  // The binding's management is set by the SDK from its target; `__…` fields are the SDK's own.
  GroupBinding: [{ schema: groupBindingArgsSchema, sdkSet: ["management"] }, { schema: userGroupSchema, prefix: "userGroup." }],
};

describe("reference pages match the code", () => {
  for (const page of REFERENCE_PAGES) {
    describe(page.page, () => {
      const markdown = () => readFileSync(join(root, page.page), "utf8");
      const fields = pageFields(page);

      if (fields.inputs.length > 0) {
        it(`its Input table names exactly the SDK's ${page.inputs.map((i) => i.declaration).join(", ")} fields, each described`, () => {
          expect(namesIn(markdown(), "Input")).to.deep.equal(fields.inputs.map((f) => f.name).sort());
          const undescribed = fieldRows(markdown(), "Input").filter((r) => r.description === "").flatMap((r) => r.names);
          expect(undescribed, "inputs without a description (write a doc comment on the field in sdk/)").to.deep.equal([]);
        });
      }
      if (fields.outputs.length > 0) {
        it(`its Output table names exactly ${page.outputs?.declaration}'s outputs, each described`, () => {
          expect(namesIn(markdown(), "Output")).to.deep.equal(fields.outputs.map((f) => f.name).sort());
          const undescribed = fieldRows(markdown(), "Output").filter((r) => r.description === "").flatMap((r) => r.names);
          expect(undescribed, "outputs without a description (write a doc comment in sdk/)").to.deep.equal([]);
        });
      }
      for (const { schema, prefix = "", sdkSet = [] } of INPUT_SCHEMAS[page.title] ?? []) {
        it(`its Input table names every field of the provider's zod schema${prefix ? ` under ${prefix}` : ""}`, () => {
          const wanted = Object.keys(schema.shape).filter((k) => !k.startsWith("__") && !sdkSet.includes(k)).map((k) => prefix + k);
          const documented = new Set(namesIn(markdown(), "Input"));
          expect(wanted.filter((k) => !documented.has(k))).to.deep.equal([]);
        });
      }
    });
  }

  it("docs/sources/groups-file.md's Field table names exactly the groups file's fields (groupsFileSchema and each group's)", () => {
    const markdown = readFileSync(join(root, "docs/sources/groups-file.md"), "utf8");
    const wanted = [...new Set([...Object.keys(groupsFileSchema.shape), ...Object.keys(groupsFileGroupSchema.shape)])].sort();
    expect(namesIn(markdown, "Field")).to.deep.equal(wanted);
  });

  it("docs/guides/fleet.md's Field table names exactly the tenants file's fields (tenantsFileSchema)", () => {
    const markdown = readFileSync(join(root, "docs/guides/fleet.md"), "utf8");
    expect(namesIn(markdown, "Field")).to.deep.equal(zodFields(tenantsFileSchema).sort());
  });

  it("reads field names from a table as written (several per row, `name: value` forms), and only from tables of that header", () => {
    const text = "| Field | What |\n|---|---|\n| `a`, `b.c` | x |\n| `source: jumpcloud` | y |\n\n| Other | What |\n|---|---|\n| `z` | no |\n";
    expect(namesIn(text, "Field")).to.deep.equal(["a", "b.c", "source"]);
    expect(fieldRows(text, "Field").map((r) => r.description)).to.deep.equal(["x", "y"]);
  });
});

import { readFileSync } from "node:fs";
import * as ts from "typescript";

/**
 * The SDK's fields as its source declares them, read with the TypeScript compiler: the
 * properties of an Args interface and the outputs of a resource class, each with its type and
 * doc comment. The reference pages in docs/resources/ are written from these
 * (test/docs/writeReference.ts) and checked against them (test/unit/docsReference.test.ts).
 */
export interface SdkField {
  name: string;
  optional: boolean;
  type: string;
  doc: string;
}

/** The doc comment's text of a declaration ("" when it has none). */
export function docOf(node: ts.Node): string {
  return ts
    .getJSDocCommentsAndTags(node)
    .filter(ts.isJSDoc)
    .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? "")
    .join("\n")
    .trim();
}

/** `pulumi.Input<T>` and `pulumi.Output<T>` read as `T`: the docs show what a value is, not how Pulumi carries it. */
export function plainType(text: string): string {
  let out = text.replace(/\s+/g, " ");
  for (;;) {
    const at = out.search(/pulumi\.(Input|Output)</);
    if (at < 0) return out;
    const open = out.indexOf("<", at);
    let depth = 0;
    let close = open;
    for (; close < out.length; close++) {
      if (out[close] === "<") depth++;
      else if (out[close] === ">" && --depth === 0) break;
    }
    out = out.slice(0, at) + out.slice(open + 1, close) + out.slice(close + 1);
  }
}

function sourceOf(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
}

function nameOf(name: ts.PropertyName): string {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : name.getText();
}

/** The properties of interface `name` in `file`, in source order. */
export function interfaceFields(file: string, name: string): SdkField[] {
  const node = sourceOf(file).statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  if (!node) throw new Error(`${file} declares no interface ${name}`);
  return node.members.filter(ts.isPropertySignature).map((m) => ({
    name: nameOf(m.name),
    optional: m.questionToken !== undefined,
    type: plainType(m.type?.getText() ?? "unknown"),
    doc: docOf(m),
  }));
}

/**
 * The public outputs of resource class `name` in `file`: its public `pulumi.Output<…>` properties
 * and getters (`all`: every public instance property, for a component whose outputs are its child resources).
 */
export function classOutputs(file: string, name: string, all = false): SdkField[] {
  const node = sourceOf(file).statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === name);
  if (!node) throw new Error(`${file} declares no class ${name}`);
  const fields: SdkField[] = [];
  for (const m of node.members) {
    if (!(ts.isPropertyDeclaration(m) || ts.isGetAccessorDeclaration(m)) || !m.name) continue;
    if (ts.getCombinedModifierFlags(m) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected | ts.ModifierFlags.Static)) continue;
    const type = m.type?.getText() ?? "unknown";
    if (!all && !/^pulumi\.Output</.test(type)) continue;
    fields.push({ name: nameOf(m.name), optional: false, type: plainType(type), doc: docOf(m) });
  }
  return fields;
}

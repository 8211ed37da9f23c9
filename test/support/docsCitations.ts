import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/**
 * Citations of documentation sections, and whether they point at something: every Markdown
 * link between README.md and docs/ (relative ones, with their anchors), every `docs/….md#anchor`
 * written in code, tests or examples, and every older-style `README "Section"` citation. Used by
 * test/unit/docsLinks.test.ts.
 */

/** GitHub's anchor for a heading: inline markup dropped, lowercased, punctuation removed, spaces to hyphens. */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/[`*_~]/g, (c) => (c === "_" ? "_" : ""));
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The headings of a Markdown text (outside code blocks), and their anchors with GitHub's -1, -2 for repeats. */
export function headingsOf(markdown: string): { headings: string[]; anchors: Set<string> } {
  const headings: string[] = [];
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const m = !fence && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    headings.push(m[1]);
    const base = githubSlug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return { headings, anchors };
}

export interface Citation {
  /** Where it is written: `file:line`. */
  at: string;
  /** The file it points at, from the repository's root. */
  file: string;
  anchor?: string;
  /** A README citation by a heading's words. */
  heading?: string;
}

/** Files that show citations as examples (the test of this module, and the module itself). */
const EXAMPLES = new Set(["test/unit/docsLinks.test.ts", "test/support/docsCitations.ts"]);

const SKIP = new Set(["node_modules", "dist", ".git", "fixtures", "program", "ownershipProgram"]);

export function filesUnder(root: string, dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  const full = join(root, dir);
  if (!existsSync(full)) return out;
  for (const name of readdirSync(full)) {
    if (SKIP.has(name)) continue;
    const path = join(full, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(root, join(dir, name), pattern));
    else if (pattern.test(name)) out.push(join(dir, name));
  }
  return out;
}

/** Every citation in README.md, docs/ and the code, tests and examples. */
export function collectCitations(root: string): Citation[] {
  const citations: Citation[] = [];
  const markdown = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md", ...filesUnder(root, "docs", /\.md$/)].filter((f) => existsSync(join(root, f)));
  for (const file of markdown) {
    let fence = false;
    readFileSync(join(root, file), "utf8").split("\n").forEach((line, i) => {
      if (/^\s*(```|~~~)/.test(line)) fence = !fence;
      if (fence) return;
      // Inline code is text, not a link.
      const text = line.replace(/`[^`]*`/g, "");
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const href = m[1];
        if (/^[a-z]+:/i.test(href)) continue;
        const [path, anchor] = href.split("#");
        const target = path === "" ? file : normalize(join(dirname(file), path));
        citations.push({ at: `${file}:${i + 1}`, file: target, ...(anchor !== undefined ? { anchor } : {}) });
      }
    });
  }
  // The root project's files are read by users first (Pulumi.yaml, export-groups.js, groups.yaml).
  const rootFiles = ["Pulumi.yaml", "export-groups.js", "groups.yaml", "groups.csv"].filter((f) => existsSync(join(root, f)));
  const code = [...rootFiles, ...["provider", "sdk", "test", "examples", ".ci"].flatMap((dir) => filesUnder(root, dir, /\.(ts|js|mjs|ya?ml|sh|md)$/))];
  for (const file of [...code, ...markdown]) {
    if (EXAMPLES.has(file)) continue;
    readFileSync(join(root, file), "utf8").split("\n").forEach((raw, i) => {
      // In Markdown, link targets were collected above (relative to their page).
      const line = file.endsWith(".md") ? raw.replace(/\]\([^)]*\)/g, "]") : raw;
      for (const m of line.matchAll(/(?<![\w/.-])(docs\/[\w/-]+\.md)(?:#([\w-]+))?/g)) {
        citations.push({ at: `${file}:${i + 1}`, file: m[1], ...(m[2] ? { anchor: m[2] } : {}) });
      }
      for (const m of line.matchAll(/README(?:\.md)?(?:,? section|:|,)? \\?"([^"\\]+)\\?"/g)) {
        citations.push({ at: `${file}:${i + 1}`, file: "README.md", heading: m[1] });
      }
    });
  }
  return citations;
}

/** The citations that point at no file, no anchor or no heading; each as `where -> what`. */
export function brokenCitations(root: string, citations: Citation[]): string[] {
  const cache = new Map<string, ReturnType<typeof headingsOf> | undefined>();
  const read = (file: string) => {
    if (!cache.has(file)) {
      const path = join(root, file);
      cache.set(file, existsSync(path) && statSync(path).isFile() ? headingsOf(file.endsWith(".md") ? readFileSync(path, "utf8") : "") : existsSync(path) ? { headings: [], anchors: new Set() } : undefined);
    }
    return cache.get(file);
  };
  const broken: string[] = [];
  for (const c of citations) {
    const target = read(c.file);
    const what = `${relative(".", c.file)}${c.anchor !== undefined ? `#${c.anchor}` : ""}${c.heading ? ` "${c.heading}"` : ""}`;
    if (!target) broken.push(`${c.at} -> ${what}: no such file`);
    else if (c.anchor !== undefined && c.file.endsWith(".md") && !target.anchors.has(c.anchor)) broken.push(`${c.at} -> ${what}: no such section`);
    else if (c.heading !== undefined && !target.headings.some((h) => h.replace(/[`*]/g, "") === c.heading || githubSlug(h) === githubSlug(c.heading!))) broken.push(`${c.at} -> ${what}: no such heading`);
  }
  return broken;
}

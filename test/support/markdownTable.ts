import MarkdownIt from "markdown-it";

/**
 * The tables a Markdown text renders to, read with a Markdown parser (markdown-it, CommonMark
 * with GitHub's tables): each table as its header cells and body rows, cell by cell, as the
 * reader sees the text (inline markup resolved, `<br>` kept as a line break "\n").
 */
export function markdownTables(markdown: string): { header: string[]; rows: string[][] }[] {
  const tokens = new MarkdownIt({ html: true }).parse(markdown, {});
  const tables: { header: string[]; rows: string[][] }[] = [];
  let table: { header: string[]; rows: string[][] } | undefined;
  let row: string[] | undefined;
  let inHead = false;
  for (const token of tokens) {
    if (token.type === "table_open") tables.push((table = { header: [], rows: [] }));
    else if (token.type === "thead_open") inHead = true;
    else if (token.type === "thead_close") inHead = false;
    else if (token.type === "tr_open") row = [];
    else if (token.type === "tr_close" && table && row) {
      if (inHead) table.header = row;
      else table.rows.push(row);
      row = undefined;
    } else if (token.type === "inline" && row) row.push(inlineText(token.children ?? []));
  }
  return tables;
}

function inlineText(children: { type: string; content: string }[]): string {
  return children.map((c) => (c.type === "html_inline" && /^<br\s*\/?>$/i.test(c.content) ? "\n" : c.type === "text" || c.type === "text_special" || c.type === "code_inline" ? c.content : "")).join("");
}

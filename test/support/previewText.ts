/**
 * Reading `pulumi preview` text in tests. A GroupBinding's `members` input is a member list,
 * one key a line (provider/groups/bindingSchema.ts, `memberListText`), so `--diff` shows a
 * changed list as a line diff: `+ dave@example.com` for an added member, `- bob@example.com`
 * for a removed one, unchanged neighbours without a sign. A created binding shows the list as
 * one quoted string (`members: "alice@example.com\nbob@example.com\n..."`).
 */

/** A member line of a list diff: a sign, then an address or `group:<address or display name>`, nothing else. */
const MEMBER_LINE = /^\s*([-+])\s+((?:group:[^"\n]+)|(?:[^\s"]+@[^\s":]+))\s*$/;

/** The member lines of the list diffs in a preview, in order, as `+ dave@example.com` / `- bob@example.com`. */
export function memberLineChanges(output: string): string[] {
  return output
    .split("\n")
    .map((line) => MEMBER_LINE.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]!.trim()}`);
}

/**
 * The member lists a preview shows for created bindings, each as its keys. Pulumi shortens a
 * long string to its first three lines and `...` unless the preview runs with
 * `--show-full-output`; a shortened list ends with `"..."`.
 */
export function createdMemberLists(output: string): string[][] {
  return [...output.matchAll(/^\s*\+?\s*members\s*: ("(?:[^"\\]|\\.)*"(?:\.\.\.)?)/gm)].map((m) => {
    const quoted = m[1]!.endsWith("...") ? `${m[1]!.slice(0, -4)}\\n..."` : m[1]!;
    return (JSON.parse(quoted) as string).split("\n").filter((line) => line !== "");
  });
}

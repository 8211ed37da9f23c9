/**
 * Group-in-group nesting declared by the bindings of one run, and the cycles it would close.
 *
 * One dynamic-provider process serves a whole `pulumi preview` or `up` and `check` runs for
 * every binding of the program, so the graph of this module is the graph of the program's
 * bindings: the binding whose check closes a cycle fails at preview, naming every binding on
 * it. A cycle through a group that no binding of this program declares (nesting made by hand,
 * or by another stack) cannot be seen here: Google refuses it at the apply ("Cyclic memberships
 * not allowed."); Entra accepts it, so it stays the directory's business.
 *
 * Groups are keyed `<directoryKey>:<address or display name, lowercased>`, known at preview
 * even for groups the same update creates.
 */
interface Edge {
  binding: string;
  /** The parent group's readable name (address or display name). */
  label: string;
  children: { key: string; label: string }[];
}

export function nestingKey(directoryKey: string, label: string): string {
  return `${directoryKey}:${label.toLowerCase()}`;
}

/** The nesting declared by the bindings of one run (held by the provider's context). */
export class NestingGraph {
  /** Parent group key -> the binding declaring its nested groups. */
  private readonly edges = new Map<string, Edge>();

  /**
   * Records that `binding` nests `children` in `parent`; returns the cycle this closes, as text
   * naming the groups and the bindings, or undefined.
   */
  declare(binding: string, parent: { key: string; label: string }, children: { key: string; label: string }[]): string | undefined {
    for (const [key, edge] of this.edges) if (edge.binding === binding && key !== parent.key) this.edges.delete(key);
    this.edges.set(parent.key, { binding, label: parent.label, children });
    const path = this.findPath(parent.key, parent.key, new Set());
    if (!path) return undefined;
    const steps = path.flatMap((key) => this.edges.get(key) ?? []);
    const groups = [...steps.map((s) => s.label), parent.label].join(" -> ");
    const bindings = [...new Set(steps.map((s) => s.binding))].join(", ");
    return `the nesting ${groups} is a cycle (declared by GroupBinding ${bindings}): a group cannot contain itself; remove one of these memberGroups`;
  }

  /** Group keys from `from` along declared edges back to `to` (the cycle's parents in order). */
  private findPath(from: string, to: string, seen: Set<string>): string[] | undefined {
    const edge = this.edges.get(from);
    if (!edge || seen.has(from)) return undefined;
    seen.add(from);
    for (const child of edge.children) {
      if (child.key === to) return [from];
      const rest = this.findPath(child.key, to, seen);
      if (rest) return [from, ...rest];
    }
    return undefined;
  }
}

import type { Sandbox } from "../../provider/sandbox";

/** The test's view of "remote": what the sandbox's directories hold right now. */
export function googleGroup(sandbox: Sandbox, email: string) {
  return sandbox.google.tenant.groups.find((g) => g.email === email);
}

export function googleMembers(sandbox: Sandbox, email: string): string[] {
  return (googleGroup(sandbox, email)?.members ?? []).map((m) => m.email ?? "").sort();
}

/** Batch envelopes: what they carry is counted item by item ("BATCH-ITEM ..."). */
const BATCH_ENVELOPES = /^POST \/(v1\.0\/\$batch|batch\/admin\/directory_v1)$/;

/** Requests that change something (anything but reads, token grants and batch envelopes). */
export function writeRequests(sandbox: Sandbox): string[] {
  return writesIn(sandbox.requestCounts());
}

/** The same, from request counts taken earlier (reads may travel in a batch: only its items count). */
export function writesIn(counts: Record<string, number>): string[] {
  return Object.keys(counts).filter((k) => !/^(GET|BATCH-ITEM GET)\b/.test(k) && !/token|oauth2|openid|discovery/.test(k) && !BATCH_ENVELOPES.test(k));
}

/** The resource steps a `--diff` preview or update shows: operation and resource name. */
export function stepsOf(output: string, type: string): { op: string; name: string }[] {
  const re = new RegExp(`pulumi-nodejs:dynamic/groupexport:${type}: \\((\\w[\\w-]*)\\)\\s+(?:\\[id=[^\\]]*\\]\\s+)?\\[urn=[^\\]]*::([^\\]:]+)\\]`, "g");
  return [...output.matchAll(re)].map((m) => ({ op: m[1], name: m[2] }));
}

/** An Entra group's member UPNs, as the sandbox's tenant holds them. */
export function entraMembers(sandbox: Sandbox, groupId: string): string[] {
  const tenant = sandbox.entra.tenant;
  const group = tenant.groups.find((g) => g.id === groupId);
  return (group?.members ?? []).map((id) => tenant.users.find((u) => u.id === id)?.userPrincipalName ?? id).sort();
}

export function entraGroupsNamed(sandbox: Sandbox, displayName: string) {
  return sandbox.entra.tenant.groups.filter((g) => g.displayName === displayName);
}

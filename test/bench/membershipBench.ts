/**
 * `npm run bench`: round trips and time for exporting 1,000 members into one Google group
 * and one Entra group through the provider's client layer, against the sandbox, compared
 * with the minimum the APIs allow and with a naive one-request-per-member baseline (what
 * the Terraform providers do). Prints ratios; asserts nothing about speed.
 *
 * The provider's clients trust the sandbox through NODE_EXTRA_CA_CERTS, which Node reads
 * only at start, so this script generates the CA, then re-runs itself as a child that trusts it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { entraMemberDirectory } from "../../provider/entra/members";
import { googleMemberDirectory } from "../../provider/google/members";
import { generateSandboxTls, startSandbox, type Sandbox, type SandboxTls } from "../../provider/sandbox";
import { ProviderContext } from "../../provider/context";
import { graphClient } from "../support/entraClients";
import { directoryClient } from "../support/googleClients";

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 1000);

/** HTTP round trips since the last reset: batch envelopes count once, token grants not at all. */
function roundTrips(sandbox: Sandbox): number {
  return Object.entries(sandbox.requestCounts())
    .filter(([key]) => !key.startsWith("BATCH-ITEM") && !/token|openid-configuration|discovery/.test(key))
    .reduce((sum, [, n]) => sum + n, 0);
}

async function measure<T>(sandbox: Sandbox, run: () => Promise<T>): Promise<{ ms: number; trips: number; result: T }> {
  sandbox.resetRequestCounts();
  const start = performance.now();
  const result = await run();
  return { ms: performance.now() - start, trips: roundTrips(sandbox), result };
}

interface Row {
  operation: string;
  trips: number;
  minimum: number;
  ms: number;
  naiveTrips?: number;
  naiveMs?: number;
}

async function child(tls: SandboxTls): Promise<Row[]> {
  const names = Array.from({ length: MEMBERS }, (_, i) => `user${String(i).padStart(4, "0")}@example.com`);
  const sandbox = await startSandbox({
    tls,
    google: { domains: ["example.com"], users: names.map((primaryEmail) => ({ primaryEmail })) },
    googleBehaviour: { quotaPerMinute: 1_000_000 },
    entra: { users: names.map((userPrincipalName) => ({ userPrincipalName })) },
  });
  try {
    const config = sandbox.providerConfig();
    const context = new ProviderContext({ get: (key) => config[key]?.value });
    const rows: Row[] = [];

    // Google: one batch request carries up to 1,000 inserts.
    const google = context.google();
    const ours = (await google.insertGroup({ email: "bench-batched@example.com", name: "Batched", description: "" })).group;
    const add = await measure(sandbox, () => googleMemberDirectory(google).addMembers(ours.id, names.map((key) => ({ key }))));
    if (add.result.failures.length > 0) throw new Error(`Google adds failed: ${add.result.failures.slice(0, 3).map((f) => f.reason).join("; ")}`);
    const naiveApi = directoryClient(sandbox);
    const naiveGroup = (await naiveApi.groups.insert({ requestBody: { email: "bench-naive@example.com" } })).data;
    const naive = await measure(sandbox, async () => {
      for (const email of names) await naiveApi.members.insert({ groupKey: naiveGroup.id!, requestBody: { email, role: "MEMBER" } });
    });
    rows.push({ operation: `Google: add ${MEMBERS} members`, trips: add.trips, minimum: Math.ceil(MEMBERS / 1000), ms: add.ms, naiveTrips: naive.trips, naiveMs: naive.ms });
    const list = await measure(sandbox, () => google.listMembers(ours.id));
    rows.push({ operation: `Google: read ${MEMBERS} members (refresh)`, trips: list.trips, minimum: Math.ceil(MEMBERS / 200), ms: list.ms });

    // Entra: resolve users, then bind 20 per PATCH, 20 PATCHes per $batch.
    const graph = context.graph(sandbox.entra.tenantId);
    const directory = entraMemberDirectory(graph);
    const group = await graph.createSecurityGroup({ displayName: "Bench batched", description: "", mailNickname: "bench-batched" });
    const resolve = await measure(sandbox, () => directory.resolveUsers(names, group.id, [], new Map()));
    rows.push({ operation: `Entra: resolve ${MEMBERS} users`, trips: resolve.trips, minimum: Math.ceil(Math.ceil(MEMBERS / 15) / 20), ms: resolve.ms });
    const bind = await measure(sandbox, () => directory.addMembers(group.id, [...resolve.result.resolved].map(([key, user]) => ({ key, id: user.id }))));
    if (bind.result.failures.length > 0) throw new Error(`Entra adds failed: ${bind.result.failures.slice(0, 3).map((f) => f.reason).join("; ")}`);
    const naiveGraph = graphClient(sandbox);
    const naiveEntra = await naiveGraph.api("/groups").post({ displayName: "Bench naive", mailNickname: "bench-naive", securityEnabled: true, mailEnabled: false, groupTypes: [] });
    const naiveBind = await measure(sandbox, async () => {
      for (const { id } of resolve.result.resolved.values()) {
        await naiveGraph.api(`/groups/${naiveEntra.id}/members/$ref`).post({ "@odata.id": `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
      }
    });
    rows.push({ operation: `Entra: add ${MEMBERS} members`, trips: bind.trips, minimum: Math.ceil(Math.ceil(MEMBERS / 20) / 20), ms: bind.ms, naiveTrips: naiveBind.trips, naiveMs: naiveBind.ms });
    const read = await measure(sandbox, () => graph.listMembers(group.id));
    rows.push({ operation: `Entra: read ${MEMBERS} members (refresh)`, trips: read.trips, minimum: Math.ceil(MEMBERS / 999), ms: read.ms, naiveTrips: Math.ceil(MEMBERS / 100) });
    return rows;
  } finally {
    await sandbox.close();
  }
}

/** Median of `runs` timings of `run` (ms), after one warm-up run. */
async function medianMs(run: () => Promise<unknown>, runs = 5): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

interface ScaleRow {
  emulator: string;
  smallMs: number;
  largeMs: number;
  smallPages: number;
  largePages: number;
  /** One page of 20 members from each group: what a request costs, whatever the group's size. */
  firstPageSmallMs: number;
  firstPageLargeMs: number;
}

/**
 * The sandbox at real sizes: reading every member of a 10,000-member group against a
 * 20-member one, through the official clients at the APIs' largest page sizes, in a tenant
 * of 10,000 users. Paging alone makes the large read take more requests (Graph 999 per page,
 * Google 200), so the ratio per page is printed too.
 */
async function sandboxScale(tls: SandboxTls): Promise<ScaleRow[]> {
  const LARGE = 10_000;
  const SMALL = 20;
  const entraId = (i: number) => `00000001-0000-4000-8000-${String(i).padStart(12, "0")}`;
  const emails = Array.from({ length: LARGE }, (_, i) => `member${String(i).padStart(5, "0")}@example.com`);
  const sandbox = await startSandbox({
    tls,
    googleBehaviour: { quotaPerMinute: 1_000_000 },
    google: {
      users: emails.map((primaryEmail) => ({ primaryEmail })),
      groups: [
        { email: "large@example.com", members: emails },
        { email: "small@example.com", members: emails.slice(0, SMALL) },
      ],
    },
    entra: {
      users: emails.map((userPrincipalName, i) => ({ id: entraId(i), userPrincipalName })),
      groups: [
        { id: "00000002-0000-4000-8000-000000000001", displayName: "Large", members: emails.map((_, i) => entraId(i)) },
        { id: "00000002-0000-4000-8000-000000000002", displayName: "Small", members: emails.slice(0, SMALL).map((_, i) => entraId(i)) },
      ],
    },
  });
  try {
    const graph = graphClient(sandbox);
    const readEntra = async (groupId: string, pageSize = 999, onePage = false) => {
      let n = 0;
      let pages = 0;
      let url: string | undefined = `/groups/${groupId}/members?$top=${pageSize}&$select=id,userPrincipalName,mail`;
      while (url) {
        const page = (await graph.api(url).get()) as { value: unknown[]; "@odata.nextLink"?: string };
        n += page.value.length;
        pages++;
        url = onePage ? undefined : page["@odata.nextLink"];
      }
      return { n, pages };
    };
    const google = directoryClient(sandbox);
    const readGoogle = async (groupKey: string, pageSize = 200, onePage = false) => {
      let n = 0;
      let pages = 0;
      let pageToken: string | undefined;
      do {
        const res = await google.members.list({ groupKey, maxResults: pageSize, pageToken });
        n += res.data.members?.length ?? 0;
        pages++;
        pageToken = onePage ? undefined : (res.data.nextPageToken ?? undefined);
      } while (pageToken);
      return { n, pages };
    };
    const rows: ScaleRow[] = [];
    for (const [emulator, read, large, small] of [
      ["Entra (Graph)", readEntra, "00000002-0000-4000-8000-000000000001", "00000002-0000-4000-8000-000000000002"],
      ["Google (Directory API)", readGoogle, "large@example.com", "small@example.com"],
    ] as const) {
      const l = await read(large);
      const s = await read(small);
      if (l.n !== LARGE || s.n !== SMALL) throw new Error(`${emulator}: read ${l.n} and ${s.n} members, expected ${LARGE} and ${SMALL}`);
      rows.push({
        emulator,
        largeMs: await medianMs(() => read(large)),
        smallMs: await medianMs(() => read(small)),
        largePages: l.pages,
        smallPages: s.pages,
        firstPageLargeMs: await medianMs(() => read(large, SMALL, true), 21),
        firstPageSmallMs: await medianMs(() => read(small, SMALL, true), 21),
      });
    }
    return rows;
  } finally {
    await sandbox.close();
  }
}

function reportScale(rows: ScaleRow[]): void {
  console.log("\nSandbox at real sizes: reading a 10,000-member group against a 20-member one (median of 5)\n");
  console.log("| emulator | 20 members (ms) | 10,000 members (ms) | ratio | pages (API minimum) | ratio per page | one 20-member page: of 20 / of 10,000 (ms) | ratio |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const ratio = r.largeMs / r.smallMs;
    console.log(
      `| ${r.emulator} | ${r.smallMs.toFixed(1)} | ${r.largeMs.toFixed(1)} | ${ratio.toFixed(1)}x | ${r.smallPages} vs ${r.largePages} | ${(ratio / (r.largePages / r.smallPages)).toFixed(2)}x | ` +
        `${r.firstPageSmallMs.toFixed(2)} / ${r.firstPageLargeMs.toFixed(2)} | ${(r.firstPageLargeMs / r.firstPageSmallMs).toFixed(2)}x |`,
    );
  }
}

function report(rows: Row[]): void {
  console.log(`\nMembership benchmark against the local sandbox (${MEMBERS} members)\n`);
  console.log("| operation | round trips | minimum | trips / minimum | time (ms) | naive trips | naive time (ms) | naive time / ours |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const naiveRatio = r.naiveMs ? (r.naiveMs / r.ms).toFixed(1) + "x" : "";
    console.log(`| ${r.operation} | ${r.trips} | ${r.minimum} | ${(r.trips / r.minimum).toFixed(2)} | ${r.ms.toFixed(0)} | ${r.naiveTrips ?? ""} | ${r.naiveMs?.toFixed(0) ?? ""} | ${naiveRatio} |`);
  }
}

async function main(): Promise<void> {
  const tlsFile = process.env.BENCH_TLS_FILE;
  if (tlsFile) {
    const tls = JSON.parse(readFileSync(tlsFile, "utf8")) as SandboxTls;
    if (process.env.BENCH_ONLY !== "scale") report(await child(tls));
    if (process.env.BENCH_ONLY !== "membership") reportScale(await sandboxScale(tls));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "group-export-bench-"));
  const tls = await generateSandboxTls();
  writeFileSync(join(dir, "ca.pem"), tls.caPem);
  writeFileSync(join(dir, "tls.json"), JSON.stringify(tls), { mode: 0o600 });
  const run = spawnSync(process.execPath, ["--require", "tsx/cjs", __filename], {
    stdio: "inherit",
    env: { ...process.env, BENCH_TLS_FILE: join(dir, "tls.json"), NODE_EXTRA_CA_CERTS: join(dir, "ca.pem") },
  });
  process.exit(run.status ?? 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

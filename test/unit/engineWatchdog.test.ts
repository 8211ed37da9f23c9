import { expect } from "chai";
import { createServer, type Server } from "node:net";
import { isPluginShell, parentOf, parseEngineAddress, probeEngine, startWatchdog } from "../../provider/engineWatchdog";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("engine watchdog (a provider whose engine is gone stops)", () => {
  it("parses the engine address the dynamic-provider host receives", () => {
    expect(parseEngineAddress("127.0.0.1:41234")).to.deep.equal({ host: "127.0.0.1", port: 41234 });
    expect(parseEngineAddress("[::1]:5000")).to.deep.equal({ host: "::1", port: 5000 });
    expect(parseEngineAddress("localhost:0")).to.equal(undefined);
    expect(parseEngineAddress("--logtostderr")).to.equal(undefined);
    expect(parseEngineAddress(undefined)).to.equal(undefined);
  });

  it("fires once when the parent process changes (the CLI that exec'd node died)", async () => {
    let parent = 100;
    const reasons: string[] = [];
    const dog = startWatchdog({ parentPid: 100, currentParent: () => parent, onEngineGone: (r) => reasons.push(r), parentIntervalMs: 5 });
    await tick(30);
    expect(reasons).to.deep.equal([]);
    parent = 1;
    await tick(30);
    expect(reasons).to.have.length(1);
    expect(reasons[0]).to.include("parent process 100 exited");
    await tick(30);
    expect(reasons, "once").to.have.length(1);
    dog.stop();
  });

  it("fires after two refused probes in a row, never on a slow or unknown answer (a shell between CLI and node)", async () => {
    const answers: ("ok" | "refused" | "unknown")[] = ["refused", "unknown", "refused", "ok", "refused", "refused"];
    const reasons: string[] = [];
    let probes = 0;
    const dog = startWatchdog({
      parentPid: 7,
      currentParent: () => 7,
      engineAddress: "127.0.0.1:9",
      probe: async () => answers[probes++] ?? "refused",
      onEngineGone: (r) => reasons.push(r),
      probeIntervalMs: 5,
    });
    await tick(60);
    dog.stop();
    expect(reasons).to.have.length(1);
    expect(reasons[0]).to.include("127.0.0.1:9 no longer accepts connections");
    expect(probes, "stopped probing after firing").to.equal(6);
  });

  it("probes a real listener: ok while it listens, refused once it is closed", async () => {
    const server: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    expect(await probeEngine(`127.0.0.1:${port}`)).to.equal("ok");
    await new Promise<void>((r) => server.close(() => r()));
    expect(await probeEngine(`127.0.0.1:${port}`)).to.equal("refused");
    expect(await probeEngine("not an address")).to.equal("unknown");
  });
});

describe("engine watchdog before requests", () => {
  it("compares the parent synchronously when an HTTP request is created (http and fetch), before it is sent", async () => {
    const { createServer: createHttpServer, get } = await import("node:http");
    let hits = 0;
    const server = createHttpServer((_req, res) => ((hits += 1), res.end("ok")));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    let parent = 10;
    const reasons: string[] = [];
    // Timers far away: only the request hook can notice.
    const dog = startWatchdog({ parentPid: 10, currentParent: () => parent, onEngineGone: (r) => reasons.push(r), parentIntervalMs: 60_000 });
    try {
      await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
      expect(reasons).to.deep.equal([]);
      parent = 1;
      // In the real process onEngineGone exits; here it records, then the request proceeds.
      await new Promise<void>((r) => get(`http://127.0.0.1:${port}/`, (res) => (res.resume(), res.on("end", () => r()))));
      expect(reasons).to.have.length(1);
    } finally {
      dog.stop();
      server.close();
    }
    const before = reasons.length;
    parent = 2;
    await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
    expect(reasons.length, "stop() unsubscribes").to.equal(before);
    expect(hits).to.be.at.least(2);
  });

  it("checks fetch (undici) requests too", async () => {
    let parent = 10;
    const reasons: string[] = [];
    const dog = startWatchdog({ parentPid: 10, currentParent: () => parent, onEngineGone: (r) => reasons.push(r), parentIntervalMs: 60_000 });
    parent = 3;
    await fetch("http://127.0.0.1:59999/").catch(() => undefined);
    dog.stop();
    expect(reasons).to.have.length(1);
  });
});

describe("engine watchdog: process tree (Linux /proc)", () => {
  it("reads a process's parent from /proc, and knows node is no plugin shell", () => {
    expect(parentOf(process.pid)).to.equal(process.ppid);
    expect(parentOf(2 ** 22 + 12345)).to.equal(undefined);
    expect(isPluginShell(process.pid)).to.equal(false);
  });
});

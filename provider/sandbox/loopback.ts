import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Agent, request } from "node:https";
import type { Request } from "express";

/** Marks a request that a batch endpoint sent back into the sandbox as one of its inner calls. */
const INNER_CALL_HEADER = "x-sandbox-batch-item";

export interface InnerCall {
  method: string;
  /** Path and query, e.g. /admin/directory/v1/groups/x/members?maxResults=10 */
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface InnerReply {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Dispatches the inner calls of a batch through the sandbox's own HTTPS server, so each one
 * passes the same routes, authentication, scopes, quota, faults, eventual consistency and
 * request counting as a direct call. The marker is a per-sandbox secret, so only the sandbox
 * itself can make a request count as an inner call.
 */
export class Loopback {
  private readonly marker = randomBytes(16).toString("hex");
  private readonly agent: Agent;
  private port = 0;

  constructor(caPem: string) {
    this.agent = new Agent({ keepAlive: true, ca: caPem, maxSockets: 16 });
  }

  /** Called once the server listens. */
  listening(port: number): void {
    this.port = port;
  }

  isInnerCall(req: Request): boolean {
    return req.header(INNER_CALL_HEADER) === this.marker;
  }

  /** Sends one inner call; rejects when the sandbox drops the connection (a `reset` fault). */
  send(call: InnerCall): Promise<InnerReply> {
    return new Promise((resolve, reject) => {
      const body = Buffer.from(call.body);
      const req = request(
        {
          host: "127.0.0.1",
          port: this.port,
          method: call.method,
          // Clients put literal spaces in batch URLs ("$filter=mail eq 'x'"); the services accept them.
          path: call.path.replace(/[^\x21-\x7e]/g, encodeURIComponent),
          agent: this.agent,
          headers: { ...call.headers, "content-length": String(body.length), [INNER_CALL_HEADER]: this.marker },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 500, statusText: res.statusMessage ?? "", headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

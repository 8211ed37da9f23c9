import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The comment endpoints examples/ci/post-summary.sh calls, answered as GitHub's REST API (issue
 * comments of a pull request) and GitLab's (notes of a merge request) answer them: list (paged,
 * 100 a page), create, edit. Plain HTTP on 127.0.0.1; it keeps the comments and every request.
 */
export class CommentApi {
  /** The pull request's comments (GitHub). */
  readonly comments: { id: number; body: string }[] = [];
  /** The merge request's notes (GitLab). */
  readonly notes: { id: number; body: string }[] = [];
  readonly requests: { method: string; path: string; auth: string }[] = [];
  private nextId = 100;
  private server?: Server;
  url = "";

  static async start(): Promise<CommentApi> {
    const api = new CommentApi();
    api.server = createServer((req, res) => void api.handle(req).then(([status, body]) => res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body))));
    await new Promise<void>((resolve) => api.server!.listen(0, "127.0.0.1", resolve));
    api.url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    return api;
  }

  /** The environment post-summary.sh reads on GitHub Actions (pull request 7 of acme/groups). */
  githubEnv(): Record<string, string> {
    return { GITHUB_ACTIONS: "true", GITHUB_API_URL: this.url, GITHUB_REPOSITORY: "acme/groups", GITHUB_TOKEN: "gh-token", PR_NUMBER: "7" };
  }

  /** The environment post-summary.sh reads on GitLab CI (merge request 9 of project 3). */
  gitlabEnv(): Record<string, string> {
    return { GITLAB_CI: "true", CI_API_V4_URL: `${this.url}/api/v4`, CI_PROJECT_ID: "3", CI_MERGE_REQUEST_IID: "9", GROUP_EXPORT_NOTE_TOKEN: "gl-token" };
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    const url = new URL(req.url ?? "/", this.url);
    const auth = String(req.headers.authorization ?? req.headers["private-token"] ?? "");
    this.requests.push({ method: req.method ?? "", path: url.pathname, auth });
    if (auth !== "Bearer gh-token" && auth !== "gl-token") return [401, { message: "Bad credentials" }];
    let text = "";
    for await (const chunk of req) text += chunk;
    const store = url.pathname.startsWith("/api/v4/") ? this.notes : this.comments;
    const list = /^\/(repos\/acme\/groups\/issues\/7\/comments|api\/v4\/projects\/3\/merge_requests\/9\/notes)$/.test(url.pathname);
    const one = /^\/(?:repos\/acme\/groups\/issues\/comments|api\/v4\/projects\/3\/merge_requests\/9\/notes)\/(\d+)$/.exec(url.pathname);
    if (list && req.method === "GET") {
      const perPage = Number(url.searchParams.get("per_page") ?? 30);
      const page = Number(url.searchParams.get("page") ?? 1);
      return [200, store.slice((page - 1) * perPage, page * perPage)];
    }
    if (list && req.method === "POST") {
      const comment = { id: this.nextId++, body: (JSON.parse(text) as { body: string }).body };
      store.push(comment);
      return [201, comment];
    }
    if (one && (req.method === "PATCH" || req.method === "PUT")) {
      const comment = store.find((c) => c.id === Number(one[1]));
      if (!comment) return [404, { message: "Not Found" }];
      comment.body = (JSON.parse(text) as { body: string }).body;
      return [200, comment];
    }
    return [404, { message: "Not Found" }];
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

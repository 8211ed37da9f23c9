import { generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { PermissionError, ReadOnlyError } from "../../provider/clientErrors";
import { aliasChanges, aliasesSchema, aliasFields, checkAliases } from "../../provider/google/aliasPlan";
import { extrasChanged, refreshedInputs } from "../../provider/google/groupExtras";
import { GoogleGroupsSettingsClient, GROUPS_SETTINGS_SCOPE } from "../../provider/google/settingsClient";
import { observedManaged, settingsPatch } from "../../provider/google/settingsPlan";
import { DISTRIBUTION_LIST_SETTINGS, groupSettingsSchema, resolveSettings } from "../../provider/google/settingsSchema";
import type { GoogleSettings } from "../../provider/settings";

describe("Google group settings: schema, default and plan", function () {
  it("normalizes booleans to the API's strings and refuses values outside the reference's enums", () => {
    expect(groupSettingsSchema.parse({ allowExternalMembers: true, isArchived: "false" })).to.deep.equal({ allowExternalMembers: "true", isArchived: "false" });
    const bad = groupSettingsSchema.safeParse({ whoCanViewMembership: "ALL_OWNERS_CAN_VIEW", whoCanJoin: "EVERYONE", allowExternalMembers: "yes" });
    expect(bad.success).to.equal(false);
    const paths = bad.error!.issues.map((i) => i.path.join("."));
    expect(paths).to.include.members(["whoCanViewMembership", "whoCanJoin", "allowExternalMembers"]);
    expect(groupSettingsSchema.safeParse({ whoCanEatCake: "ALL" }).error!.issues[0].message).to.match(/whoCanEatCake: not a group setting/);
    expect(groupSettingsSchema.safeParse({ customFooterText: "x".repeat(1001) }).success).to.equal(false);
    expect(groupSettingsSchema.safeParse({ customFooterText: "x".repeat(1000) }).success).to.equal(true);
  });

  it("lays the declared fields over the distribution-list default, or over nothing with settingsDefault none", () => {
    expect(resolveSettings(undefined, undefined)).to.deep.equal({ settings: { ...DISTRIBUTION_LIST_SETTINGS }, failures: [] });
    const overridden = resolveSettings({ whoCanPostMessage: "ALL_MEMBERS_CAN_POST", allowExternalMembers: "true" }, "distributionList");
    expect(overridden.settings).to.deep.equal({ ...DISTRIBUTION_LIST_SETTINGS, whoCanPostMessage: "ALL_MEMBERS_CAN_POST", allowExternalMembers: "true" });
    expect(resolveSettings({ whoCanLeaveGroup: "NONE_CAN_LEAVE" }, "none").settings).to.deep.equal({ whoCanLeaveGroup: "NONE_CAN_LEAVE" });
    expect(resolveSettings(undefined, "none").settings).to.deep.equal({});
  });

  it("applies the archive-only rule: archiveOnly forces NONE_CAN_POST; NONE_CAN_POST alone, or another permission with archiveOnly, is refused", () => {
    expect(resolveSettings({ archiveOnly: "true" }, undefined)).to.deep.include({ failures: [] });
    expect(resolveSettings({ archiveOnly: "true" }, undefined).settings.whoCanPostMessage).to.equal("NONE_CAN_POST");
    expect(resolveSettings({ archiveOnly: "true", whoCanPostMessage: "NONE_CAN_POST" }, "none").failures).to.deep.equal([]);
    const clash = resolveSettings({ archiveOnly: "true", whoCanPostMessage: "ANYONE_CAN_POST" }, undefined).failures;
    expect(clash).to.have.length(1);
    expect(clash[0]).to.include({ field: "whoCanPostMessage" });
    expect(clash[0].reason).to.match(/archiveOnly is "true".*remove whoCanPostMessage/);
    const alone = resolveSettings({ whoCanPostMessage: "NONE_CAN_POST" }, undefined).failures;
    expect(alone[0].reason).to.match(/only for an archive-only group: set archiveOnly "true"/);
  });

  it("requires customReplyTo exactly with REPLY_TO_CUSTOM, and a footer text exactly with includeCustomFooter", () => {
    expect(resolveSettings({ replyTo: "REPLY_TO_CUSTOM" }, undefined).failures[0]).to.include({ field: "customReplyTo" });
    expect(resolveSettings({ replyTo: "REPLY_TO_CUSTOM", customReplyTo: "replies@example.com" }, undefined).failures).to.deep.equal([]);
    expect(resolveSettings({ customReplyTo: "replies@example.com" }, undefined).failures[0].reason).to.match(/has no effect while replyTo is REPLY_TO_IGNORE/);
    expect(resolveSettings({ includeCustomFooter: "true" }, undefined).failures[0]).to.include({ field: "customFooterText" });
    expect(resolveSettings({ customFooterText: "Sent to the list" }, undefined).failures[0].reason).to.match(/set includeCustomFooter true/);
    expect(resolveSettings({ includeCustomFooter: "true", customFooterText: "Sent to the list" }, undefined).failures).to.deep.equal([]);
  });

  it("patches only the managed fields that differ, and reads back only the managed fields", () => {
    const observed = { kind: "groupsSettings#groups", whoCanJoin: "ANYONE_CAN_JOIN", whoCanPostMessage: "ALL_IN_DOMAIN_CAN_POST", spamModerationLevel: "REJECT", maxMessageBytes: 26214400 };
    expect(settingsPatch({ whoCanJoin: "INVITED_CAN_JOIN", whoCanPostMessage: "ALL_IN_DOMAIN_CAN_POST" }, observed)).to.deep.equal({ whoCanJoin: "INVITED_CAN_JOIN" });
    expect(settingsPatch({ whoCanPostMessage: "ALL_IN_DOMAIN_CAN_POST" }, observed)).to.deep.equal({});
    expect(observedManaged(["whoCanPostMessage", "whoCanJoin", "replyTo"], observed)).to.deep.equal({ whoCanPostMessage: "ALL_IN_DOMAIN_CAN_POST", whoCanJoin: "ANYONE_CAN_JOIN", replyTo: "" });
  });
});

describe("Google group aliases: schema and plan", function () {
  it("lowercases and sorts aliases, refusing malformed and repeated ones", () => {
    expect(aliasesSchema.parse(["B@example.com", "a@example.com"])).to.deep.equal(["a@example.com", "b@example.com"]);
    expect(aliasesSchema.safeParse(["not-an-address"]).error!.issues[0].message).to.match(/is not an email address/);
    const repeated = aliasesSchema.safeParse(["a@example.com", "A@example.com"]).error!.issues[0];
    expect(repeated.path).to.deep.equal([1]);
    expect(repeated.message).to.match(/list each alias once/);
  });

  it("refuses the group's own email and addresses outside the directory's domains", () => {
    const failures = checkAliases(["eng@example.com", "x@elsewhere.net", "ok@example.com"], "eng@example.com", ["example.com"]);
    expect(failures.map((f) => f.index)).to.deep.equal([0, 1]);
    expect(failures[0].reason).to.match(/is the group's email/);
    expect(failures[1].reason).to.match(/not in the directory's domains \(example.com\)/);
  });

  it("changes {a1, a2} to {a2, a3} by one insert and one delete, leaving Google's own aliases and the declared address alone", () => {
    expect(aliasChanges(["a2@example.com", "a3@example.com"], ["a1@example.com", "a2@example.com"])).to.deep.equal({ add: ["a3@example.com"], remove: ["a1@example.com"] });
    const group = { email: "eng@example.com", aliases: ["team@example.com", "a1@example.com", "eng@example.test-google-a.com"], nonEditableAliases: ["eng@example.test-google-a.com"] };
    expect(aliasFields(group, "team@example.com")).to.deep.equal({ aliases: ["a1@example.com"], nonEditableAliases: ["eng@example.test-google-a.com"] });
  });
});

describe("Google group settings and aliases: diff and refresh", function () {
  const settings = { whoCanJoin: "INVITED_CAN_JOIN" } as const;
  it("changes in place when a managed setting, the managed set or the declared aliases differ; never for undeclared aliases", () => {
    const state = { settings: { ...settings }, aliases: ["a1@example.com"], aliasesManaged: true };
    expect(extrasChanged(state, { email: "g@example.com", settings, aliases: ["a1@example.com"] })).to.equal(false);
    expect(extrasChanged(state, { email: "g@example.com", settings: { whoCanJoin: "ANYONE_CAN_JOIN" }, aliases: ["a1@example.com"] })).to.equal(true);
    expect(extrasChanged(state, { email: "g@example.com", settings: { ...settings, isArchived: "false" }, aliases: ["a1@example.com"] })).to.equal(true);
    expect(extrasChanged(state, { email: "g@example.com", settings, aliases: ["a2@example.com"] })).to.equal(true);
    expect(extrasChanged(state, { email: "g@example.com", settings }), "aliases no longer declared: recorded").to.equal(true);
    expect(extrasChanged({ settings: { ...settings }, aliases: ["by-hand@example.com"] }, { email: "g@example.com", settings }), "undeclared aliases are not managed").to.equal(false);
  });

  it("records observed aliases as an input only when declared, and never the bookkeeping fields", () => {
    const inputs = { email: "g@example.com", settings: { ...settings }, aliases: ["x@example.com"], nonEditableAliases: ["g@example.com.test-google-a.com"], aliasesManaged: true };
    expect(refreshedInputs(inputs, { aliases: ["a1@example.com", "by-hand@example.com"], aliasesManaged: true })).to.deep.equal({ email: "g@example.com", settings, aliases: ["a1@example.com", "by-hand@example.com"] });
    expect(refreshedInputs(inputs, { aliases: ["a1@example.com"] })).to.deep.equal({ email: "g@example.com", settings });
  });
});

/** The settings client against a scripted plain-HTTP server: what it sends, and what it makes of the answers. */
describe("Google Groups Settings client", function () {
  interface Seen {
    method: string;
    url: string;
    body: string;
  }
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  let admins = 0;

  async function withServer(script: (req: Seen, res: ServerResponse, n: number) => void, run: (settings: GoogleSettings, seen: Seen[], tokens: string[]) => Promise<void>, readOnly = false) {
    const seen: Seen[] = [];
    const tokens: string[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d));
      req.on("end", () => {
        const entry = { method: req.method ?? "GET", url: req.url ?? "", body };
        if (/\/token$/.test(entry.url)) {
          tokens.push(body);
          return script(entry, res, 0);
        }
        seen.push(entry);
        script(entry, res, seen.length);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const credentials = { type: "service_account" as const, client_email: "sa@project.iam.gserviceaccount.com", private_key: privateKey };
    const settings: GoogleSettings = { credentials, serviceAccountEmail: credentials.client_email, adminEmail: `settings-admin${++admins}@example.com`, apiRootUrl: `${url}/`, tokenUrl: `${url}/token`, readOnly, quotaPerMinute: 100_000 };
    try {
      await run(settings, seen, tokens);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const token = (res: ServerResponse) => json(res, 200, { access_token: "t", expires_in: 3600, token_type: "Bearer" });
  const notFound = (res: ServerResponse) => json(res, 404, { error: { code: 404, message: "Resource Not Found: groupUniqueId", errors: [{ reason: "notFound", message: "Resource Not Found: groupUniqueId" }] } });

  it("reads by the group's email with alt=json, asking a token for the settings scope only", async () => {
    await withServer(
      (req, res, n) => (n === 0 ? token(res) : json(res, 200, { kind: "groupsSettings#groups", whoCanJoin: "INVITED_CAN_JOIN" })),
      async (settings, seen, tokens) => {
        const got = await new GoogleGroupsSettingsClient(settings).get("Lists@example.com");
        expect(got).to.include({ whoCanJoin: "INVITED_CAN_JOIN" });
        expect(seen[0]).to.include({ method: "GET", url: "/groups/v1/groups/Lists%40example.com?alt=json" });
        const assertion = new URLSearchParams(tokens[0]).get("assertion")!;
        const claims = JSON.parse(Buffer.from(assertion.split(".")[1], "base64url").toString());
        expect(claims.scope).to.equal(GROUPS_SETTINGS_SCOPE);
      },
    );
  });

  it("waits out a 404 only for a group this run created, and PATCHes only the given fields", async () => {
    await withServer(
      (req, res, n) => (n === 0 ? token(res) : n === 1 ? notFound(res) : json(res, 200, { kind: "groupsSettings#groups", ...(req.body ? JSON.parse(req.body) : {}) })),
      async (settings, seen) => {
        const patched = await new GoogleGroupsSettingsClient(settings).patch("new@example.com", { whoCanJoin: "INVITED_CAN_JOIN" }, true);
        expect(patched).to.include({ whoCanJoin: "INVITED_CAN_JOIN" });
        expect(seen).to.have.length(2);
        expect(seen.map((s) => s.method)).to.deep.equal(["PATCH", "PATCH"]);
        expect(JSON.parse(seen[1].body)).to.deep.equal({ whoCanJoin: "INVITED_CAN_JOIN" });
      },
    );
    await withServer(
      (req, res, n) => (n === 0 ? token(res) : notFound(res)),
      async (settings, seen) => {
        expect(await new GoogleGroupsSettingsClient(settings).get("gone@example.com")).to.equal(undefined);
        expect(seen, "a 404 of a group this run did not create is the answer").to.have.length(1);
      },
    );
  });

  it("refuses a write in read-only mode before sending it; reads still work", async () => {
    await withServer(
      (req, res, n) => (n === 0 ? token(res) : json(res, 200, { kind: "groupsSettings#groups" })),
      async (settings, seen) => {
        const client = new GoogleGroupsSettingsClient(settings);
        const error = await client.patch("lists@example.com", { whoCanJoin: "INVITED_CAN_JOIN" }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(ReadOnlyError);
        expect((error as Error).message).to.match(/refused to change the settings of group lists@example.com in Google \(nothing was sent\)/);
        expect(seen).to.have.length(0);
        await client.get("lists@example.com");
        expect(seen).to.have.length(1);
      },
      true,
    );
  });

  it("names the missing apps.groups.settings scope when the delegation or the token lacks it", async () => {
    await withServer(
      (req, res) => json(res, 401, { error: "unauthorized_client", error_description: "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested." }),
      async (settings) => {
        const error = await new GoogleGroupsSettingsClient(settings).get("lists@example.com").then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(PermissionError);
        expect((error as Error).message).to.include(GROUPS_SETTINGS_SCOPE).and.to.include("Domain-wide delegation").and.to.include("may not read the settings of group lists@example.com");
      },
    );
    await withServer(
      (req, res, n) => (n === 0 ? token(res) : json(res, 403, { error: { code: 403, message: "Request had insufficient authentication scopes.", errors: [{ reason: "insufficientPermissions", message: "Request had insufficient authentication scopes." }] } })),
      async (settings) => {
        const error = await new GoogleGroupsSettingsClient(settings).get("lists@example.com").then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(PermissionError);
        expect((error as Error).message).to.include(`lacks the scope ${GROUPS_SETTINGS_SCOPE}`).and.to.include("read the settings of group lists@example.com");
      },
    );
  });
});

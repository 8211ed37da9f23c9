import { Router, type Request, type Response } from "express";
import { z } from "zod";
import { queryOf, type GoogleContext } from "./context";
import { googleErrors, sendGoogleError } from "./googleErrorResponses";
import { allowScopes } from "./oauth";
import { ACCEPTED_SCOPES } from "./scopes";
import { GROUP_SETTINGS_DEFAULTS, groupSettingsPatchSchema, type GroupSettings } from "./settingsSchema";
import { findGoogleGroup, inCustomerDomains, type SandboxGoogleGroup } from "./tenant";

/**
 * The group a settings call names. The API keys groups by address (`groupUniqueId` is "the
 * group's email address"), so a Directory id finds nothing; a group the Settings API does not
 * see yet (its own lag after an insert) is a 404, and an address outside the customer a 403,
 * as on the Directory API.
 */
function lookupSettingsGroup(ctx: GoogleContext, res: Response, key: string): SandboxGoogleGroup | undefined {
  const group = key.includes("@") ? findGoogleGroup(ctx.tenant(), key) : undefined;
  if (group && ctx.propagation.visibleToSettings(group)) return group;
  if (key.includes("@") && !inCustomerDomains(ctx.tenant(), key)) googleErrors.forbidden(res);
  else googleErrors.notFound(res, "groupUniqueId");
  return undefined;
}

/** Name and description travel with the settings and write through to the group. */
const groupFieldsSchema = z.object({ name: z.string().max(75).optional(), description: z.string().max(300).optional() });

function settingsResource(g: SandboxGoogleGroup) {
  return { kind: "groupsSettings#groups", email: g.email, name: g.name, description: g.description, ...(g.settings ?? GROUP_SETTINGS_DEFAULTS) };
}

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * The API's default format is Atom, not JSON: a GET without `alt=json` gets XML (a known
 * trap: clients that forget `alt=json` cannot parse the answer). Writes answer JSON.
 */
function settingsAtom(resource: ReturnType<typeof settingsResource>): string {
  const fields = Object.entries(resource)
    .filter(([k]) => k !== "kind")
    .map(([k, v]) => ` <apps:${k}>${xmlEscape(String(v))}</apps:${k}>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<entry xmlns="http://www.w3.org/2005/Atom" xmlns:apps="http://schemas.google.com/apps/2006" xmlns:gd="http://schemas.google.com/g/2005">',
    ` <id>tag:googleapis.com,2010:apps:groupssettings:GROUP:${xmlEscape(resource.email)}</id>`,
    " <title>Groups Resource Entry</title>",
    ` <content type="text">${xmlEscape(resource.name)}</content>`,
    " <author>\n  <name>Google</name>\n </author>",
    ...fields,
    "</entry>",
    "",
  ].join("\n");
}

const invalidValue = (res: Response) => sendGoogleError(res, 400, "Invalid Value", "invalid");

/** Google's explanations of the archive-only rule (as GAM users report them, GAM-team/GAM#83). */
export const ARCHIVE_ONLY_MESSAGES = {
  noneCanPostNeedsArchive: "Invalid attribute value: whoCanPostMessages=NONE_CAN_POST. To set PostPermissions to NONE_CAN_POST, please use enable ArchiveOnly mode.",
  archiveNeedsNoneCanPost: "Inconsistent Input: If archiveOnly is true then PostPermission can only be NONE_CAN_POST",
} as const;

/**
 * The settings after a write, or the message of the 400 for an inconsistent one. As the
 * reference documents: archiveOnly "true" forces whoCanPostMessage NONE_CAN_POST (naming
 * another value in the same request is an error); reverting archiveOnly to "false" resets it
 * to ALL_MANAGERS_CAN_POST; NONE_CAN_POST without archiveOnly "true" is an error.
 */
function applySettings(current: GroupSettings, patch: Partial<GroupSettings>): GroupSettings | string {
  const next: GroupSettings = { ...current, ...patch, customRolesEnabledForSettingsToBeMerged: current.customRolesEnabledForSettingsToBeMerged };
  if (patch.archiveOnly === "true") {
    if (patch.whoCanPostMessage && patch.whoCanPostMessage !== "NONE_CAN_POST") return ARCHIVE_ONLY_MESSAGES.archiveNeedsNoneCanPost;
    next.whoCanPostMessage = "NONE_CAN_POST";
  } else if (patch.archiveOnly === "false" && current.archiveOnly === "true" && !patch.whoCanPostMessage) {
    next.whoCanPostMessage = "ALL_MANAGERS_CAN_POST";
  }
  if (next.whoCanPostMessage === "NONE_CAN_POST" && next.archiveOnly !== "true") return ARCHIVE_ONLY_MESSAGES.noneCanPostNeedsArchive;
  if (next.replyTo === "REPLY_TO_CUSTOM" && !next.customReplyTo) return "Invalid Value";
  return next;
}

/** The Groups Settings API, mounted at /groups/v1 (key: the group's email). */
export function groupsSettingsApi(ctx: GoogleContext): Router {
  const r = Router();
  r.use(allowScopes(ACCEPTED_SCOPES.groupsSettings));

  r.get("/groups/:groupUniqueId", (req, res) => {
    const g = lookupSettingsGroup(ctx, res, String(req.params.groupUniqueId));
    if (!g) return;
    // Right after a write the API can still answer the previous values (see Propagation.settingsWritten).
    const stale = ctx.propagation.staleSettings(g) as GroupSettings | undefined;
    const resource = stale ? { ...settingsResource(g), ...stale } : settingsResource(g);
    if (queryOf(req).alt === "json") res.json(resource);
    else res.type("application/atom+xml; charset=UTF-8").send(settingsAtom(resource));
  });

  // The API documents PUT as a full update but keeps omitted fields; the sandbox does too.
  const update = (req: Request, res: Response) => {
    const g = lookupSettingsGroup(ctx, res, String(req.params.groupUniqueId));
    if (!g) return;
    const patch = groupSettingsPatchSchema.safeParse(req.body ?? {});
    const groupFields = groupFieldsSchema.safeParse(req.body ?? {});
    if (!patch.success || !groupFields.success) return invalidValue(res);
    const next = applySettings(g.settings ?? GROUP_SETTINGS_DEFAULTS, patch.data);
    if (typeof next === "string") return sendGoogleError(res, 400, next, "invalid");
    ctx.propagation.settingsWritten(g, g.settings ?? GROUP_SETTINGS_DEFAULTS);
    g.settings = next;
    if (groupFields.data.name !== undefined) g.name = groupFields.data.name;
    if (groupFields.data.description !== undefined) g.description = groupFields.data.description;
    res.json(settingsResource(g));
  };
  r.put("/groups/:groupUniqueId", update);
  r.patch("/groups/:groupUniqueId", update);
  return r;
}

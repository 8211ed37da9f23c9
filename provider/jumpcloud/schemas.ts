import { z } from "zod";

/**
 * The shapes of the JumpCloud API answers this package reads, after JumpCloud's published
 * OpenAPI documents (API v2 `UserGroup`, `GraphObjectWithPaths`, `GraphConnection`,
 * `Directory`; API v1 `systemuserslist` / `systemuserreturn`). Loose objects: JumpCloud returns
 * many more fields (sudo, samba, memberQuery...), which are kept but not read.
 */

/** A v2 user group (`GET /api/v2/usergroups`, `GET /api/v2/usergroups/{id}`). */
export const jumpCloudUserGroupSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  /** The group's email attribute: the address of the distribution group it is exported to in Google Workspace. */
  email: z.string().nullish(),
  description: z.string().nullish(),
  type: z.literal("user_group").optional(),
});
export type JumpCloudUserGroup = z.infer<typeof jumpCloudUserGroupSchema>;

/** A node of the JumpCloud graph, as traversal endpoints return it (`.../membership`, `/gsuites/{id}/usergroups`). */
export const graphObjectWithPathsSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string(),
  paths: z.array(z.array(z.unknown())).optional(),
  compiledAttributes: z.record(z.string(), z.unknown()).nullish(),
});
export type GraphObjectWithPaths = z.infer<typeof graphObjectWithPathsSchema>;

/** A directory (`GET /api/v2/directories`): Google Workspace is `g_suite`, Microsoft 365 / Entra ID `office_365`. */
export const jumpCloudDirectorySchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  type: z.string(),
  defaultDomain: z.looseObject({ id: z.string().optional(), domain: z.string().optional() }).nullish(),
});
export type JumpCloudDirectory = z.infer<typeof jumpCloudDirectorySchema>;

/** A v1 system user (`GET /api/systemusers`); `_id` is the id the v2 graph uses. */
export const jumpCloudSystemUserSchema = z.looseObject({
  _id: z.string().min(1),
  email: z.string(),
  username: z.string().optional(),
  state: z.enum(["STAGED", "ACTIVATED", "SUSPENDED"]).optional(),
});
export type JumpCloudSystemUser = z.infer<typeof jumpCloudSystemUserSchema>;

export const systemUsersPageSchema = z.looseObject({
  totalCount: z.number().int().min(0),
  results: z.array(jumpCloudSystemUserSchema),
});

/** JumpCloud's error bodies: `{ "message": "..." }`, sometimes with `error` or `code`. */
export const jumpCloudErrorBodySchema = z.looseObject({
  message: z.string().optional(),
  error: z.string().optional(),
  code: z.number().optional(),
});

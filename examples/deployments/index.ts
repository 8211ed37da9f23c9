import * as pulumi from "@pulumi/pulumi";
import { declareTenantDeployments, deploymentsConfigSchema, planTenantDeployments, type DeploymentsConfig } from "./tenantDeployments";

// This program's settings are its stack config (README.md beside this file), checked by
// deploymentsConfigSchema. Lists, maps, booleans and numbers are given as JSON
// (`pulumi config set environments '["group-export/credentials"]'`), the others as text.
const JSON_KEYS = new Set(["environments", "environmentVariables", "installCommands", "autoRemediate", "deployCommits", "maxConcurrentDeployments", "createStacks"]);
const config = new pulumi.Config();
const raw: Record<string, unknown> = {};
for (const key of Object.keys(deploymentsConfigSchema.shape)) {
  const value = JSON_KEYS.has(key) ? config.getObject<unknown>(key) : config.get(key);
  if (value !== undefined) raw[key] = value;
}

const deployments = planTenantDeployments(raw as DeploymentsConfig, __dirname);
/** Per tenant: its stack, its quota settings lowered to its share of the budgets, and the credentials its ESC environment must give. */
export const tenants = declareTenantDeployments(deployments, { createStacks: raw.createStacks !== false }).tenants;

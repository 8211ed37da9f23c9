/**
 * Runs the provider's Google client in a process of its own, as the dynamic provider does:
 * started with NODE_EXTRA_CA_CERTS (read only at process start) and the stack config given as
 * JSON in GROUP_EXPORT_PROBE_CONFIG. Prints one JSON line: `{ result }` or `{ error }`.
 *
 * GROUP_EXPORT_PROBE_MODE: "directory" (default) reads a group and its members and adds one
 * member through the batch endpoint; "authorize" runs the "authorize sync" check.
 */
import { ProviderContext } from "../../provider/context";
import { authorizeGoogle } from "../../provider/google/authorize";

async function probe(): Promise<unknown> {
  const config = JSON.parse(process.env.GROUP_EXPORT_PROBE_CONFIG ?? "{}") as Record<string, string>;
  const context = new ProviderContext({ get: (key) => config[key] });
  if (process.env.GROUP_EXPORT_PROBE_MODE === "authorize") {
    return authorizeGoogle({ directoryKey: "google:my_customer", service: "google", enabled: true, domains: ["example.com"] }, "my_customer", context.settings.google(), () => context.google());
  }
  const settings = context.settings.google();
  const client = context.google();
  await client.verifyAccess("my_customer");
  const group = await client.getGroup("eng@example.com");
  const members = await client.listMembers("eng@example.com");
  const added = await client.insertMembers("eng@example.com", ["admin@example.com"]);
  return { credentialsType: settings.credentials.type, serviceAccountEmail: settings.serviceAccountEmail, group, members, added };
}

probe().then(
  (result) => console.log(JSON.stringify({ result })),
  (error: unknown) => console.log(JSON.stringify({ error: error instanceof Error ? error.message : String(error) })),
);

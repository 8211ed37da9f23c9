import * as pulumi from "./pulumi";
import { encodeManagementRef } from "../provider/resources/referenceText";
import { directoryGroupManagementArgsSchema, managementRef, type ManagementRef } from "../provider/groups/management";
import { PROGRAM_MANIFEST_KEY } from "../provider/groups/programManifest";
import { attachManifest, newManifest } from "./programManifest";
import { providerStub, TYPE_MODULE, withoutRecordedStackTraces } from "./providerStub";

/** A Google Workspace customer, as {@link DirectoryGroupManagementArgs.google} takes it. */
export interface GoogleDirectoryArgs {
  /**
   * The Workspace domains group addresses may use, the primary domain first (e.g.
   * `["example.com", "example.org"]`); lowercased. At least one.
   *
   * Changing it updates in place. A group whose `email` is in none of them fails at preview
   * (`email … is not in the directory's domains`). Errors: an entry that is not a domain name
   * (`google.domains.0 is not a domain name`), an empty list.
   */
  readonly domains: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The Workspace customer id (Admin console, Account settings, e.g. `C01abc2de`). Default
   * `"my_customer"`: the customer of the admin the service account impersonates.
   * Changing it replaces the resource (another customer is another directory).
   */
  readonly customerId?: pulumi.Input<string>;
}

/** A Microsoft Entra ID tenant, as {@link DirectoryGroupManagementArgs.entra} takes it. */
export interface EntraDirectoryArgs {
  /**
   * The tenant (directory) id, a GUID from the Entra admin center (Overview); lowercased.
   * Changing it replaces the resource (another tenant is another directory).
   * Error at preview: `entra.tenantId is not a tenant id` when it is no GUID.
   */
  readonly tenantId: pulumi.Input<string>;
}

/**
 * The set of arguments for constructing a {@link DirectoryGroupManagement}. Set exactly one
 * of `google` and `entra` (else the preview fails: `exactly one of google and entra must be
 * set`). Checked by the provider against `directoryGroupManagementArgsSchema`
 * (provider/groups/management.ts); test/unit/sdkContract.test.ts keeps the two equal.
 */
export interface DirectoryGroupManagementArgs {
  /** A Google Workspace customer: its domains and customer id. See {@link GoogleDirectoryArgs}. */
  readonly google?: pulumi.Input<GoogleDirectoryArgs>;
  /** A Microsoft Entra ID tenant. See {@link EntraDirectoryArgs}. */
  readonly entra?: pulumi.Input<EntraDirectoryArgs>;
  /**
   * The seed's "Enable management of groups and memberships" switch. Default `true`. While
   * `false`, no group or binding of this directory changes anything remotely (their previews
   * say `management of … is disabled: no change`); turning it on again makes the next
   * `pulumi up` reconcile everything. Changing it updates in place (and every group and
   * binding of the directory shows the switch in its `management` line).
   */
  readonly enabled?: pulumi.Input<boolean>;
}

/**
 * The "Enable management of groups and memberships" switch of one directory, and the
 * proof that sync is authorized there: creating or updating it verifies that the
 * configured credentials can manage groups in the directory (else the apply fails naming
 * the directory, the principal and the missing scope or permission; docs/guides/credentials.md).
 * Deleting it releases management; nothing remote is deleted. Its id is the directory key
 * (`google:<customer>` or `entra:<tenant>`).
 *
 * @example
 * const workspace = new DirectoryGroupManagement("workspace", {
 *   google: { domains: ["example.com"] },
 * });
 * new GoogleDistributionGroup("eng", { management: workspace, email: "eng@example.com" });
 */
export class DirectoryGroupManagement extends pulumi.dynamic.Resource {
  /** The directory: `"google:<customer id>"` or `"entra:<tenant id>"` (also the resource's id). */
  declare public readonly directoryKey: pulumi.Output<string>;
  /** The switch as last applied (`true`: groups and bindings of this directory change things remotely). */
  declare public readonly enabled: pulumi.Output<boolean>;
  /** The Google customer as given (domains lowercased, customer id defaulted); absent for Entra. */
  declare public readonly google: pulumi.Output<{ domains: string[]; customerId: string } | undefined>;
  /** The Entra tenant as given (tenant id lowercased); absent for Google. */
  declare public readonly entra: pulumi.Output<{ tenantId: string } | undefined>;
  /**
   * Who was verified to manage groups there: the service account's address (Google) or the
   * application's client id (Entra); empty while `enabled` is false.
   */
  declare public readonly principal: pulumi.Output<string>;

  /**
   * What this directory's groups and bindings carry of it, known at preview from the
   * arguments: directory key, service, switch, and (Google) domains or (Entra) tenant id.
   */
  public readonly ref: pulumi.Output<ManagementRef>;

  /**
   * The directory's service, known when the program runs (from which of `google` and `entra`
   * is given, or the id's prefix for `get`); undefined when it cannot be told then.
   */
  public readonly service: "google" | "entra" | undefined;

  /**
   * Reads the state of an existing management switch into this program without managing it
   * (nothing remote is read: the switch lives in a program, its id is the directory key).
   * Use it to name a directory in messages; groups and bindings need a
   * `DirectoryGroupManagement` of this program (with its domains), not one got here.
   *
   * @param name The unique name of the resulting resource.
   * @param id The directory key, `"google:<customer id>"` or `"entra:<tenant id>"`.
   * @param opts Options for the resource (`id` is set from `id`).
   */
  public static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): DirectoryGroupManagement {
    return new DirectoryGroupManagement(name, undefined, { ...opts, id });
  }

  /**
   * Creates a DirectoryGroupManagement.
   * @param name The unique name of the resource.
   * @param args The directory and the switch (exactly one of `google`, `entra`).
   * @param opts Options for the resource.
   */
  constructor(name: string, args: DirectoryGroupManagementArgs, opts?: pulumi.CustomResourceOptions);
  /**
   * The form {@link DirectoryGroupManagement.get} uses: no arguments, `opts.id` the directory key.
   * @param name The unique name of the resulting resource.
   * @param args undefined: the switch is read, not declared.
   * @param opts Options for the resource, with `id` set.
   */
  constructor(name: string, args: DirectoryGroupManagementArgs | undefined, opts: pulumi.CustomResourceOptions);
  constructor(name: string, args: DirectoryGroupManagementArgs | undefined, opts?: pulumi.CustomResourceOptions) {
    const reading = args === undefined;
    // A get sends the id as the directory key and no principal (a stored state needs one): the read returns them (nothing remote to read).
    // The program's groups and bindings of this directory, sent with its check (sdk/programManifest.ts).
    const program = reading ? undefined : newManifest();
    const props = reading
      ? { directoryKey: opts?.id, google: undefined, entra: undefined, enabled: undefined, principal: "" }
      : { enabled: true, ...args, directoryKey: undefined, principal: undefined, [PROGRAM_MANIFEST_KEY]: program!.input };
    const restore = withoutRecordedStackTraces();
    try {
      super(providerStub("DirectoryGroupManagement"), name, props, opts, TYPE_MODULE, "DirectoryGroupManagement");
    } finally {
      restore();
    }
    if (program) attachManifest(this, program.manifest);
    const idPrefix = typeof opts?.id === "string" ? /^(google|entra):/.exec(opts.id)?.[1] : undefined;
    this.service = reading ? (idPrefix as "google" | "entra" | undefined) : args.google !== undefined ? "google" : args.entra !== undefined ? "entra" : undefined;
    const plainArgs = reading ? { google: undefined, entra: undefined, enabled: false } : { google: args.google, entra: args.entra, enabled: args.enabled ?? true };
    this.ref = pulumi.output(plainArgs).apply((plain) => {
      const parsed = directoryGroupManagementArgsSchema.safeParse(plain);
      // Invalid arguments are reported by the provider's check, naming the field; keep a usable ref meanwhile.
      return parsed.success ? managementRef(parsed.data) : { directoryKey: `${plain.google ? "google" : "entra"}:invalid`, service: plain.google ? ("google" as const) : ("entra" as const), enabled: false };
    });
  }
}

/**
 * What groups and bindings derive from their management, made once per management and shared:
 * a program of a thousand groups holds one Output of each, not one per resource (each Output
 * costs the program ~1.5 KB while it runs: its promises and their bookkeeping).
 */
interface Derived {
  reference?: pulumi.Output<string>;
  directoryKey?: pulumi.Output<string>;
  service?: pulumi.Output<"google" | "entra">;
  /** The switch once known, and the resources waiting to be warned about until then. */
  switch?: { ref?: ManagementRef; waiting: [kind: string, resource: pulumi.Resource][] };
}
const derived = new WeakMap<DirectoryGroupManagement, Derived>();

function derivedOf(management: DirectoryGroupManagement): Derived {
  let d = derived.get(management);
  if (!d) derived.set(management, (d = {}));
  return d;
}

/** The directory key of a management (`"google:<customer>"`, `"entra:<tenant>"`), shared by its groups and bindings. */
export function directoryKeyOf(management: DirectoryGroupManagement): pulumi.Output<string> {
  const d = derivedOf(management);
  return (d.directoryKey ??= management.ref.apply((ref) => ref.directoryKey));
}

/** The service of a management, shared by its groups and bindings. */
export function serviceOf(management: DirectoryGroupManagement): pulumi.Output<"google" | "entra"> {
  const d = derivedOf(management);
  return (d.service ??= management.ref.apply((ref) => ref.service));
}

/** Groups and bindings take the management resource; this warns at preview while it is disabled (one Output per management). */
export function warnWhileDisabled(management: DirectoryGroupManagement, resource: pulumi.Resource, kind: string): void {
  const d = derivedOf(management);
  const warn = (ref: ManagementRef, what: string, about: pulumi.Resource) => {
    if (!ref.enabled) void pulumi.log.warn(`${what}: management of ${ref.directoryKey} is disabled: no change`, about);
  };
  if (!d.switch) {
    const entry: NonNullable<Derived["switch"]> = { waiting: [] };
    d.switch = entry;
    management.ref.apply((ref) => {
      entry.ref = ref;
      for (const [what, about] of entry.waiting.splice(0)) warn(ref, what, about);
    });
  }
  // A resource declared after the switch is known (an async program) is warned about at once.
  if (d.switch.ref) warn(d.switch.ref, kind, resource);
  else d.switch.waiting.push([kind, resource]);
}

/** The one-line reference a binding sends for its directory (see provider/resources/referenceText.ts), shared by the management's resources. */
export function managementReference(management: DirectoryGroupManagement): pulumi.Output<string> {
  const d = derivedOf(management);
  return (d.reference ??= management.ref.apply(encodeManagementRef));
}

/**
 * The management reference a group or binding sends: the directory's, or, while the resource's
 * `enabled` input is false, the same marked as waiting (the group stays pending and writes
 * nothing), or, while it is `released`, marked as released (nothing is read, written or deleted;
 * `released` is true or the reason the preview gives).
 */
export function groupManagementReference(
  management: DirectoryGroupManagement,
  enabled: pulumi.Input<boolean> | undefined,
  resource: string,
  released?: pulumi.Input<boolean | string>,
): pulumi.Output<string> {
  if (enabled === undefined && released === undefined) return managementReference(management);
  return pulumi.all([management.ref, enabled ?? true, released ?? false]).apply(([ref, on, release]) => {
    const why = release === true ? `${resource} has released: true` : typeof release === "string" && release !== "" ? release : undefined;
    if (!on && !why) void pulumi.log.info(`${resource}: not made yet (enabled is false, e.g. its user group has no users): no change`);
    return encodeManagementRef({ ...ref, ...(on ? {} : { waitingFor: `${resource} has enabled: false` }), ...(why ? { released: why } : {}) });
  });
}

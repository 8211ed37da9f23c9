import type * as pulumi from "@pulumi/pulumi";
import { UNKNOWN } from "../contract/checkInputs";
import { bindingTargetSchema, type BindingTarget } from "../groups/bindingSchema";
import { managementRefSchema, type ManagementRef } from "../groups/management";

/**
 * How groups and bindings carry their directory's management (and bindings their target
 * group, see {@link encodeBindingTarget}): one line of text, not an
 * object, so a preview shows it in one line per resource instead of six to eight
 * (`management: "google:my_customer [example.com]"`), while it still holds everything the
 * provider needs on its own at check, diff, refresh and destroy (where only the resource's own
 * inputs and state exist): the directory, the switch, the Google domains, and why a group waits.
 *
 *   google:<customer id, URI-encoded> [<domain>, <domain>…]   Google Workspace customer and its domains
 *   entra:<tenant id>                                         Entra ID tenant
 *   … (management disabled)                                   the switch is off: no remote change
 *   … (waiting: <why>)                                        the group is not made yet (SDK: enabled false)
 *   … (released: <why>)                                       no longer synced: nothing is read, written or deleted
 *
 * The handlers keep working on the {@link ManagementRef} object: {@link withManagementReference}
 * decodes the text on the way in and encodes it on the way out. States written before 0.2
 * stored the object; it is read as it is (both forms decode to the same reference, so an
 * upgrade shows no change) and rewritten as text by the next update or refresh.
 */

const REFERENCE = /^(google|entra):(\S+)(?: \[([^\]]*)\])?( \(management disabled\))?(?: \(waiting: (.*?)\))?(?: \(released: (.*)\))?$/;

/** The one-line text of a management reference. */
export function encodeManagementRef(ref: ManagementRef): string {
  const [, id = ""] = /^[a-z]+:(.*)$/.exec(ref.directoryKey) ?? [];
  let text = `${ref.service}:${encodeURIComponent(id)}`;
  if (ref.service === "google") text += ` [${(ref.domains ?? []).join(", ")}]`;
  if (!ref.enabled) text += " (management disabled)";
  if (ref.waitingFor) text += ` (waiting: ${ref.waitingFor})`;
  if (ref.released) text += ` (released: ${ref.released})`;
  return text;
}

/** Reads a management reference in either stored form: the text, or the object of releases before 0.2. `undefined` if it is neither. */
export function decodeManagementRef(value: unknown): ManagementRef | undefined {
  if (typeof value !== "string") {
    const legacy = managementRefSchema.safeParse(value);
    return legacy.success ? legacy.data : undefined;
  }
  const match = REFERENCE.exec(value);
  if (!match) return undefined;
  const [, service, encodedId, domains, disabled, waitingFor, released] = match;
  const id = decodeURIComponent(encodedId);
  const ref: ManagementRef = { directoryKey: `${service}:${id}`, service: service as ManagementRef["service"], enabled: disabled === undefined };
  if (service === "google") ref.domains = domains ? domains.split(", ").filter((d) => d !== "") : [];
  else ref.tenantId = id;
  if (waitingFor !== undefined) ref.waitingFor = waitingFor;
  if (released !== undefined) ref.released = released;
  return ref;
}

/**
 * A binding's target the same way, once its id and label are known:
 * `"<label> (<directory key> group <group id>)"`, e.g.
 * `"engineering@example.com (google:my_customer group 0719251598bba40)"`. While the group's id
 * is not known yet (a group made or adopted in the same update) the object stays as it is, so
 * the preview can still find the group by its label.
 */
export function encodeBindingTarget(target: BindingTarget): string {
  return `${target.label} (${target.directoryKey} group ${target.groupId})`;
}

const TARGET = /^(.*) \((google|entra):(\S+) group (\S*)\)$/s;

/** Reads a binding's target in either stored form. `undefined` if it is neither. */
export function decodeBindingTarget(value: unknown): BindingTarget | undefined {
  if (typeof value !== "string") {
    const object = bindingTargetSchema.safeParse(value);
    return object.success ? object.data : undefined;
  }
  const match = TARGET.exec(value);
  if (!match) return undefined;
  const [, label, service, id, groupId] = match;
  return { directoryKey: `${service}:${id}`, service: service as BindingTarget["service"], groupId, label };
}

type Props = Record<string, unknown>;

/** `management` (and a binding's `target`) as the objects the handlers use (left as they are when unknown or unreadable: check reports them). */
function decoded<T extends Props | undefined>(props: T): T {
  if (!props) return props;
  let out: Props = props;
  if (typeof props.management === "string" && props.management !== UNKNOWN) {
    const ref = decodeManagementRef(props.management);
    if (ref) out = { ...out, management: ref };
  }
  if (typeof props.target === "string" && props.target !== UNKNOWN) {
    const target = decodeBindingTarget(props.target);
    if (target) out = { ...out, target };
  }
  return out as T;
}

/** `management` (and a binding's fully known `target`) as one line of text, for what the engine stores and shows. */
function encoded<T extends Props | undefined>(props: T): T {
  if (!props) return props;
  let out: Props = props;
  if (typeof props.management === "object" && props.management !== null) {
    const ref = managementRefSchema.safeParse(props.management);
    if (ref.success) out = { ...out, management: encodeManagementRef(ref.data) };
  }
  if (typeof props.target === "object" && props.target !== null) {
    const target = bindingTargetSchema.safeParse(props.target);
    if (target.success && !Object.values(target.data).includes(UNKNOWN)) out = { ...out, target: encodeBindingTarget(target.data) };
  }
  return out as T;
}

/** Wraps a resource's provider so its handlers see the reference objects and the engine the text. */
export function withManagementReference(provider: pulumi.dynamic.ResourceProvider): pulumi.dynamic.ResourceProvider {
  const p = provider;
  return {
    check: p.check && (async (olds, news) => {
      const result = await p.check!(decoded(olds), decoded(news));
      return { ...result, inputs: encoded(result.inputs) };
    }),
    diff: p.diff && (async (id, olds, news) => p.diff!(id, decoded(olds), decoded(news))),
    create: async (inputs) => {
      const result = await p.create(decoded(inputs));
      return { ...result, outs: encoded(result.outs) };
    },
    read: p.read && (async (id, props) => {
      const result = await p.read!(id, decoded(props));
      return { ...result, props: encoded(result.props), inputs: encoded(result.inputs) };
    }),
    update: p.update && (async (id, olds, news) => {
      const result = await p.update!(id, decoded(olds), decoded(news));
      return { ...result, outs: encoded(result.outs) };
    }),
    delete: p.delete && (async (id, props) => p.delete!(id, decoded(props))),
  };
}

/**
 * A create or update that changed some things remotely and then failed. Pulumi records
 * `properties` under `id` (ErrorResourceInitFailed) instead of forgetting the object, so
 * nothing is orphaned and the next `pulumi up` finishes the job. `defineResource` adds the
 * serialized provider reference to `properties` as the error passes.
 */
export class PartialApplyError extends Error {
  properties: Record<string, unknown>;

  constructor(
    message: string,
    readonly id: string,
    state: object,
    readonly reasons: string[] = [message],
  ) {
    super(message);
    this.properties = { ...state };
  }
}

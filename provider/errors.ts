import { PROVIDER_KEY } from "./resources/checkInputs";

/**
 * A create or update that changed some things remotely and then failed. Pulumi records
 * `properties` under `id` (ErrorResourceInitFailed) instead of forgetting the object, so
 * nothing is orphaned and the next `pulumi up` finishes the job.
 */
export class PartialApplyError extends Error {
  readonly properties: Record<string, unknown>;

  constructor(
    message: string,
    readonly id: string,
    state: object,
    inputs: Record<string, unknown>,
    readonly reasons: string[] = [message],
  ) {
    super(message);
    this.properties = { ...state, [PROVIDER_KEY]: inputs[PROVIDER_KEY] };
  }
}

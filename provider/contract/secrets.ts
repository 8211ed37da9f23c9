/**
 * Pulumi's wire form of a secret value. The dynamic-provider host receives inputs without
 * their secret marks (it does not accept secrets), but the engine keeps secret marks on what
 * a provider returns, so wrapping a value here makes it a secret in previews, state and
 * outputs (the engine encrypts it and the CLI shows `[secret]`).
 */
export const SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";

/** `value` marked secret when `secret` is true, else `value` unchanged. */
export function secretIf<T>(secret: boolean, value: T): T | { [SECRET_SIGNATURE_KEY]: string; value: T } {
  return secret ? { [SECRET_SIGNATURE_KEY]: SECRET_SIGNATURE, value } : value;
}

/** Stack configuration (key -> value, secret) that points the provider at a sandbox. */
export type ProviderStackConfig = Record<string, { value: string; secret: boolean }>;

/**
 * The providers the gateway runs batches on (header `x-model-provider`).
 *
 * @example
 * PROVIDER_NAMES.includes(header as ProviderName)
 */
export const PROVIDER_NAMES = ["anthropic", "openai", "gemini", "bedrock"] as const;

/** One of `PROVIDER_NAMES`. */
export type ProviderName = (typeof PROVIDER_NAMES)[number];

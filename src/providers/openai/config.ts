/**
 * What the OpenAI adapter reads from the Worker's environment.
 */
import { GatewayError } from "../../lib/errors";
import { positiveIntegerSetting } from "../../lib/positive-integer";
import type { ProviderEnv } from "../types";

/** The SDK convention: the base URL includes `/v1`. */
export const DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";

/** OpenAI's own limits for one batch input file (docs/reference/provider-apis.md §3, "Limits"). */
export const OPENAI_BATCH_MAX_LINES = 50_000;
export const OPENAI_BATCH_MAX_BYTES = 200 * 1024 * 1024;

/**
 * Bytes of batch input lines the batch writer holds in memory, across all models, before it
 * starts streaming uploads (`OPENAI_BATCH_BUFFER_BYTES`). A batch that fits is sent at
 * `finish`, one file per model, each with a Content-Length.
 */
export const OPENAI_BATCH_BUFFER_BYTES = 8 * 1024 * 1024;
/** The most `OPENAI_BATCH_BUFFER_BYTES` may be raised to: a Worker has 128 MB in all. */
export const OPENAI_BATCH_BUFFER_BYTES_MAX = 32 * 1024 * 1024;

export interface OpenAIConfig {
  apiKey: string;
  /** Without a trailing slash, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** Lines per batch input file before a new file is started. */
  batchMaxLines: number;
  /** Bytes per batch input file before a new file is started. */
  batchMaxBytes: number;
  /** Bytes of lines held in memory across all models before uploads start streaming. */
  batchBufferBytes: number;
}

/**
 * Throws the 400 that tells the operator which secret to set.
 *
 * @example
 * assertOpenAIConfigured(env); // GatewayError 400 "… set the OPENAI_API_KEY secret …" when missing
 */
export function assertOpenAIConfigured(env: ProviderEnv): void {
  if (!env.OPENAI_API_KEY) {
    throw GatewayError.invalid(
      "Provider openai is not configured: set the OPENAI_API_KEY secret (`wrangler secret put OPENAI_API_KEY`, or .dev.vars locally)",
    );
  }
}

/**
 * The adapter's settings, with defaults; throws like `assertOpenAIConfigured` without a key.
 *
 * @example
 * const { baseUrl } = readConfig({ OPENAI_API_KEY: "sk-…" }); // "https://api.openai.com/v1"
 */
export function readConfig(env: ProviderEnv): OpenAIConfig {
  assertOpenAIConfigured(env);
  return {
    apiKey: env.OPENAI_API_KEY as string,
    baseUrl: (env.OPENAI_BASE_URL || DEFAULT_OPENAI_BASE_URL).replace(/\/+$/, ""),
    batchMaxLines: positiveInteger(env.OPENAI_BATCH_MAX_LINES, "OPENAI_BATCH_MAX_LINES", OPENAI_BATCH_MAX_LINES),
    batchMaxBytes: positiveInteger(env.OPENAI_BATCH_MAX_BYTES, "OPENAI_BATCH_MAX_BYTES", OPENAI_BATCH_MAX_BYTES),
    batchBufferBytes: positiveInteger(env.OPENAI_BATCH_BUFFER_BYTES, "OPENAI_BATCH_BUFFER_BYTES", OPENAI_BATCH_BUFFER_BYTES_MAX, OPENAI_BATCH_BUFFER_BYTES),
  };
}

// Lowering a limit is useful (tests, smaller files); raising it past OpenAI's own would only
// make OpenAI fail the batch later, so the limits are capped at OpenAI's (and the buffer at
// what a Worker's memory allows).
function positiveInteger(value: string | undefined, name: string, max: number, fallback = max): number {
  const parsed = positiveIntegerSetting(value, fallback, (raw) => {
    throw GatewayError.invalid(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  });
  return Math.min(parsed, max);
}

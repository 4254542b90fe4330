/**
 * What the Gemini adapter reads from the Worker's environment.
 */
import { GatewayError } from "../../lib/errors";
import { positiveIntegerSetting } from "../../lib/positive-integer";
import type { ProviderEnv } from "../types";

/** The Gemini API's own host, as the SDKs default to it. */
export const DEFAULT_GEMINI_BASE_URL = "https://generativelanguage.googleapis.com";

/** The chunk size both official SDKs use for resumable uploads (js-genai `MAX_CHUNK_SIZE`). */
export const DEFAULT_UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;

// Chunks other than the last are kept to multiples of this, the granularity Google's
// resumable protocol documents for its other APIs (Photos: `X-Goog-Upload-Chunk-Granularity`).
const CHUNK_GRANULARITY = 256 * 1024;

/** The settings, checked. */
export interface GeminiConfig {
  apiKey: string;
  /** Without a trailing slash. */
  baseUrl: string;
  /** Size of every resumable-upload chunk but the last (`GEMINI_UPLOAD_CHUNK_BYTES`, for tests). */
  uploadChunkBytes: number;
}

/**
 * Reads and checks the Gemini settings; throws a 400 naming the setting to fix.
 *
 * @example
 * const config = readConfig(ctx.env);
 * await ctx.fetch(`${config.baseUrl}/v1beta/files`, { headers: { "x-goog-api-key": config.apiKey } });
 */
export function readConfig(env: ProviderEnv): GeminiConfig {
  const apiKey = env.GEMINI_API_KEY?.trim();
  if (!apiKey) {
    throw GatewayError.invalid("Provider gemini is not configured: set the GEMINI_API_KEY secret (a Gemini API key)");
  }
  const baseUrl = (env.GEMINI_BASE_URL?.trim() || DEFAULT_GEMINI_BASE_URL).replace(/\/+$/, "");
  const uploadChunkBytes = positiveInteger(env, "GEMINI_UPLOAD_CHUNK_BYTES", DEFAULT_UPLOAD_CHUNK_BYTES);
  if (uploadChunkBytes % CHUNK_GRANULARITY !== 0) {
    throw GatewayError.invalid(`GEMINI_UPLOAD_CHUNK_BYTES must be a multiple of ${CHUNK_GRANULARITY}`);
  }
  return { apiKey, baseUrl, uploadChunkBytes };
}

function positiveInteger(env: ProviderEnv, name: string, fallback: number): number {
  return positiveIntegerSetting(env[name], fallback, (raw) => {
    throw GatewayError.invalid(`${name} must be a positive whole number of bytes, not ${JSON.stringify(raw.trim())}`);
  });
}

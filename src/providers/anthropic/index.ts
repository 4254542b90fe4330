/**
 * The Anthropic provider, the gateway's default: the client's own API, so files and batches are
 * forwarded one for one and only IDs are translated.
 */
import type { ProviderAdapter } from "../types";
import { anthropicBatches } from "./batches";
import { readConfig } from "./config";
import { anthropicFiles } from "./files";

/** Not a gateway ID: not followed by exactly 26 ULID characters. */
const GATEWAY_ULID = String.raw`(?![0-9A-HJKMNP-TV-Z]{26}\b)`;

/**
 * @example
 * anthropicAdapter.assertConfigured(env); // throws a 400 naming ANTHROPIC_API_KEY when unset
 * const file = await anthropicAdapter.files!.upload(ctx, upload);
 */
export const anthropicAdapter: ProviderAdapter = {
  name: "anthropic",
  // Anthropic's start like the gateway's (`file_01…`, `msgbatch_01…`) but are not exactly 26 ULID
  // characters, which every gateway ID is (see docs/sources/security.md § Native ID shapes).
  nativeIdShapes: {
    patterns: [String.raw`\bfile_${GATEWAY_ULID}01[A-Za-z0-9]{8,}\b`, String.raw`\bmsgbatch_${GATEWAY_ULID}01[A-Za-z0-9]{8,}\b`],
    words: ["file", "batch"],
  },
  files: anthropicFiles,
  batches: anthropicBatches,
  assertConfigured(env) {
    readConfig(env);
  },
};

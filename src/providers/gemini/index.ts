/**
 * The Gemini provider (`x-model-provider: gemini`): files through Gemini's Files API, batches
 * through Batch Mode (`batchGenerateContent`), translated to and from Anthropic shapes.
 */
import type { ProviderAdapter } from "../types";
import { geminiBatches } from "./batches";
import { geminiConfig } from "./config";
import { geminiFiles } from "./files";

/**
 * The adapter the gateway's services call for gemini.
 *
 * @example
 * geminiAdapter.assertConfigured(env); // 400 "set the GEMINI_API_KEY secret" when missing
 * const writer = geminiAdapter.batches.begin(ctx, { batchId, sink, files });
 */
export const geminiAdapter: ProviderAdapter = {
  name: "gemini",
  files: geminiFiles,
  batches: geminiBatches,
  assertConfigured(env) {
    geminiConfig(env);
  },
};

/**
 * The Gemini provider (`x-model-provider: gemini`): files through Gemini's Files API, batches
 * through Batch Mode (`batchGenerateContent`), translated to and from Anthropic shapes.
 */
import type { ProviderAdapter } from "../types";
import { geminiBatches } from "./batches";
import { readConfig } from "./config";
import { geminiFiles } from "./files";

/**
 * The adapter the gateway's services call for gemini.
 *
 * @example
 * geminiAdapter.assertConfigured(env); // 400 "set the GEMINI_API_KEY secret" when missing
 * const line = geminiAdapter.batches.jobs.translate(request, files, ctx); // planned by core/batch-planner.ts
 */
export const geminiAdapter: ProviderAdapter = {
  name: "gemini",
  // Resource names (see docs/sources/security.md § Native ID shapes).
  nativeIdShapes: { patterns: [String.raw`\bfiles/[a-z0-9][a-z0-9-]{3,}`, String.raw`\bbatches/[a-z0-9][a-z0-9-]{3,}`], words: ["file", "batch"] },
  files: geminiFiles,
  batches: geminiBatches,
  assertConfigured(env) {
    readConfig(env);
  },
};

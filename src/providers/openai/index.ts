/**
 * The OpenAI provider: the Files API on OpenAI Files (purpose `user_data`), Message Batches on
 * the Batch API over `/v1/chat/completions` (`x-model-provider: openai`).
 */
import type { ProviderAdapter } from "../types";
import { openaiBatches } from "./batches";
import { assertOpenAIConfigured } from "./config";
import { openaiFiles } from "./files";

/**
 * The adapter the gateway's services call for provider `openai`.
 *
 * @example
 * openaiAdapter.assertConfigured(env); // 400 naming OPENAI_API_KEY when it is missing
 * const line = openaiAdapter.batches.jobs.translate(request, files, ctx); // planned by core/batch-planner.ts
 */
export const openaiAdapter: ProviderAdapter = {
  name: "openai",
  // `batch_req_…` names a request line, not a batch (see docs/sources/security.md § Native ID shapes).
  nativeIdShapes: { patterns: [String.raw`\bfile-[A-Za-z0-9]{10,}`, String.raw`\bbatch_(?!req_)[A-Za-z0-9]{10,}`], words: ["file", "batch"] },
  files: openaiFiles,
  batches: openaiBatches,
  assertConfigured: assertOpenAIConfigured,
};

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
  files: openaiFiles,
  batches: openaiBatches,
  assertConfigured: assertOpenAIConfigured,
};

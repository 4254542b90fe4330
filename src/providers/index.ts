/**
 * Every provider the gateway runs on, by the name clients put in `x-model-provider`.
 *
 * @example
 * ADAPTERS.openai.batches.begin(ctx, start);
 */
import { anthropicAdapter } from "./anthropic/index";
import { bedrockAdapter } from "./bedrock/index";
import { geminiAdapter } from "./gemini/index";
import { openaiAdapter } from "./openai/index";
import type { ProviderAdapter, ProviderName } from "./types";

export const ADAPTERS: Readonly<Record<ProviderName, ProviderAdapter>> = {
  anthropic: anthropicAdapter,
  openai: openaiAdapter,
  gemini: geminiAdapter,
  bedrock: bedrockAdapter,
};

/**
 * Every provider the gateway runs on, by the name clients put in `x-model-provider`.
 *
 * @example
 * ADAPTERS.openai.batches.jobs.translate(request, files, ctx);
 */
import { anthropicAdapter } from "./anthropic/index";
import { bedrockAdapter } from "./bedrock/index";
import { geminiAdapter } from "./gemini/index";
import { openaiAdapter } from "./openai/index";
import { refusingPrewarm } from "./prewarm";
import type { ProviderAdapter } from "./types";
import type { ProviderName } from "../domain/provider-name";

export const ADAPTERS: Readonly<Record<ProviderName, ProviderAdapter>> = {
  anthropic: anthropicAdapter,
  // Their translators take max_tokens 0 as a number; the shared wrapper refuses it first.
  openai: refusingPrewarm(openaiAdapter),
  gemini: refusingPrewarm(geminiAdapter),
  bedrock: bedrockAdapter,
};

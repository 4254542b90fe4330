/**
 * `max_tokens: 0` is Anthropic's prompt-cache pre-warm: the prompt is cached and nothing is
 * generated (docs/sources/anthropic.md § max_tokens 0). The shared schema lets it through for
 * Anthropic to decide. No other provider documents a call that fills a cache without generating,
 * and a 0 sent on as a token limit would at best fail every request upstream (or, read as
 * "unset", generate a full answer), so each refuses it at create, naming itself
 * (docs/sources/bedrock.md § max_tokens 0 for Bedrock).
 */
import { GatewayError } from "../lib/errors";
import type { BatchesAdapter, ProviderAdapter, ProviderJobs } from "./types";
import type { MessageParams } from "../domain/batch-request";

/**
 * Throws the 400 for a pre-warm on `provider`.
 *
 * @example
 * refusePrewarm("bedrock", { model: "m", max_tokens: 0, messages }) // throws "params.max_tokens: is 0 (…) on provider bedrock; …"
 */
export function refusePrewarm(provider: string, params: MessageParams): void {
  if (params.max_tokens === 0) {
    throw GatewayError.unsupported(provider, "params.max_tokens", "is 0 (a prompt-cache pre-warm with no output), which has no equivalent");
  }
}

/**
 * `adapter` with `refusePrewarm` run before its own `translate`, for providers whose
 * translators do not refuse it themselves.
 *
 * @example
 * export const ADAPTERS = { openai: refusingPrewarm(openaiAdapter), … };
 */
export function refusingPrewarm(adapter: ProviderAdapter): ProviderAdapter {
  const inner = adapter.batches;
  const jobs: ProviderJobs = {
    ...inner.jobs,
    translate(request, files, ctx) {
      refusePrewarm(adapter.name, request.params);
      return inner.jobs.translate(request, files, ctx);
    },
  };
  const batches: BatchesAdapter = { ...inner, jobs };
  return { ...adapter, batches };
}

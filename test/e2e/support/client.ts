/**
 * The official Anthropic SDK pointed at the gateway, as a user configures it, and the fakes'
 * control routes.
 */
import Anthropic from "@anthropic-ai/sdk";
import { inject } from "vitest";
import type { RecordedCall as AnthropicCall } from "../../fakes/anthropic/index.ts";
import type { RecordedCall as BedrockCall } from "../../fakes/bedrock/index.ts";
import type { RecordedCall as GeminiCall } from "../../fakes/gemini/index.ts";
import type { RecordedCall as OpenAICall } from "../../fakes/openai/index.ts";

/** What each provider's fake records of a request it received. */
export interface RecordedCalls {
  anthropic: AnthropicCall;
  openai: OpenAICall;
  gemini: GeminiCall;
  bedrock: BedrockCall;
}

type Provider = keyof RecordedCalls;

/**
 * @example
 * const client = gatewayClient("openai");
 * const batch = await client.beta.messages.batches.create({ requests });
 */
export function gatewayClient(provider?: string, apiKey = "virtual-key-or-dummy-key"): Anthropic {
  return new Anthropic({
    baseURL: `${inject("gatewayUrl")}/anthropic`,
    apiKey,
    maxRetries: 0,
    ...(provider ? { defaultHeaders: { "x-model-provider": provider } } : {}),
  });
}

/**
 * Where a provider's fake is served (its API and its `/__fake/` control routes).
 *
 * @example
 * await fetch(`${fakeUrl("gemini")}/__fake/${name}/expire`, { method: "POST" });
 */
export function fakeUrl(provider: Provider): string {
  return inject("fakes")[provider];
}

/**
 * What a fake received, from its control route, oldest first.
 *
 * @example
 * const deletes = (await fakeCalls("gemini")).filter((c) => c.method === "DELETE");
 */
export async function fakeCalls<P extends Provider>(provider: P): Promise<RecordedCalls[P][]> {
  const response = await fetch(`${fakeUrl(provider)}/__fake/calls`);
  return (await response.json()) as never;
}

/**
 * Polls like the seed's workflow until the batch has ended, a moment between reads: the fakes
 * move one state per upstream read, and the gateway reads upstream on its own too (background
 * polls) and on a retrieve at most once per BATCH_POLL_MIN_SECONDS (1 in the stack).
 *
 * @example
 * const ended = await pollUntilEnded(client, batch.id);
 */
export async function pollUntilEnded(client: Anthropic, id: string, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  let batch = await client.beta.messages.batches.retrieve(id);
  while (batch.processing_status !== "ended" && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    batch = await client.beta.messages.batches.retrieve(id);
  }
  return batch;
}

/**
 * All result lines of a batch, in the order served.
 *
 * @example
 * const lines = await resultsOf(client, batch.id);
 */
export async function resultsOf(client: Anthropic, id: string) {
  const lines = [];
  for await (const line of await client.beta.messages.batches.results(id)) lines.push(line);
  return lines;
}

/**
 * The IDs of every item an SDK list walks through, auto-paginating.
 *
 * @example
 * const listed = await idsOf(client.beta.files.list({ limit: 1 }));
 */
export async function idsOf(items: AsyncIterable<{ id: string }>): Promise<string[]> {
  const ids: string[] = [];
  for await (const item of items) ids.push(item.id);
  return ids;
}

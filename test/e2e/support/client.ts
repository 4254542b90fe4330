/**
 * The official Anthropic SDK pointed at the gateway, as a user configures it.
 */
import Anthropic from "@anthropic-ai/sdk";
import { inject } from "vitest";

export function gatewayClient(provider?: string, apiKey = "virtual-key-or-dummy-key"): Anthropic {
  return new Anthropic({
    baseURL: `${inject("gatewayUrl")}/anthropic`,
    apiKey,
    maxRetries: 0,
    ...(provider ? { defaultHeaders: { "x-model-provider": provider } } : {}),
  });
}

/** What a fake received, from its control route. */
export async function fakeCalls(provider: "anthropic" | "openai" | "gemini" | "bedrock"): Promise<
  { method: string; path: string; query: Record<string, string>; headers: Record<string, string>; body?: string }[]
> {
  const response = await fetch(`${inject("fakes")[provider]}/__fake/calls`);
  return (await response.json()) as never;
}

/** Polls like the seed's workflow until the batch has ended (the fakes move one state per poll). */
export async function pollUntilEnded(client: Anthropic, id: string, polls = 20) {
  let batch = await client.beta.messages.batches.retrieve(id);
  for (let i = 0; i < polls && batch.processing_status !== "ended"; i++) {
    batch = await client.beta.messages.batches.retrieve(id);
  }
  return batch;
}

/** All result lines of a batch, by custom_id. */
export async function resultsOf(client: Anthropic, id: string) {
  const lines = [];
  for await (const line of await client.beta.messages.batches.results(id)) lines.push(line);
  return lines;
}

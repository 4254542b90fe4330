/**
 * Batches that finish on their own, under `npm run dev` with no trigger from outside: the
 * gateway polls each batch in the background (BATCH_POLL_MIN_SECONDS=1), vaults its results
 * in local R2 and only then shows it `ended`. This file runs its own stack, so that it can
 * stall an upstream call and kill the gateway in the middle of a vault. The stack has an
 * ADMIN_TOKEN (for the admin's usage report), so the gateway is closed: the client uses a
 * virtual key.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textRequest } from "./support/requests";
import { KEYS, startStack, type Stack } from "./support/stack";

const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef-0123456789";
const KEY_NAME = "lifecycle";

let stack: Stack;
/** The virtual key every request of this file is made with. */
let key: { id: string; key: string };
/** While set, the fake OpenAI holds every output-file download until it resolves. */
let stall: { hit: () => void; released: Promise<void>; release: () => void } | null = null;

beforeAll(async () => {
  stack = await startStack({
    verbose: process.env.E2E_VERBOSE === "1",
    vars: { ADMIN_TOKEN },
    upstream: async (provider, request, next) => {
      const held = stall;
      if (held && provider === "openai" && request.method === "GET" && /^\/v1\/files\/[^/]+\/content$/.test(new URL(request.url).pathname)) {
        held.hit();
        await held.released;
      }
      return next(request);
    },
  });
  const response = await fetch(`${stack.gatewayUrl}/admin/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ name: KEY_NAME }),
  });
  expect(response.status).toBe(200);
  key = (await response.json()) as { id: string; key: string };
}, 180_000);

afterAll(async () => {
  stall?.release();
  await stack?.stop();
});

function client(provider?: string): Anthropic {
  return new Anthropic({
    baseURL: `${stack.gatewayUrl}/anthropic`,
    apiKey: key.key,
    maxRetries: 0,
    ...(provider ? { defaultHeaders: { "x-model-provider": provider } } : {}),
  });
}

/** Reads only `list` (which refreshes nothing) until the batch shows `ended`; every status seen. */
async function listUntilEnded(sdk: Anthropic, id: string, timeoutMs = 60_000): Promise<{ batch: Anthropic.Beta.Messages.BetaMessageBatch; seen: string[] }> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const page = await sdk.beta.messages.batches.list({ limit: 100 });
    const batch = page.data.find((b) => b.id === id);
    if (!batch) throw new Error(`batch ${id} is not listed`);
    if (seen.at(-1) !== batch.processing_status) seen.push(batch.processing_status);
    if (batch.processing_status === "ended") return { batch, seen };
    if (Date.now() > deadline) throw new Error(`batch ${id} did not end within ${timeoutMs} ms (seen ${seen.join(", ")})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function resultsOf(sdk: Anthropic, id: string) {
  const lines = [];
  for await (const line of await sdk.beta.messages.batches.results(id)) lines.push(line);
  return lines.sort((a, b) => a.custom_id.localeCompare(b.custom_id));
}

/** Calls to the fake that the gateway made, from its control route. */
async function fakeCalls(provider: keyof Stack["fakes"]): Promise<{ method: string; path: string }[]> {
  return (await (await fetch(`${stack.fakes[provider]}/__fake/calls`)).json()) as { method: string; path: string }[];
}

const ON_EACH_PROVIDER = [
  { provider: "anthropic", model: "claude-3-5-haiku-20241022" },
  { provider: "openai", model: "gpt-4o-mini" },
  { provider: "gemini", model: "gemini-1.5-flash" },
  { provider: "bedrock", model: "claude-3-5-haiku-20241022" },
] as const;

describe("batches that finish on their own", () => {
  it("a gateway killed mid-vault finishes the job after a restart", async () => {
    const sdk = client("openai");
    let hit!: () => void;
    const vaultStarted = new Promise<void>((resolve) => (hit = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    stall = { hit, released, release };

    const created = await sdk.beta.messages.batches.create({
      requests: [textRequest("killed-1", "First question", "gpt-4o-mini"), textRequest("killed-2", "Second question", "gpt-4o-mini")],
    });
    // The background poll saw the end and is reading the output for the vault: kill it there.
    await vaultStarted;
    expect((await sdk.beta.messages.batches.retrieve(created.id)).processing_status).toBe("in_progress");
    await stack.killGateway();
    stall = null;
    release();

    await stack.startGateway();
    const { batch } = await listUntilEnded(sdk, created.id);
    expect(batch.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
    const lines = await resultsOf(sdk, created.id);
    expect(lines.map((line) => [line.custom_id, line.result.type])).toEqual([
      ["killed-1", "succeeded"],
      ["killed-2", "succeeded"],
    ]);
  });

  for (const { provider, model } of ON_EACH_PROVIDER) {
    it(`a ${provider} batch ends with no client polling, and list shows it ended`, async () => {
      const sdk = client(provider);
      const created = await sdk.beta.messages.batches.create({
        requests: [textRequest(`${provider}-a`, "What is 15 * 7?", model), textRequest(`${provider}-b`, "What is the largest ocean?", model)],
      });
      expect(created.processing_status).toBe("in_progress");
      const { batch, seen } = await listUntilEnded(sdk, created.id);
      expect(seen).toEqual(["in_progress", "ended"]);
      expect(batch.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
      expect(batch.results_url).toBe(`${stack.gatewayUrl}/anthropic/v1/messages/batches/${batch.id}/results`);
      const lines = await resultsOf(sdk, created.id);
      expect(lines.map((line) => line.custom_id)).toEqual([`${provider}-a`, `${provider}-b`]);
      const first = lines[0]!.result;
      expect(first.type === "succeeded" && first.message.content).toEqual([{ type: "text", text: "echo: What is 15 * 7?" }]);
    });
  }

  it("results still come back after the provider deleted its output", async () => {
    const sdk = client("openai");
    const created = await sdk.beta.messages.batches.create({ requests: [textRequest("kept-1", "Keep me", "gpt-4o-mini"), textRequest("kept-2", "Me too", "gpt-4o-mini")] });
    await listUntilEnded(sdk, created.id);
    // Delete every output file OpenAI holds for this batch, as its retention would.
    const auth = { authorization: `Bearer ${KEYS.openai}` };
    const natives = (await (await fetch(`${stack.fakes.openai}/v1/batches?limit=100`, { headers: auth })).json()) as {
      data: { output_file_id: string | null; metadata: Record<string, string> | null }[];
    };
    const outputs = natives.data.filter((b) => b.metadata?.batchbridge_batch_id === created.id).map((b) => b.output_file_id!);
    expect(outputs).toHaveLength(1);
    for (const id of outputs) expect((await fetch(`${stack.fakes.openai}/v1/files/${id}`, { method: "DELETE", headers: auth })).status).toBe(200);
    expect((await fetch(`${stack.fakes.openai}/v1/files/${outputs[0]}/content`, { headers: auth })).status).toBe(404);

    const before = (await fakeCalls("openai")).length;
    const lines = await resultsOf(sdk, created.id);
    expect(lines.map((line) => [line.custom_id, line.result.type])).toEqual([
      ["kept-1", "succeeded"],
      ["kept-2", "succeeded"],
    ]);
    expect((await fakeCalls("openai")).length).toBe(before);
  });

  it("sums usage per model and prices it: a priced and an unpriced model, per batch and for the admin", async () => {
    const sdk = client();
    const startedAt = new Date(Date.now() - 1000).toISOString();
    const created = await sdk.beta.messages.batches.create({
      requests: [
        textRequest("usage-1", "one two three", "claude-3-5-haiku-20241022"),
        textRequest("usage-2", "four five", "claude-3-5-haiku-20241022"),
        textRequest("usage-3", "FAIL_REQUEST here", "claude-3-5-haiku-20241022"),
        textRequest("usage-4", "six", "claude-3-sonnet-20240229"),
      ],
    });
    const headers = { "x-api-key": key.key, "anthropic-version": "2023-06-01" };
    const early = await fetch(`${stack.gatewayUrl}/anthropic/v1/messages/batches/${created.id}/usage`, { headers });
    expect(early.status).toBe(400);
    expect(((await early.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");

    await listUntilEnded(sdk, created.id);
    const res = await fetch(`${stack.gatewayUrl}/anthropic/v1/messages/batches/${created.id}/usage`, { headers });
    expect(res.status).toBe(200);
    // Fake tokens are words: input 3 + 2 (the failed request counts no tokens), output "echo: …" 4 + 3.
    // claude-3-5-haiku-20241022 at the batch price: $0.40 input, $2 output per million tokens.
    const haikuCost = (5 * 0.4 + 7 * 2) / 1_000_000;
    const haiku = { provider: "anthropic", model: "claude-3-5-haiku-20241022", requests: 3, input_tokens: 5, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cost_usd: haikuCost };
    const sonnet = { provider: "anthropic", model: "claude-3-sonnet-20240229", requests: 1, input_tokens: 1, output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cost_usd: null };
    expect(await res.json()).toEqual({
      type: "message_batch_usage",
      id: created.id,
      input_tokens: 6,
      output_tokens: 9,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cost_usd: null,
      by_model: [haiku, sonnet],
    });

    const admin = await fetch(`${stack.gatewayUrl}/admin/usage?from=${encodeURIComponent(startedAt)}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(admin.status).toBe(200);
    const rows = ((await admin.json()) as { data: Record<string, unknown>[] }).data;
    const { provider: _p, ...haikuSums } = haiku;
    expect(rows).toContainEqual({ key_id: key.id, key_name: KEY_NAME, provider: "anthropic", batches: 1, ...haikuSums, model: "claude-3-5-haiku-20241022" });
    expect(rows.find((row) => row.model === "claude-3-sonnet-20240229")).toMatchObject({ key_id: key.id, key_name: KEY_NAME, batches: 1, requests: 1, cost_usd: null });
  });
});

/**
 * Batches that finish on their own, on real local D1, R2 and Queues (the consumer is this
 * Worker's `queue` handler; BATCH_POLL_MIN_SECONDS=1, BATCH_POLL_MAX_SECONDS=2 and
 * VAULT_LEASE_SECONDS=2 in vitest.config.ts): nobody retrieves, and the batch ends.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../../../src/api/env";
import worker from "../../../src/index";
import { createFakeOpenAI } from "../../fakes/openai/index.ts";
import { BATCHES, byCustomId, batchClient, type WireBatch } from "../support/batches";
import { ADMIN, ADMIN_TOKEN, call, callWithEnv } from "../support/gateway";
import { textRequest, twoRequests } from "../support/requests";
import { json } from "../support/responses";
import { callsMatching, useFakes } from "../support/upstream";

const fakes = useFakes();

/** The batch as `list` shows it (a list never refreshes anything). */
async function listed(id: string, provider?: string): Promise<WireBatch | undefined> {
  const page = await json<{ data: WireBatch[] }>(await call(`${BATCHES}?limit=100`, { provider }));
  return page.data.find((batch) => batch.id === id);
}

/** Waits, reading only `list`, until the batch shows `ended`. */
async function listedUntilEnded(id: string, provider?: string, timeoutMs = 45_000): Promise<{ batch: WireBatch; seen: string[] }> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await listed(id, provider);
    if (!batch) throw new Error(`batch ${id} is not listed`);
    if (seen.at(-1) !== batch.processing_status) seen.push(batch.processing_status);
    if (batch.processing_status === "ended") return { batch, seen };
    if (Date.now() > deadline) throw new Error(`batch ${id} did not end within ${timeoutMs} ms: ${JSON.stringify(batch)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function vaultKeys(id: string): Promise<string[]> {
  const listedObjects = await env.RESULTS.list({ prefix: `batches/${id}/` });
  return listedObjects.objects.map((object) => object.key).sort();
}

const PROVIDERS = [
  { provider: "anthropic", model: "claude-3-5-haiku-20241022", statusPath: /^\/v1\/messages\/batches\/[^/]+$/ },
  { provider: "openai", model: "gpt-4o-mini", statusPath: /^\/v1\/batches\/[^/]+$/ },
  { provider: "gemini", model: "gemini-1.5-flash", statusPath: /^\/v1beta\/batches\/[^/]+$/ },
  { provider: "bedrock", model: "claude-3-5-haiku-20241022", statusPath: /^\/model-invocation-job\/.+$/ },
] as const;

describe("background progress", () => {
  for (const { provider, model, statusPath } of PROVIDERS) {
    it(`ends a ${provider} batch with no client polling: list shows it ended, results come from the vault`, async () => {
      const { create, results } = batchClient({ provider });
      const created = await create(twoRequests(model));
      expect(created.processing_status).toBe("in_progress");

      const { batch, seen } = await listedUntilEnded(created.id, provider);
      expect(seen).toEqual(["in_progress", "ended"]);
      expect(batch.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
      expect(batch.ended_at).not.toBeNull();
      expect(batch.results_url).toBe(`http://gateway.test${BATCHES}/${batch.id}/results`);

      // The gateway polled upstream on its own.
      const fake = fakes[provider];
      expect(callsMatching(fake.calls, "GET", statusPath).length).toBeGreaterThanOrEqual(1);

      // The results were written once to R2, with the ID lists.
      const keys = await vaultKeys(batch.id);
      expect(keys).toContain(`batches/${batch.id}/results.jsonl`);
      expect(keys.some((key) => key.startsWith(`batches/${batch.id}/ids/`))).toBe(true);
      const before = fake.calls.length;
      const lines = (await results(batch.id)).sort(byCustomId);
      expect(lines.map((line) => [line.custom_id, line.result.type])).toEqual([
        ["geography-question", "succeeded"],
        ["math-question", "succeeded"],
      ]);
      // Reading them asks the provider nothing.
      expect(fake.calls.length).toBe(before);

      // No poll after the end: the chain stopped.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(fake.calls.length).toBe(before);
    });
  }

  it("retrieve refreshes at most once per BATCH_POLL_MIN_SECONDS", async () => {
    const { create, retrieve } = batchClient({ provider: "openai" });
    const batch = await create(twoRequests("gpt-4o-mini"));
    const polls = () => callsMatching(fakes.openai.calls, "GET", /^\/v1\/batches\/[^/]+$/).length;
    const start = polls();
    await retrieve(batch.id);
    await retrieve(batch.id);
    await retrieve(batch.id);
    expect(polls() - start).toBe(1);
  });
});

describe("results vault", () => {
  it("serves the results after the provider forgot everything (its output deleted)", async () => {
    const { create, results } = batchClient({ provider: "openai" });
    const created = await create(twoRequests("gpt-4o-mini"));
    await listedUntilEnded(created.id, "openai");
    // A new fake: every file and batch the provider had is gone.
    fakes.openai = createFakeOpenAI({ apiKey: "test-openai-key" });
    const lines = (await results(created.id)).sort(byCustomId);
    expect(lines.map((line) => line.custom_id)).toEqual(["geography-question", "math-question"]);
    expect(lines[0]!.result.message?.content).toEqual([{ type: "text", text: "echo: What is the largest ocean?" }]);
    expect(fakes.openai.calls).toEqual([]);
  });

  it("deleting a batch deletes its vault objects", async () => {
    const { create } = batchClient({ provider: "anthropic" });
    const created = await create(twoRequests());
    await listedUntilEnded(created.id);
    expect((await vaultKeys(created.id)).length).toBeGreaterThan(1);
    const res = await call(`${BATCHES}/${created.id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await vaultKeys(created.id)).toEqual([]);
  });

  it("a vault left undone (its worker died holding the lease) is finished by the safety net", async () => {
    const { create } = batchClient({ provider: "anthropic" });
    const created = await create(twoRequests());
    // Stop the background chain, and end the batch upstream.
    await env.DB.prepare(`UPDATE batches SET next_poll_at = 'stopped' WHERE id = ?`).bind(created.id).run();
    for (let i = 0; i < 3; i++) await fakes.anthropic.fetch(new Request(`https://anthropic.fake/v1/messages/batches/${(await nativeId(created.id))}`, { headers: anthropicHeaders() }));
    // A worker took it to `vaulting` and died with its lease (long lapsed), before writing anything.
    const lapsed = new Date(Date.now() - 60_000).toISOString();
    await env.DB.prepare(`UPDATE batches SET state = 'vaulting', vault_lease_until = ? WHERE id = ?`).bind(lapsed, created.id).run();
    expect((await listed(created.id))?.processing_status).toBe("in_progress");
    expect(await env.RESULTS.head(`batches/${created.id}/results.jsonl`)).toBeNull();

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/10 * * * *" }), env as unknown as Bindings, ctx);
    await waitOnExecutionContext(ctx);

    const { batch } = await listedUntilEnded(created.id);
    expect(batch.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
    expect(await env.RESULTS.head(`batches/${created.id}/results.jsonl`)).not.toBeNull();
  });

  it("a batch whose poll chain broke is polled again by the safety net", async () => {
    const { create } = batchClient({ provider: "openai" });
    const created = await create(twoRequests("gpt-4o-mini"));
    // The chain broke (its messages are for another poll) and nothing has polled it for long.
    const long = new Date(Date.now() - 3_600_000).toISOString();
    await env.DB.prepare(`UPDATE batches SET next_poll_at = 'lost', polled_at = ?, poll_interval = 2 WHERE id = ?`).bind(long, created.id).run();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await listed(created.id))?.processing_status).toBe("in_progress");

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/10 * * * *" }), env as unknown as Bindings, ctx);
    await waitOnExecutionContext(ctx);
    await listedUntilEnded(created.id, "openai");
  });
});

describe("usage and cost", () => {
  it("sums each model's requests and tokens, priced where the table has a price", async () => {
    const { create } = batchClient();
    const created = await create([
      textRequest("priced-1", "one two three", "claude-3-5-haiku-20241022"),
      textRequest("priced-2", "four five", "claude-3-5-haiku-20241022"),
      textRequest("priced-fail", "FAIL_REQUEST now", "claude-3-5-haiku-20241022"),
      textRequest("unpriced-1", "six", "claude-3-sonnet-20240229"),
    ]);
    const early = await call(`${BATCHES}/${created.id}/usage`);
    expect(early.status).toBe(400);
    expect(await early.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });

    await listedUntilEnded(created.id);
    const res = await call(`${BATCHES}/${created.id}/usage`);
    expect(res.status).toBe(200);
    // The fake counts words: input = words of the request, output = words of "echo: <text>".
    // claude-3-5-haiku at batch price: $0.40 / $2 per million input / output tokens.
    const haikuCost = Math.round((5 * 0.4 + 7 * 2) ) / 1_000_000;
    expect(await res.json()).toEqual({
      type: "message_batch_usage",
      id: created.id,
      input_tokens: 6,
      output_tokens: 9,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cost_usd: null,
      by_model: [
        { provider: "anthropic", model: "claude-3-5-haiku-20241022", requests: 3, input_tokens: 5, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cost_usd: haikuCost },
        { provider: "anthropic", model: "claude-3-sonnet-20240229", requests: 1, input_tokens: 1, output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cost_usd: null },
      ],
    });

    // The admin API exists once ADMIN_TOKEN is set; the batch was made on the open gateway
    // (one shared owner: no key).
    const admin = await callWithEnv({ ADMIN_TOKEN }, `/admin/usage?from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`, { key: null, headers: ADMIN });
    expect(admin.status).toBe(200);
    expect(await admin.json()).toEqual({
      data: [
        { key_id: null, key_name: null, provider: "anthropic", model: "claude-3-5-haiku-20241022", batches: 1, requests: 3, input_tokens: 5, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cost_usd: haikuCost },
        { key_id: null, key_name: null, provider: "anthropic", model: "claude-3-sonnet-20240229", batches: 1, requests: 1, input_tokens: 1, output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cost_usd: null },
      ],
    });
    const later = await callWithEnv({ ADMIN_TOKEN }, `/admin/usage?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, { key: null, headers: ADMIN });
    expect(await later.json()).toEqual({ data: [] });
    const bad = await callWithEnv({ ADMIN_TOKEN }, `/admin/usage?to=yesterday`, { key: null, headers: ADMIN });
    expect(bad.status).toBe(400);
  });
});

async function nativeId(batchId: string): Promise<string> {
  const row = await env.DB.prepare(`SELECT native_id FROM batch_jobs WHERE batch_id = ?`).bind(batchId).first<{ native_id: string }>();
  return row!.native_id;
}

function anthropicHeaders(): Record<string, string> {
  return { "x-api-key": "test-anthropic-key", "anthropic-version": "2023-06-01" };
}

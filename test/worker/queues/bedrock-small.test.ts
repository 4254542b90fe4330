/**
 * Small Bedrock batches run by the gateway, on real local D1, R2 and Queues (the consumer is
 * this Worker's `queue` handler; BEDROCK_BATCH_MIN_RECORDS=2 in vitest.config.ts, so one request
 * of a model is below Bedrock's minimum): nobody retrieves, the background worker sends each
 * request to the fake's InvokeModel, and the batch ends like any other.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RecordedCall } from "../../fakes/bedrock/index.ts";
import { BATCHES, batchClient, byCustomId, type WireBatch } from "../support/batches";
import { echoResult } from "../support/echo";
import { call } from "../support/gateway";
import { textRequest } from "../support/requests";
import { json } from "../support/responses";
import { callsMatching, useFakes } from "../support/upstream";

const fakes = useFakes();

const HAIKU = "claude-3-5-haiku-20241022";
const SONNET = "claude-3-5-sonnet-20241022";
const HAIKU_ID = "anthropic.claude-3-5-haiku-20241022-v1:0";
const SONNET_ID = "anthropic.claude-3-5-sonnet-20241022-v2:0";
const OPUS = "claude-3-opus-20240229";

const { create, results } = batchClient({ provider: "bedrock" });

async function listed(id: string): Promise<WireBatch | undefined> {
  const page = await json<{ data: WireBatch[] }>(await call(`${BATCHES}?limit=100`, { provider: "bedrock" }));
  return page.data.find((batch) => batch.id === id);
}

/** Reads `list` until the batch has ended; every distinct request_counts seen, in order. */
async function listedUntilEnded(id: string, timeoutMs = 45_000): Promise<{ batch: WireBatch; counts: string[] }> {
  const counts: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await listed(id);
    if (!batch) throw new Error(`batch ${id} is not listed`);
    const seen = `${batch.processing_status} ${JSON.stringify(batch.request_counts)}`;
    if (counts.at(-1) !== seen) counts.push(seen);
    if (batch.processing_status === "ended") return { batch, counts };
    if (Date.now() > deadline) throw new Error(`batch ${id} did not end within ${timeoutMs} ms: ${JSON.stringify(batch)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function invokes(calls: readonly RecordedCall[] = fakes.bedrock.calls): RecordedCall[] {
  return calls.filter((c) => c.service === "bedrock-runtime");
}

function invokedModels(): string[] {
  return invokes().map((c) => decodeURIComponent(c.path)).sort();
}

describe("small Bedrock batches run by the gateway", () => {
  it("a two-request batch (one request per model) ends on its own with results and usage, each request sent once to InvokeModel", async () => {
    const created = await create([textRequest("haiku-q", "What is 15 * 7?", HAIKU), textRequest("sonnet-q", "What is the largest ocean?", SONNET)]);
    expect(created.processing_status).toBe("in_progress");
    expect(created.request_counts).toEqual({ processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 });

    const { batch } = await listedUntilEnded(created.id);
    expect(batch.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
    // No batch job: each request went to InvokeModel once, signed, with its record's modelInput.
    expect(fakes.bedrock.calls.filter((c) => c.service === "bedrock")).toEqual([]);
    expect(invokedModels()).toEqual([`/model/${HAIKU_ID}/invoke`, `/model/${SONNET_ID}/invoke`]);
    for (const c of invokes()) expect(c.headers.authorization).toMatch(/\/us-east-1\/bedrock\/aws4_request, /);
    const haikuCall = invokes().find((c) => c.path.includes("haiku"))!;
    expect(JSON.parse(haikuCall.body!)).toEqual({ anthropic_version: "bedrock-2023-05-31", max_tokens: 100, messages: [{ role: "user", content: "What is 15 * 7?" }] });

    const before = fakes.bedrock.calls.length;
    const lines = (await results(batch.id)).sort(byCustomId);
    expect(lines).toEqual([
      { custom_id: "haiku-q", result: echoResult("What is 15 * 7?", HAIKU, /^msg_bdrk_[0-9a-f]{24}$/) },
      { custom_id: "sonnet-q", result: echoResult("What is the largest ocean?", SONNET, /^msg_bdrk_[0-9a-f]{24}$/) },
    ]);
    // Results come from the vault: Bedrock is asked nothing.
    expect(fakes.bedrock.calls.length).toBe(before);
    expect((await env.RESULTS.list({ prefix: `batches/${batch.id}/` })).objects.map((o) => o.key)).toContain(`batches/${batch.id}/results.jsonl`);

    const usage = await json<{ by_model: { model: string; requests: number; input_tokens: number; output_tokens: number }[] }>(await call(`${BATCHES}/${batch.id}/usage`));
    expect(usage.by_model.map(({ model, requests, input_tokens, output_tokens }) => ({ model, requests, input_tokens, output_tokens }))).toEqual([
      { model: HAIKU, requests: 1, input_tokens: 5, output_tokens: 6 },
      { model: SONNET, requests: 1, input_tokens: 5, output_tokens: 6 },
    ]);
  });

  it("a mixed batch: the big model group is a batch job, the small one is invoked; every custom_id once", async () => {
    const created = await create([
      textRequest("big-1", "one", HAIKU),
      textRequest("big-2", "two", HAIKU),
      textRequest("small-1", "please FAIL_REQUEST", SONNET),
    ]);
    const { batch } = await listedUntilEnded(created.id);
    expect(batch.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 1, canceled: 0, expired: 0 });
    const jobs = callsMatching(fakes.bedrock.calls, "POST", "/model-invocation-job");
    expect(jobs.map((c) => (JSON.parse(c.body!) as { modelId: string }).modelId)).toEqual([HAIKU_ID]);
    expect(invokedModels()).toEqual([`/model/${SONNET_ID}/invoke`]);
    const lines = (await results(batch.id)).sort(byCustomId);
    expect(lines.map((l) => [l.custom_id, l.result.type])).toEqual([
      ["big-1", "succeeded"],
      ["big-2", "succeeded"],
      ["small-1", "errored"],
    ]);
    expect(lines[2]!.result.error).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: "bedrock: ValidationException: The model could not process this request (FAIL_REQUEST)." },
    });
  });

  it("retries throttling: InvokeModel's ThrottlingException and ModelNotReadyException end in results, not errors", async () => {
    fakes.bedrock.failInvokes("ThrottlingException", 3);
    fakes.bedrock.failInvokes("ModelNotReadyException", 1);
    const created = await create([textRequest("only", "hello", HAIKU)]);
    const { batch } = await listedUntilEnded(created.id);
    expect(batch.request_counts).toEqual({ processing: 0, succeeded: 1, errored: 0, canceled: 0, expired: 0 });
    expect(invokes()).toHaveLength(5);
    expect(fakes.bedrock.runtime.failures).toEqual([]);
  });

  it("counts move as requests finish, and cancel stops those not started: they end canceled", async () => {
    // One request per model: three groups the gateway runs one after another, slowly.
    fakes.bedrock.runtime.latencyMs = 1_500;
    const created = await create([textRequest("a", "first", HAIKU), textRequest("b", "second", SONNET), textRequest("c", "third", OPUS)]);
    // Wait until the first request has finished (list shows it), then cancel.
    const deadline = Date.now() + 30_000;
    let seen = await listed(created.id);
    while (seen!.request_counts.succeeded === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = await listed(created.id);
    }
    expect(seen!.request_counts).toMatchObject({ processing: 2, succeeded: 1 });
    const canceling = await json<WireBatch>(await call(`${BATCHES}/${created.id}/cancel`, { method: "POST", provider: "bedrock" }));
    expect(canceling.processing_status).toBe("canceling");

    const { batch } = await listedUntilEnded(created.id);
    // The request in flight when cancel came may finish; none is started after it.
    const started = invokes().length;
    expect(started).toBeGreaterThanOrEqual(1);
    expect(started).toBeLessThanOrEqual(2);
    expect(batch.request_counts).toEqual({ processing: 0, succeeded: started, errored: 0, canceled: 3 - started, expired: 0 });
    const lines = (await results(batch.id)).sort(byCustomId);
    expect(lines.map((l) => l.result.type).filter((t) => t === "canceled")).toHaveLength(3 - started);
    expect(lines.map((l) => l.custom_id)).toEqual(["a", "b", "c"]);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(invokes()).toHaveLength(started);
  });
});

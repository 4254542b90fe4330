/**
 * Faults: retries of idempotent calls, a crash at every step of create followed by the
 * reconciler (zero orphans upstream), and failures at poll, results and delete that leave
 * the gateway consistent and retryable.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createBatch, type BatchSource } from "../../src/core/batch-create";
import { deleteBatch } from "../../src/core/batch-cancel";
import { getBatch } from "../../src/core/batch-refresh";
import { createGateway } from "../../src/core/gateway";
import { reconcile } from "../../src/core/reconcile";
import { ADAPTERS } from "../../src/providers/index";
import type { BatchRequest } from "../../src/domain/batch-request";
import type { ProviderName } from "../../src/domain/provider-name";
import { BATCHES, type WireBatch } from "./support/batches";
import { countRows } from "./support/db";
import { call, errorOf } from "./support/gateway";
import { twoRequests } from "./support/requests";
import { failNext, fakeUpstream, useFakes } from "./support/upstream";

const fakes = useFakes();
const HOUR = 3600_000;

function source(requests: BatchRequest[]): BatchSource {
  return {
    replayable: true,
    async *requests() {
      yield* requests;
    },
  };
}

/** A gateway on the fakes, as the Worker builds one. */
function plainGateway() {
  return createGateway({ db: env.DB, env, clientBetas: [], adapters: ADAPTERS });
}

/** Creates the seed's two-request batch on anthropic through the Worker (not asserting its status). */
async function postBatch(): Promise<WireBatch> {
  return (await (await call(BATCHES, { method: "POST", body: { requests: twoRequests() } })).json()) as WireBatch;
}

/** A gateway whose `crashAt`-th creating call (a POST that is not a cancel) never answers. */
function crashingGateway(crashAt: number) {
  let creates = 0;
  const state = { crashed: false };
  const upstream = fakeUpstream(fakes);
  const gateway = createGateway({
    db: env.DB,
    env,
    clientBetas: [],
    adapters: ADAPTERS,
    fetch: async (input, init) => {
      const request = new Request(input, init);
      if (request.method === "POST" && !/cancel/.test(request.url) && ++creates === crashAt) {
        state.crashed = true;
        await request.body?.cancel().catch(() => {});
        return new Promise<Response>(() => {});
      }
      return upstream(request);
    },
  });
  return { gateway, state };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  if (!condition()) throw new Error("condition never held");
}

async function openaiOrphans(): Promise<string[]> {
  const headers = { authorization: "Bearer test-openai-key" };
  const files = (await (await fakes.openai.fetch(new Request("https://openai.fake/v1/files", { headers }))).json()) as { data: { id: string }[] };
  const batches = (await (await fakes.openai.fetch(new Request("https://openai.fake/v1/batches", { headers }))).json()) as { data: { id: string; status: string }[] };
  return [...files.data.map((f) => f.id), ...batches.data.filter((b) => !["cancelling", "cancelled", "failed", "completed", "expired"].includes(b.status)).map((b) => b.id)];
}

describe("retries", () => {
  it("retries an idempotent call on 529 and 429, honouring retry-after", async () => {
    const created = await postBatch();
    await failNext(fakes.anthropic, { status: 529, message: "Overloaded", times: 2 });
    const res = await call(`/anthropic/v1/messages/batches/${created.id}`);
    expect(res.status).toBe(200);
    const gets = fakes.anthropic.calls.filter((c) => c.method === "GET" && c.path.startsWith("/v1/messages/batches/"));
    expect(gets).toHaveLength(3);
  });

  it("gives up after the retries, with the provider's error", async () => {
    const created = await postBatch();
    await failNext(fakes.anthropic, { status: 500, message: "Internal server error", times: 10 });
    const error = await errorOf(await call(`/anthropic/v1/messages/batches/${created.id}`));
    expect(error).toMatchObject({ status: 500, type: "api_error", message: "anthropic upstream error (HTTP 500): Internal server error" });
    expect(fakes.anthropic.calls.filter((c) => c.method === "GET" && c.path.startsWith("/v1/messages/batches/"))).toHaveLength(4);
    const stored = await env.DB.prepare("SELECT state, processing FROM batches WHERE id = ?").bind(created.id).first();
    expect(stored).toEqual({ state: "in_progress", processing: 2 });
  });

  it("never retries a create (it is not idempotent)", async () => {
    await failNext(fakes.anthropic, { status: 529, message: "Overloaded" });
    expect((await errorOf(await call("/anthropic/v1/messages/batches", { method: "POST", body: { requests: twoRequests() } }))).status).toBe(529);
    expect(fakes.anthropic.calls.filter((c) => c.method === "POST")).toHaveLength(1);
  });
});

describe("a crash at every step of create, then the reconciler", () => {
  const mixed: BatchRequest[] = [...twoRequests("gpt-4o-mini"), { custom_id: "big", params: { model: "gpt-4o", max_tokens: 5, messages: [{ role: "user", content: "hi" }] } }];

  // OpenAI: upload input file (1), create job (2), for each of two models.
  it.each([1, 2, 3, 4])("openai, crash at creating call %i: zero orphans after reconcile", async (step) => {
    const { gateway, state } = crashingGateway(step);
    void createBatch(gateway, "shared", "openai", source(mixed), null).catch(() => {});
    await until(() => state.crashed);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const pending = await env.DB.prepare("SELECT state FROM batches").all<{ state: string }>();
    expect(pending.results).toEqual([{ state: "creating" }]);

    const report = await reconcile(plainGateway(), Date.now() + HOUR);
    expect(report).toMatchObject({ batchesRolledBack: 1, batchesLeft: 0 });
    expect(await openaiOrphans()).toEqual([]);
    expect(await countRows("batches")).toBe(0);
    expect(await countRows("batch_artifacts")).toBe(0);
  });

  it("anthropic, crash while the batch is being created: nothing upstream, record removed", async () => {
    const { gateway, state } = crashingGateway(1);
    void createBatch(gateway, "shared", "anthropic", source(twoRequests()), null).catch(() => {});
    await until(() => state.crashed);
    const report = await reconcile(plainGateway(), Date.now() + HOUR);
    expect(report).toMatchObject({ batchesRolledBack: 1 });
    expect(await countRows("batches")).toBe(0);
  });

  it("leaves a fresh create alone", async () => {
    const { gateway, state } = crashingGateway(1);
    void createBatch(gateway, "shared", "openai", source(mixed), null).catch(() => {});
    await until(() => state.crashed);
    const report = await reconcile(plainGateway(), Date.now());
    expect(report).toEqual({ batchesRolledBack: 0, batchesLeft: 0, filesForgotten: 0 });
  });
});

describe("faults at poll, results and delete", () => {
  async function endedOpenAIBatch(provider: ProviderName = "openai") {
    const gateway = plainGateway();
    const batch = await createBatch(gateway, "shared", provider, source(twoRequests("gpt-4o-mini")), null);
    let current = batch;
    for (let i = 0; i < 10 && current.state !== "ended"; i++) current = await getBatch(gateway, "shared", batch.id);
    expect(current.state).toBe("ended");
    return batch;
  }

  it("a delete that fails midway keeps the record; the retry finishes it with zero orphans", async () => {
    const batch = await endedOpenAIBatch();
    let deletes = 0;
    const upstream = fakeUpstream(fakes);
    const flaky = createGateway({
      db: env.DB,
      env: { ...env, UPSTREAM_RETRIES: "0" },
      clientBetas: [],
      adapters: ADAPTERS,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        if (request.method === "DELETE" && ++deletes === 2) return new Response(JSON.stringify({ error: { message: "boom", type: "server_error", param: null, code: null } }), { status: 500 });
        return upstream(request);
      },
    });
    await expect(deleteBatch(flaky, "shared", batch.id)).rejects.toMatchObject({ status: 500 });
    expect((await call(`/anthropic/v1/messages/batches/${batch.id}`)).status).toBe(200);
    const res = await call(`/anthropic/v1/messages/batches/${batch.id}`, { method: "DELETE" });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await openaiOrphans()).toEqual([]);
  });

  it("results whose upstream fails while they are vaulted: an Anthropic error on retrieve, nothing published, ended on the next try", async () => {
    const batch = await postBatch();
    const real = fakes.anthropic;
    let failing = true;
    fakes.anthropic = {
      ...real,
      fetch: async (request: Request) =>
        failing && new URL(request.url).pathname.endsWith("/results")
          ? Response.json({ type: "error", error: { type: "api_error", message: "results unavailable" } }, { status: 500 })
          : real.fetch(request),
    };
    let error: Awaited<ReturnType<typeof errorOf>> | undefined;
    for (let i = 0; i < 4 && !error; i++) {
      const res = await call(`/anthropic/v1/messages/batches/${batch.id}`);
      if (res.status !== 200) error = await errorOf(res);
      else expect(((await res.json()) as WireBatch).processing_status).toBe("in_progress");
    }
    expect(error).toMatchObject({ status: 500, type: "api_error", message: "anthropic upstream error (HTTP 500): results unavailable" });
    // Write, then publish: the batch does not read ended; a results call tries again, and says why it failed.
    expect(await errorOf(await call(`/anthropic/v1/messages/batches/${batch.id}/results`))).toMatchObject({ status: 500, type: "api_error" });
    expect(((await (await call(`/anthropic/v1/messages/batches?limit=10`)).json()) as { data: WireBatch[] }).data[0]!.processing_status).toBe("in_progress");

    failing = false;
    const ended = (await (await call(`/anthropic/v1/messages/batches/${batch.id}`)).json()) as WireBatch;
    expect(ended.processing_status).toBe("ended");
    expect((await call(`/anthropic/v1/messages/batches/${batch.id}/results`)).status).toBe(200);
  });
});

/**
 * `/v1/messages/batches`: the Anthropic Message Batches API. Routes know the Anthropic wire
 * only; the batches service does the rest.
 */
import { Hono, type Context } from "hono";
import { batchResults, cancelBatch, createBatch, deleteBatch, endedBatch, getBatch, vaultedResults } from "../core/batches";
import { isGatewayId } from "../core/ids";
import { resultsOrigin } from "../domain/message-batch";
import { assertModelAllowed, assertProviderAllowed, type Caller } from "../core/keys";
import type { BatchSource } from "../core/batches";
import { GatewayError } from "../lib/errors";
import { toJsonLines } from "../lib/jsonl";
import { batchSource } from "./batch-body";
import type { AppEnv } from "./env";
import { parseListQuery } from "./schemas";
import { batchToWire, listPage } from "./wire";

export const batches = new Hono<AppEnv>();

batches.post("/", async (c) => {
  const provider = c.var.provider ?? "anthropic";
  assertProviderAllowed(c.var.caller, provider);
  const declared = Number(c.req.header("content-length"));
  const source = withModelCheck(await batchSource(c.req.raw.body, Number.isFinite(declared) ? declared : null), c.var.caller);
  const idempotencyKey = c.req.header("idempotency-key")?.trim() || null;
  const batch = await createBatch(c.var.gateway, c.var.owner, provider, source, idempotencyKey, {
    maxBatchesInProgress: c.var.caller.key?.limits.maxBatchesInProgress ?? null,
    monthlyBudgetUsd: c.var.caller.key?.limits.monthlyBudgetUsd ?? null,
    origin: new URL(c.req.url).origin,
  });
  return c.json(batchToWire(batch, origin(c)));
});

batches.get("/", async (c) => {
  const query = parseListQuery(c.req.query());
  const page = await c.var.gateway.batches.list(c.var.owner, c.var.provider, {
    limit: query.limit,
    beforeId: query.before_id,
    afterId: query.after_id,
  });
  const at = origin(c);
  return c.json(listPage(page.items.map((batch) => batchToWire(batch, at)), page.hasMore));
});

batches.get("/:id", async (c) => {
  const batch = await getBatch(c.var.gateway, c.var.owner, batchIdParam(c.req.param("id")));
  return c.json(batchToWire(batch, origin(c)));
});

batches.post("/:id/cancel", async (c) => {
  const batch = await cancelBatch(c.var.gateway, c.var.owner, batchIdParam(c.req.param("id")));
  return c.json(batchToWire(batch, origin(c)));
});

batches.delete("/:id", async (c) => {
  const id = batchIdParam(c.req.param("id"));
  await deleteBatch(c.var.gateway, c.var.owner, id);
  return c.json({ id, type: "message_batch_deleted" });
});

batches.get("/:id/results", async (c) => {
  const batch = await endedBatch(c.var.gateway, c.var.owner, batchIdParam(c.req.param("id")));
  const vaulted = await vaultedResults(c.var.gateway, batch);
  if (vaulted) return new Response(vaulted.body, { headers: { "content-type": "application/x-jsonl", "content-length": String(vaulted.size) } });
  // A batch that ended before the vault existed: translated live, as it always was.
  const lines = batchResults(c.var.gateway, batch);
  // The first line is read before answering, so that an upstream failure is still an
  // error response rather than a stream cut short.
  const first = await lines.next();
  async function* all() {
    if (!first.done) yield first.value;
    yield* lines;
  }
  return new Response(toJsonLines(all()), { headers: { "content-type": "application/x-jsonl" } });
});

/** Refuses, as each request is read, a model the caller's key may not use. */
function withModelCheck(source: BatchSource, caller: Caller): BatchSource {
  if (!caller.key?.models) return source;
  return {
    replayable: source.replayable,
    ...(source.digest ? { digest: () => source.digest!() } : {}),
    async *requests() {
      let index = 0;
      for await (const request of source.requests()) {
        assertModelAllowed(caller, request.params.model, `requests.${index}.params.model`);
        index++;
        yield request;
      }
    },
  };
}

/** A path ID that cannot be a gateway batch ID is answered like an unknown one. */
function batchIdParam(id: string): string {
  if (!isGatewayId(id, "msgbatch")) throw GatewayError.notFound(`Message batch not found: ${id}`);
  return id;
}

/** Where `results_url` points: `PUBLIC_URL` when set, else the origin of this request. */
function origin(c: Context<AppEnv>): string {
  return resultsOrigin(c.env, new URL(c.req.url).origin);
}

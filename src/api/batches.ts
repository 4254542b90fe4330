/**
 * `/v1/messages/batches`: the Anthropic Message Batches API. Routes know the Anthropic wire
 * only; the batches service does the rest.
 */
import type { Context } from "hono";
import { Hono } from "../lib/hono-app";
import { resultsOrigin } from "../domain/message-batch";
import { batchSource } from "./batch-body";
import type { Services } from "../core/services";
import type { AppEnv } from "./env";
import { jsonBody, JsonBodies } from "./json-bodies";
import { parseListQuery } from "./schemas";
import { batchToWire, listPage } from "./wire";

export const batches = new Hono<AppEnv>();

batches.post("/", async (c) => {
  const provider = c.var.provider ?? "anthropic";
  c.var.services.keys.assertProviderAllowed(c.var.caller, provider);
  const declared = Number(c.req.header("content-length"));
  const idempotencyKey = c.req.header("idempotency-key")?.trim() || null;
  // Only a body sent with an Idempotency-Key needs its hash (to tell a replay from a reuse).
  const source = await batchSource(c.req.raw.body, Number.isFinite(declared) ? declared : null, { hashed: idempotencyKey !== null });
  const batch = await c.var.services.batches.create(c.var.caller, provider, source, { idempotencyKey, origin: new URL(c.req.url).origin });
  return c.json(batchToWire(batch, origin(c)));
});

batches.get("/", async (c) => {
  const query = parseListQuery(c.req.query());
  const page = await c.var.services.batches.list(c.var.owner, c.var.provider, {
    limit: query.limit,
    beforeId: query.before_id,
    afterId: query.after_id,
  });
  const at = origin(c);
  return c.json(listPage(page.items.map((batch) => batchToWire(batch, at)), page.hasMore));
});

batches.get("/:id", async (c) => {
  // `c.get`, not `c.var`: Hono builds a fresh object of every variable on each `c.var` read.
  const batch = await c.get("services").batches.get(c.get("owner"), c.req.param("id"));
  const at = origin(c);
  // The same batch object comes back while this isolate keeps it: so does its body.
  return jsonBody(c, batchBodies.of(batch, at, () => batchToWire(batch, at)));
});

const batchBodies = new JsonBodies<Awaited<ReturnType<Services["batches"]["get"]>>>();

batches.post("/:id/cancel", async (c) => {
  const batch = await c.var.services.batches.cancel(c.var.owner, c.req.param("id"));
  return c.json(batchToWire(batch, origin(c)));
});

batches.delete("/:id", async (c) => {
  const id = c.req.param("id");
  await c.var.services.batches.delete(c.var.owner, id);
  return c.json({ id, type: "message_batch_deleted" });
});

// Vaulted results are served with their size; a batch that ended before the vault existed
// is translated live (its first line already read, so an upstream failure is an error response).
batches.get("/:id/results", async (c) => {
  const results = await c.var.services.batches.results(c.var.owner, c.req.param("id"));
  const headers: Record<string, string> = { "content-type": "application/x-jsonl" };
  if (results.size !== null) headers["content-length"] = String(results.size);
  return new Response(results.body, { headers });
});

/** Where `results_url` points: `PUBLIC_URL` when set, else the origin of this request. */
function origin(c: Context<AppEnv>): string {
  return resultsOrigin(c.env, originOf(c.req.url));
}

// A request's URL is already normalised by the runtime: its origin is everything before the
// path, cut out without parsing the URL again on every retrieve.
function originOf(url: string): string {
  const path = url.indexOf("/", url.indexOf("//") + 2);
  return path === -1 ? url : url.slice(0, path);
}

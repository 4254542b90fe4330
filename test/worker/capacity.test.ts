/**
 * What one batch costs in storage, measured on real local D1 and R2: D1 holds a fixed
 * number of rows whatever the batch's size (the custom_id lists and results live in R2).
 * It also prints how long each batch took from the read that found its jobs ended to `ended`
 * (the results translated once and written to R2), and how long the results route took to
 * serve them back.
 *
 * The README's capacity section quotes these figures, measured with LARGE set to 100,000
 * (edit the constant; the test then takes about 5 s instead of 1.5). A batch of more than
 * VAULT_INLINE_MAX_REQUESTS is vaulted only by the queue consumer, and this project's queue
 * has none (vitest.config.ts): the test hands it the `vault` message, as the consumer would.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createGateway } from "../../src/core/gateway";
import { handleJob } from "../../src/core/job-handlers";
import { ADAPTERS } from "../../src/providers/index";
import { BATCHES, batchClient } from "./support/batches";
import { call } from "./support/gateway";
import { textRequest } from "./support/requests";
import { useFakes } from "./support/upstream";

useFakes();

const LARGE = 5_000;

/** Rows and bytes (of the rows' values, as JSON) a batch holds in each D1 table. */
async function d1Footprint(batchId: string): Promise<{ rows: number; bytes: number }> {
  const queries = [
    env.DB.prepare(`SELECT * FROM batches WHERE id = ?`).bind(batchId),
    env.DB.prepare(`SELECT * FROM batch_jobs WHERE batch_id = ?`).bind(batchId),
    env.DB.prepare(`SELECT * FROM batch_artifacts WHERE batch_id = ?`).bind(batchId),
    env.DB.prepare(`SELECT * FROM batch_usage WHERE batch_id = ?`).bind(batchId),
    env.DB.prepare(`SELECT * FROM files WHERE batch_id = ?`).bind(batchId),
  ];
  let rows = 0;
  let bytes = 0;
  for (const result of await env.DB.batch(queries)) {
    for (const row of result.results as Record<string, unknown>[]) {
      rows++;
      bytes += Object.values(row).reduce<number>((sum, value) => sum + (value === null ? 0 : String(value).length), 0);
    }
  }
  return { rows, bytes };
}

async function r2Bytes(batchId: string): Promise<{ objects: number; bytes: number }> {
  const listed = await env.RESULTS.list({ prefix: `batches/${batchId}/` });
  return { objects: listed.objects.length, bytes: listed.objects.reduce((sum, object) => sum + object.size, 0) };
}

async function storedState(batchId: string): Promise<string> {
  return (await env.DB.prepare(`SELECT state FROM batches WHERE id = ?`).bind(batchId).first<string>("state"))!;
}

/**
 * Creates a batch of `size` requests and retrieves it until its jobs have ended (the fake
 * ends a batch on its second poll); then, if it is still `vaulting`, runs its `vault` message.
 * `endMs`: from the start of the read that found the jobs ended to `ended`.
 */
async function endedBatchOf(size: number): Promise<{ id: string; endMs: number }> {
  const { create, retrieve } = batchClient();
  const requests = Array.from({ length: size }, (_, i) => textRequest(`request-${i}`, `Question number ${i}?`, "claude-3-5-haiku-20241022"));
  const batch = await create(requests);
  let started = 0;
  let state = "in_progress";
  for (let reads = 0; state === "in_progress" && reads < 7; reads++) {
    started = Date.now();
    await retrieve(batch.id);
    state = await storedState(batch.id);
  }
  if (state === "vaulting") {
    await handleJob(createGateway({ db: env.DB, env, clientBetas: [], adapters: ADAPTERS }), { kind: "vault", batchId: batch.id });
  }
  expect((await retrieve(batch.id)).processing_status).toBe("ended");
  return { id: batch.id, endMs: Date.now() - started };
}

/** Reads the batch's results through the results route to their end: the ms it took. */
async function readBackMs(batchId: string): Promise<number> {
  const started = Date.now();
  const res = await call(`${BATCHES}/${batchId}/results`);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return Date.now() - started;
}

describe("capacity", () => {
  it(`keeps a fixed number of D1 rows per batch: 2 requests and ${LARGE} alike; the rest is in R2`, { timeout: 300_000 }, async () => {
    const small = await endedBatchOf(2);
    const large = await endedBatchOf(LARGE);
    const [smallD1, largeD1, smallR2, largeR2] = [await d1Footprint(small.id), await d1Footprint(large.id), await r2Bytes(small.id), await r2Bytes(large.id)];
    const timing = { smallEndMs: small.endMs, largeEndMs: large.endMs, largeReadBackMs: await readBackMs(large.id) };
    console.log(JSON.stringify({ small: { d1: smallD1, r2: smallR2 }, large: { requests: LARGE, d1: largeD1, r2: largeR2 }, timing }));
    expect(largeD1.rows).toBe(smallD1.rows);
    // A few bytes more for larger counts, nothing per request.
    expect(largeD1.bytes - smallD1.bytes).toBeLessThan(64);
    expect(largeR2.bytes).toBeGreaterThan(smallR2.bytes * 100);
  });
});

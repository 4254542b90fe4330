/**
 * What one batch costs in storage, measured on real local D1 and R2: D1 holds a fixed
 * number of rows whatever the batch's size (the custom_id lists and results live in R2).
 * The README's capacity section quotes these figures (LARGE set to 100,000 for it).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { batchClient } from "./support/batches";
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

async function endedBatchOf(size: number): Promise<string> {
  const { create, pollUntilEnded } = batchClient();
  const requests = Array.from({ length: size }, (_, i) => textRequest(`request-${i}`, `Question number ${i}?`, "claude-3-5-haiku-20241022"));
  const batch = await create(requests);
  await pollUntilEnded(batch.id);
  return batch.id;
}

describe("capacity", () => {
  it(`keeps a fixed number of D1 rows per batch: 2 requests and ${LARGE} alike; the rest is in R2`, { timeout: 300_000 }, async () => {
    const small = await endedBatchOf(2);
    const large = await endedBatchOf(LARGE);
    const [smallD1, largeD1, smallR2, largeR2] = [await d1Footprint(small), await d1Footprint(large), await r2Bytes(small), await r2Bytes(large)];
    console.log(JSON.stringify({ small: { d1: smallD1, r2: smallR2 }, large: { requests: LARGE, d1: largeD1, r2: largeR2 } }));
    expect(largeD1.rows).toBe(smallD1.rows);
    // A few bytes more for larger counts, nothing per request.
    expect(largeD1.bytes - smallD1.bytes).toBeLessThan(64);
    expect(largeR2.bytes).toBeGreaterThan(smallR2.bytes * 100);
  });
});

/**
 * The results vault on real local R2 and D1: write, then publish; a failed write leaves no
 * object and a batch that still reads as running; large results go up in fixed-size parts.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { advanceBatch } from "../../src/core/batch-refresh";
import { sweep } from "../../src/core/sweep";
import { createGateway, type Gateway } from "../../src/core/gateway";
import { ADAPTERS } from "../../src/providers/index";
import { RESULTS_PART_BYTES, ResultsVault } from "../../src/store/vault";
import { BATCHES, batchClient, byCustomId, type WireBatch } from "./support/batches";
import { call, errorOf } from "./support/gateway";
import { twoRequests } from "./support/requests";
import { useFakes } from "./support/upstream";

useFakes();

function gatewayWith(bucket: R2Bucket): Gateway {
  return createGateway({ db: env.DB, env, clientBetas: [], adapters: ADAPTERS, results: bucket });
}

/** The local bucket, except that writing results fails (`put`, and the second part of a multipart upload). */
function failingResults(): R2Bucket {
  return new Proxy(env.RESULTS, {
    get(target, name) {
      if (name === "put") {
        return (key: string, value: unknown, options?: R2PutOptions) => {
          if (key.endsWith("/results.jsonl")) throw new Error("R2 is unavailable");
          return target.put(key, value as string, options);
        };
      }
      if (name === "createMultipartUpload") {
        return async (key: string, options?: R2MultipartOptions) => {
          const upload = await target.createMultipartUpload(key, options);
          let parts = 0;
          return new Proxy(upload, {
            get(inner, member) {
              if (member === "uploadPart") {
                return (n: number, value: Uint8Array) => {
                  if (++parts === 2) throw new Error("R2 is unavailable");
                  return inner.uploadPart(n, value);
                };
              }
              const got = Reflect.get(inner, member) as unknown;
              return typeof got === "function" ? (got as (...args: unknown[]) => unknown).bind(inner) : got;
            },
          });
        };
      }
      const got = Reflect.get(target, name) as unknown;
      return typeof got === "function" ? (got as (...args: unknown[]) => unknown).bind(target) : got;
    },
  });
}

async function stateOf(id: string): Promise<{ state: string; vault_lease_until: string | null; results_bytes: number | null }> {
  return (await env.DB.prepare(`SELECT state, vault_lease_until, results_bytes FROM batches WHERE id = ?`).bind(id).first())!;
}

describe("results vault", () => {
  it("a failed write publishes nothing: the batch reads in_progress, results are refused; the next attempt ends it", async () => {
    const { create, retrieve, results } = batchClient({ provider: "anthropic" });
    const created = await create(twoRequests());
    const failing = gatewayWith(failingResults());
    const advance = async () => {
      for (let i = 0; i < 5; i++) {
        const found = (await failing.batches.getForWork(created.id))!;
        await advanceBatch(failing, found.batch, found.jobs);
      }
    };
    await expect(advance()).rejects.toThrow("R2 is unavailable");
    expect(await stateOf(created.id)).toEqual({ state: "vaulting", vault_lease_until: null, results_bytes: null });
    expect(await env.RESULTS.head(`batches/${created.id}/results.jsonl`)).toBeNull();
    const listed = (await (await call(`${BATCHES}?limit=10`)).json()) as { data: WireBatch[] };
    expect(listed.data.map((b) => [b.id, b.processing_status, b.ended_at, b.results_url])).toEqual([[created.id, "in_progress", null, null]]);

    // The next attempt (a retrieve here; the queue in production) writes, then publishes.
    const ended = await retrieve(created.id);
    expect(ended.processing_status).toBe("ended");
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
    expect((await stateOf(created.id)).results_bytes).toBeGreaterThan(0);
    expect((await results(created.id)).sort(byCustomId).map((line) => line.custom_id)).toEqual(["geography-question", "math-question"]);
  });

  it("a cancel while another worker writes the results reads canceling, not in_progress", async () => {
    const client = batchClient();
    const created = await client.create(twoRequests());
    // Every job has ended and another worker holds the vault lease (it is writing the results).
    const until = new Date(Date.now() + 60_000).toISOString();
    await env.DB.prepare("UPDATE batches SET state = 'vaulting', vault_lease_until = ? WHERE id = ?").bind(until, created.id).run();
    const canceled = (await (await call(`${BATCHES}/${created.id}/cancel`, { method: "POST" })).json()) as WireBatch;
    expect(canceled).toMatchObject({ processing_status: "canceling", cancel_initiated_at: expect.stringMatching(/^\d{4}-/), ended_at: null, results_url: null });
    expect((await env.DB.prepare("SELECT state FROM batches WHERE id = ?").bind(created.id).first("state"))).toBe("vaulting");
    // Reads while the writer holds the batch say the same.
    expect((await client.retrieve(created.id)).processing_status).toBe("canceling");
  });

  it("streams large results in fixed-size parts; a part that fails leaves no object", async () => {
    const size = RESULTS_PART_BYTES * 2 + 12_345;
    // Each part's bytes differ (a, b, c…), so a part sent with another's bytes shows.
    const byteAt = (offset: number) => 0x61 + Math.floor(offset / RESULTS_PART_BYTES);
    async function* bytes() {
      let sent = 0;
      while (sent < size) {
        const piece = new Uint8Array(Math.min(1024 * 1024 - 7, size - sent));
        for (let i = 0; i < piece.byteLength; i++) piece[i] = byteAt(sent + i);
        sent += piece.byteLength;
        yield piece;
      }
    }
    let parts = 0;
    const vault = new ResultsVault(env.RESULTS);
    expect(await vault.writeResults("msgbatch_PARTS", bytes(), async () => void parts++)).toBe(size);
    expect(parts).toBe(2);
    expect((await env.RESULTS.head("batches/msgbatch_PARTS/results.jsonl"))?.size).toBe(size);
    const written = new Uint8Array(await (await env.RESULTS.get("batches/msgbatch_PARTS/results.jsonl"))!.arrayBuffer());
    for (const offset of [0, RESULTS_PART_BYTES - 1, RESULTS_PART_BYTES, 2 * RESULTS_PART_BYTES - 1, 2 * RESULTS_PART_BYTES, size - 1]) {
      expect([offset, written[offset]]).toEqual([offset, byteAt(offset)]);
    }

    const failing = new ResultsVault(failingResults());
    await expect(failing.writeResults("msgbatch_HALF", bytes())).rejects.toThrow("R2 is unavailable");
    expect(await env.RESULTS.head("batches/msgbatch_HALF/results.jsonl")).toBeNull();
  });

  it("keeps the custom_id lists in R2, not in D1", async () => {
    const { create } = batchClient({ provider: "openai" });
    const created = await create(twoRequests("gpt-4o-mini"));
    const listed = await env.RESULTS.list({ prefix: `batches/${created.id}/ids/` });
    expect(listed.objects).toHaveLength(1);
    const text = await (await env.RESULTS.get(listed.objects[0]!.key))!.text();
    expect(text).toBe('math-question\t"gpt-4o-mini"\ngeography-question\t"gpt-4o-mini"');
    const tables = await env.DB.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'batch_custom_ids'`).all();
    expect(tables.results).toEqual([]);
  });

  it("keeps results RESULTS_RETENTION_DAYS after creation, then removes them: a 404 that says so", async () => {
    const { create, pollUntilEnded, results } = batchClient({ provider: "anthropic" });
    const created = await create(twoRequests());
    await pollUntilEnded(created.id);
    const gateway = gatewayWith(env.RESULTS);
    // 28 days old: kept.
    await env.DB.prepare(`UPDATE batches SET created_at = ? WHERE id = ?`).bind(new Date(Date.now() - 28 * 86_400_000).toISOString(), created.id).run();
    expect((await sweep(gateway, Date.now())).resultsPurged).toBe(0);
    expect(await results(created.id)).toHaveLength(2);
    // 30 days old: removed.
    await env.DB.prepare(`UPDATE batches SET created_at = ? WHERE id = ?`).bind(new Date(Date.now() - 30 * 86_400_000).toISOString(), created.id).run();
    expect((await sweep(gateway, Date.now())).resultsPurged).toBe(1);
    expect(await env.RESULTS.head(`batches/${created.id}/results.jsonl`)).toBeNull();
    expect(await errorOf(await call(`${BATCHES}/${created.id}/results`))).toEqual({
      status: 404,
      type: "not_found_error",
      message: `The results of message batch ${created.id} are no longer available: they are kept 29 days after the batch was created.`,
      requestId: expect.any(String),
    });
  });

  it("answers usage only for the caller's own batch (as retrieve), and 404 for an unknown one", async () => {
    const res = await call(`${BATCHES}/msgbatch_01ARZ3NDEKTSV4RRFFQ69G5FAV/usage`);
    expect(await errorOf(res)).toMatchObject({ status: 404, type: "not_found_error" });
    const odd = await call(`${BATCHES}/not-a-batch/usage`);
    expect(await errorOf(odd)).toMatchObject({ status: 404, type: "not_found_error" });
  });
});

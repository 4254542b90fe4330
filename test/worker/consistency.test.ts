/**
 * Consistency under the awkward cases: the last key revoked, many IDs at once, a batch's own
 * output files, a cancel racing a refresh, a failed create's Idempotency-Key, an upload cut
 * after the prefetch, and a KV cache that fails.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app";
import { ADAPTERS } from "../../src/providers/index";
import { BatchStore } from "../../src/store/batches";
import { ADMIN, call, errorOf, GATEWAY, useClosedGateway } from "./support/gateway";
import { twoRequests } from "./support/requests";
import { useFakes } from "./support/upstream";

const fakes = useFakes();

async function newKey(name: string) {
  const res = await call("/admin/keys", { method: "POST", body: { name }, key: null, headers: ADMIN });
  return (await res.json()) as { id: string; key: string };
}

describe("keys", () => {
  useClosedGateway();

  it("stays closed after the last virtual key is revoked", async () => {
    const only = await newKey("only");
    await call(`/admin/keys/${only.id}`, { method: "DELETE", key: null, headers: ADMIN });
    expect(await errorOf(await call("/anthropic/v1/files", { key: "anything" }))).toMatchObject({ status: 401, type: "authentication_error" });
    expect(await errorOf(await call("/anthropic/v1/files", { key: only.key }))).toMatchObject({ status: 401 });
  });

  it("authenticates without the cache when KV fails", async () => {
    const { key } = await newKey("k");
    const broken = { get: () => Promise.reject(new Error("KV down")), put: () => Promise.reject(new Error("KV down")), delete: () => Promise.reject(new Error("KV down")) };
    const app = createApp({ adapters: ADAPTERS });
    const closed = { ...env, ADMIN_TOKEN: ADMIN.authorization.slice("Bearer ".length), AUTH_CACHE: broken };
    const res = await app.fetch(new Request(`${GATEWAY}/anthropic/v1/files`, { headers: { "x-api-key": key } }), closed);
    expect(res.status).toBe(200);
    const refused = await app.fetch(new Request(`${GATEWAY}/anthropic/v1/files`, { headers: { "x-api-key": "nope" } }), closed);
    expect(refused.status).toBe(401);
  });

  it("caches no negative answer: neither unknown keys nor the absence of keys", async () => {
    for (let i = 0; i < 3; i++) expect((await call("/anthropic/v1/files", { key: `guess-${i}` })).status).toBe(401);
    await newKey("k");
    for (let i = 3; i < 6; i++) expect((await call("/anthropic/v1/files", { key: `guess-${i}` })).status).toBe(401);
    const cached = await env.AUTH_CACHE.list();
    expect(cached.keys).toEqual([]);
  });
});

describe("files", () => {
  it("answers 100 ids at once", async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `file_01JDQ8Z3K4T5V6W7X8Y9Z0A${String(i).padStart(3, "0")}`.slice(0, 31));
    const res = await call(`/anthropic/v1/files?${ids.map((id) => `ids[]=${id}`).join("&")}`);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({ data: [], has_more: false, first_id: null, last_id: null, next_page: null });
  });

  it("answers an upload cut after the prefetch with the gateway's 400, not the provider's error", async () => {
    const boundary = "XYZ";
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`;
    const size = 9 * 1024 * 1024;
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(head));
      },
      pull(controller) {
        if (sent >= size) return controller.close();
        const chunk = new Uint8Array(256 * 1024).fill(97);
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await call("/anthropic/v1/files", { method: "POST", body, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } });
    expect(await errorOf(res)).toMatchObject({ status: 400, type: "invalid_request_error", message: "The multipart body ended before its closing boundary." });
    const list = (await (await call("/anthropic/v1/files")).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
  });
});

describe("batches", () => {
  it("refuses to delete a batch's own output file until its results are in the vault, then lets the owner delete it", async () => {
    const created = (await (await call("/anthropic/v1/messages/batches", { method: "POST", provider: "openai", body: { requests: twoRequests("gpt-4o-mini") } })).json()) as { id: string };
    for (let i = 0; i < 6; i++) await call(`/anthropic/v1/messages/batches/${created.id}`);
    const files = (await (await call("/anthropic/v1/files", { provider: "openai" })).json()) as { data: { id: string; filename: string }[] };
    const output = files.data.find((f) => f.filename.startsWith(created.id));
    expect(output).toBeDefined();
    expect(output!.filename).toMatch(/^msgbatch_[0-9A-Z]{26}_gpt-4o-mini-0_(output|errors)\.jsonl$/);
    const vaulted = await env.DB.prepare("SELECT results_bytes FROM batches WHERE id = ?").bind(created.id).first<number>("results_bytes");
    expect(vaulted).toBeGreaterThan(0);
    // A batch that ended before the vault existed reads its results from this file.
    await env.DB.prepare("UPDATE batches SET results_bytes = NULL WHERE id = ?").bind(created.id).run();
    const refused = await errorOf(await call(`/anthropic/v1/files/${output!.id}`, { method: "DELETE" }));
    expect(refused).toMatchObject({ status: 400, message: `File ${output!.id} holds results of message batch ${created.id}; delete the batch to delete it.` });
    // Vaulted, the file is the owner's to delete; the results still come back, from the vault.
    await env.DB.prepare("UPDATE batches SET results_bytes = ? WHERE id = ?").bind(vaulted, created.id).run();
    expect(await (await call(`/anthropic/v1/files/${output!.id}`, { method: "DELETE" })).json()).toEqual({ id: output!.id, type: "file_deleted" });
    expect((await call(`/anthropic/v1/messages/batches/${created.id}/results`)).status).toBe(200);
  });

  it("never lets a refresh that raced a cancel undo it", async () => {
    const created = (await (await call("/anthropic/v1/messages/batches", { method: "POST", body: { requests: twoRequests() } })).json()) as { id: string };
    const store = new BatchStore(env.DB);
    const stale = (await store.get("shared", created.id))!;
    await call(`/anthropic/v1/messages/batches/${created.id}/cancel`, { method: "POST" });
    // A refresh that read the batch before the cancel now writes back what it saw.
    await store.update({ ...stale, state: "in_progress", cancelInitiatedAt: null });
    const after = (await store.get("shared", created.id))!;
    expect(after.state).toBe("canceling");
    expect(after.cancelInitiatedAt).not.toBeNull();
  });

  it("releases the Idempotency-Key of a create that failed, so a retry creates the batch", async () => {
    await fakes.anthropic.fetch(new Request("https://anthropic.fake/__fake/fail-next", { method: "POST", body: JSON.stringify({ status: 529, message: "Overloaded" }) }));
    const send = () => call("/anthropic/v1/messages/batches", { method: "POST", body: { requests: twoRequests() }, headers: { "idempotency-key": "k1" } });
    expect((await send()).status).toBe(529);
    const retry = await send();
    expect(retry.status, await retry.clone().text()).toBe(200);
  });
});

/**
 * Virtual keys, the admin API and tenant isolation: every route, every provider that has files.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app";
import { ADAPTERS } from "../../src/providers/index";
import { BATCHES, type WireBatch } from "./support/batches";
import { fileForm, uploadFile } from "./support/files";
import { ADMIN, call, errorOf, GATEWAY, useClosedGateway } from "./support/gateway";
import { textRequest, twoRequests } from "./support/requests";
import { json } from "./support/responses";
import { useFakes } from "./support/upstream";

const fakes = useFakes();
useClosedGateway();

async function newKey(body: Record<string, unknown>) {
  return json<{ id: string; name: string; providers: string[] | null; models: string[] | null; created_at: string; key: string }>(
    await call("/admin/keys", { method: "POST", body, key: null, headers: ADMIN }),
  );
}

/** A file only `key` may see. */
function upload(key: string) {
  return uploadFile("mine.txt", "secret of " + key, { key });
}

async function createBatch(key: string) {
  return json<WireBatch>(await call(BATCHES, { method: "POST", body: { requests: twoRequests() }, key }));
}

describe("admin API", () => {
  it("creates a key, shows its secret once, lists without secrets, and revokes", async () => {
    const created = await newKey({ name: "team-a", providers: ["openai", "anthropic"], models: ["gpt-4o-mini"] });
    expect(created).toEqual({
      id: expect.stringMatching(/^vkey_[0-9A-Z]{26}$/),
      name: "team-a",
      providers: ["openai", "anthropic"],
      models: ["gpt-4o-mini"],
      created_at: expect.any(String),
      revoked_at: null,
      requests_per_minute: null,
      max_batches_in_progress: null,
      monthly_budget_usd: null,
      webhook_url: null,
      key: expect.stringMatching(/^bbk_[1-9A-HJ-NP-Za-km-z]{40}$/),
    });
    const listed = await (await call("/admin/keys", { key: null, headers: ADMIN })).json();
    expect(listed).toEqual({
      data: [
        {
          id: created.id,
          name: "team-a",
          providers: ["openai", "anthropic"],
          models: ["gpt-4o-mini"],
          requests_per_minute: null,
          max_batches_in_progress: null,
          monthly_budget_usd: null,
          created_at: created.created_at,
          revoked_at: null,
          webhook_url: null,
        },
      ],
    });
    expect(JSON.stringify(listed)).not.toContain(created.key);
    const stored = await env.DB.prepare("SELECT * FROM virtual_keys").all();
    expect(JSON.stringify(stored.results)).not.toContain(created.key);

    const revoked = await call(`/admin/keys/${created.id}`, { method: "DELETE", key: null, headers: ADMIN });
    expect(await revoked.json()).toEqual({ id: created.id, type: "virtual_key_revoked" });
  });

  it("refuses a wrong admin token, and bad bodies", async () => {
    const wrong = await errorOf(await call("/admin/keys", { key: null, headers: { authorization: "Bearer nope" } }));
    expect(wrong).toMatchObject({ status: 401, type: "authentication_error" });
    const none = await errorOf(await call("/admin/keys", { key: null }));
    expect(none.status).toBe(401);
    const bad = await errorOf(await call("/admin/keys", { method: "POST", body: { name: "" }, key: null, headers: ADMIN }));
    expect(bad).toMatchObject({ status: 400, type: "invalid_request_error" });
    const badProvider = await errorOf(await call("/admin/keys", { method: "POST", body: { name: "x", providers: ["cohere"] }, key: null, headers: ADMIN }));
    expect(badProvider.status).toBe(400);
    expect(await errorOf(await call("/admin/keys/vkey_nope", { method: "DELETE", key: null, headers: ADMIN }))).toMatchObject({ status: 404 });
  });

  it("does not exist without ADMIN_TOKEN", async () => {
    const app = createApp({ adapters: ADAPTERS });
    const res = await app.fetch(new Request(`${GATEWAY}/admin/keys`, { headers: ADMIN }), { ...env, ADMIN_TOKEN: undefined });
    expect(await errorOf(res)).toMatchObject({ status: 404, type: "not_found_error" });
  });
});

describe("virtual keys", () => {
  it("accepts only virtual keys from the first request once ADMIN_TOKEN is set", async () => {
    expect(await errorOf(await call("/anthropic/v1/files", { key: "anything" }))).toMatchObject({ status: 401, type: "authentication_error", message: "invalid x-api-key" });
    const { key } = await newKey({ name: "a" });
    expect(await errorOf(await call("/anthropic/v1/files", { key: "anything" }))).toMatchObject({ status: 401, type: "authentication_error", message: "invalid x-api-key" });
    expect((await call("/anthropic/v1/files", { key })).status).toBe(200);
    expect((await call("/anthropic/v1/files", { key: null, headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
  });

  it("refuses a revoked key", async () => {
    const a = await newKey({ name: "a" });
    await newKey({ name: "b" });
    expect((await call("/anthropic/v1/files", { key: a.key })).status).toBe(200);
    await call(`/admin/keys/${a.id}`, { method: "DELETE", key: null, headers: ADMIN });
    expect(await errorOf(await call("/anthropic/v1/files", { key: a.key }))).toMatchObject({ status: 401, type: "authentication_error" });
  });

  it("refuses a provider or a model the key may not use, with 403 and no upstream call", async () => {
    const { key } = await newKey({ name: "openai-mini", providers: ["openai"], models: ["gpt-4o-mini"] });
    const provider = await errorOf(await call("/anthropic/v1/messages/batches", { method: "POST", body: { requests: twoRequests() }, key }));
    expect(provider).toMatchObject({ status: 403, type: "permission_error", message: "This API key may not use provider anthropic (allowed: openai)." });
    const model = await errorOf(
      await call("/anthropic/v1/messages/batches", { method: "POST", provider: "openai", key, body: { requests: [twoRequests("gpt-4o-mini")[0], twoRequests("gpt-4o")[1]] } }),
    );
    expect(model).toMatchObject({ status: 403, type: "permission_error", message: "requests.1.params.model: this API key may not use model gpt-4o (allowed: gpt-4o-mini)." });
    expect(await errorOf(await call("/anthropic/v1/files", { method: "POST", body: fileForm("x.txt", "x"), key, provider: "gemini" }))).toMatchObject({ status: 403 });
    expect(fakes.anthropic.calls).toEqual([]);
    expect(fakes.openai.calls).toEqual([]);
    expect(fakes.gemini.calls).toEqual([]);
    const allowed = await call("/anthropic/v1/messages/batches", { method: "POST", provider: "openai", key, body: { requests: twoRequests("gpt-4o-mini") } });
    expect(allowed.status, await allowed.clone().text()).toBe(200);
  });

  it("refuses a model the key may not use in a streamed body (over 4 MiB) too, and a request refused before it still comes first", async () => {
    const { key } = await newKey({ name: "openai-mini", providers: ["openai"], models: ["gpt-4o-mini"] });
    const big = textRequest("big", "a".repeat(4.5 * 1024 * 1024), "gpt-4o-mini");
    const forbidden = textRequest("forbidden", "hi", "gpt-4o");
    const create = (requests: unknown[]) => call("/anthropic/v1/messages/batches", { method: "POST", provider: "openai", key, body: { requests } });
    expect(await errorOf(await create([big, forbidden]))).toMatchObject({
      status: 403,
      type: "permission_error",
      message: "requests.1.params.model: this API key may not use model gpt-4o (allowed: gpt-4o-mini).",
    });
    const thinking = { ...textRequest("thinks", "hi", "gpt-4o-mini"), params: { ...textRequest("thinks", "hi", "gpt-4o-mini").params, thinking: { type: "enabled", budget_tokens: 1024 } } };
    expect(await errorOf(await create([big, thinking, forbidden]))).toMatchObject({ status: 400, message: expect.stringMatching(/^requests\.1\.params\.thinking/) });
  }, 60_000);
});

describe("isolation", () => {
  it("answers another key's file and batch IDs with 404 on every route, exactly like unknown IDs", async () => {
    const alice = await newKey({ name: "alice" });
    const bob = await newKey({ name: "bob" });
    const file = await upload(alice.key);
    const batch = await createBatch(alice.key);
    const routes: [string, string][] = [
      ["GET", `/anthropic/v1/files/${file.id}`],
      ["GET", `/anthropic/v1/files/${file.id}/content`],
      ["DELETE", `/anthropic/v1/files/${file.id}`],
      ["GET", `/anthropic/v1/messages/batches/${batch.id}`],
      ["GET", `/anthropic/v1/messages/batches/${batch.id}/results`],
      ["POST", `/anthropic/v1/messages/batches/${batch.id}/cancel`],
      ["DELETE", `/anthropic/v1/messages/batches/${batch.id}`],
    ];
    for (const [method, path] of routes) {
      const theirs = await errorOf(await call(path, { method, key: bob.key }));
      const unknown = await errorOf(await call(path.replace(/(file|msgbatch)_[0-9A-Z]{26}/, "$1_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD"), { method, key: bob.key }));
      expect(theirs.status, `${method} ${path}`).toBe(404);
      expect(theirs.type).toBe(unknown.type);
      expect(theirs.message.replace(/(file|msgbatch)_[0-9A-Z]{26}/, "ID")).toBe(unknown.message.replace(/(file|msgbatch)_[0-9A-Z]{26}/, "ID"));
    }
    // Alice still has both, untouched.
    expect((await call(`/anthropic/v1/files/${file.id}`, { key: alice.key })).status).toBe(200);
    expect((await call(`/anthropic/v1/messages/batches/${batch.id}`, { key: alice.key })).status).toBe(200);
  });

  it("never lets lists, cursors or first_id/last_id reveal another key's IDs", async () => {
    const alice = await newKey({ name: "alice" });
    const bob = await newKey({ name: "bob" });
    const aliceFiles = [await upload(alice.key), await upload(alice.key)];
    const bobFile = await upload(bob.key);
    const aliceBatch = await createBatch(alice.key);
    for (const path of [
      "/anthropic/v1/files",
      `/anthropic/v1/files?after_id=${aliceFiles[1]!.id}`,
      `/anthropic/v1/files?before_id=${aliceFiles[0]!.id}`,
      `/anthropic/v1/files?ids[]=${aliceFiles[0]!.id}&ids[]=${bobFile.id}`,
      "/anthropic/v1/messages/batches",
      `/anthropic/v1/messages/batches?before_id=msgbatch_00000000000000000000000000`,
    ]) {
      const text = await (await call(path, { key: bob.key })).text();
      for (const id of [...aliceFiles.map((f) => f.id), aliceBatch.id]) expect(text, path).not.toContain(id);
    }
    const bobList = (await (await call("/anthropic/v1/files", { key: bob.key })).json()) as { data: { id: string }[] };
    expect(bobList.data.map((f) => f.id)).toEqual([bobFile.id]);
  });

  it("refuses a batch that names another key's file as if it did not exist", async () => {
    const alice = await newKey({ name: "alice" });
    const bob = await newKey({ name: "bob" });
    const file = await upload(alice.key);
    const requests = [{ custom_id: "a", params: { model: "claude-3-5-haiku-20241022", max_tokens: 5, messages: [{ role: "user", content: [{ type: "document", source: { type: "file", file_id: file.id } }] }] } }];
    const error = await errorOf(await call("/anthropic/v1/messages/batches", { method: "POST", body: { requests }, key: bob.key }));
    expect(error).toMatchObject({ status: 400, message: `requests.0.params.messages.0.content.0.source.file_id: file not found: ${file.id}` });
  });
});

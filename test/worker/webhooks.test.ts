/**
 * Signed webhooks: one `message_batch.ended` event per batch, signed as Standard Webhooks
 * (checked with the `standardwebhooks` library), retried with backoff, listed for the admin;
 * key webhooks set through the admin API. Here the JOBS queue has no consumer (see
 * vitest.config.ts): deliveries are sent by calling the delivery code; the tests of delivery
 * through the real queue are in test/worker/queues/webhooks.test.ts.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { describeGatewayWebhook } from "../../src/core/webhook-config";
import { deliverWebhook, retryDelaySeconds } from "../../src/core/webhook-delivery";
import { batchEnded } from "../../src/core/webhooks";
import { BATCHES, type WireBatch } from "./support/batches";
import { ADMIN, call, callWithEnv, errorOf, useClosedGateway } from "./support/gateway";
import { json } from "./support/responses";
import { RECEIVER, useReceiver } from "./support/receiver";
import { useFakes } from "./support/upstream";
import { deliveries, endedBatch, GATEWAY_SECRET, gatewayWith, newKey, patchKey, type WireKey } from "./support/webhooks";

useFakes();
// Key webhooks exist only on a closed gateway (virtual keys need ADMIN_TOKEN).
useClosedGateway();
const receiver = useReceiver();

describe("the admin API for key webhooks", () => {
  it("sets a webhook with a new secret each time, removes it with null, and never shows a secret again", async () => {
    const plain = await newKey({});
    expect(plain).toMatchObject({ webhook_url: null });
    expect(plain).not.toHaveProperty("webhook_secret");

    const set = await json<WireKey>(await patchKey(plain.id, { webhook_url: "http://127.0.0.1:9000/hook" }));
    expect(set).toMatchObject({ id: plain.id, webhook_url: "http://127.0.0.1:9000/hook" });
    const again = await json<WireKey>(await patchKey(plain.id, { webhook_url: "https://hooks.example.com/b" }));
    expect(again.webhook_secret).toMatch(/^whsec_/);
    expect(again.webhook_secret).not.toBe(set.webhook_secret);

    const listed = await (await call("/admin/keys", { key: null, headers: ADMIN })).text();
    expect(JSON.parse(listed).data[0]).toMatchObject({ id: plain.id, webhook_url: "https://hooks.example.com/b" });
    expect(listed).not.toContain("whsec_");
    // At rest the secret is sealed: the database alone does not reveal it.
    const stored = await env.DB.prepare("SELECT * FROM virtual_keys").all();
    expect(JSON.stringify(stored.results)).not.toContain(again.webhook_secret!.slice(6));
    expect(JSON.stringify(stored.results)).not.toContain("whsec_");

    const unchanged = await json<WireKey>(await patchKey(plain.id, {}));
    expect(unchanged).toMatchObject({ webhook_url: "https://hooks.example.com/b" });
    expect(unchanged).not.toHaveProperty("webhook_secret");
    const removed = await json<WireKey>(await patchKey(plain.id, { webhook_url: null }));
    expect(removed).toMatchObject({ webhook_url: null });
    expect(removed).not.toHaveProperty("webhook_secret");
  });

  it.each([
    ["http://hooks.example.com/x", "must be an https:// URL"],
    ["ftp://127.0.0.1/x", "must be an https:// URL"],
    ["http://10.0.0.1/x", "must be an https:// URL"],
    ["not a url", "not a URL"],
    ["https://user:pass@hooks.example.com/", "must not carry credentials"],
  ])("refuses %s, creating nothing", async (url, why) => {
    const refused = await errorOf(await call("/admin/keys", { method: "POST", body: { name: "x", webhook_url: url }, key: null, headers: ADMIN }));
    expect(refused).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(refused.message).toContain(`webhook_url: ${why}`);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM virtual_keys").first<{ n: number }>())?.n).toBe(0);

    const key = await newKey({});
    const patched = await errorOf(await patchKey(key.id, { webhook_url: url }));
    expect(patched).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(await json<{ data: WireKey[] }>(await call("/admin/keys", { key: null, headers: ADMIN }))).toMatchObject({ data: [{ webhook_url: null }] });
  });

  it("accepts loopback http URLs", async () => {
    for (const url of ["http://127.0.0.1:8080/h", "http://localhost/h", "http://[::1]:9/h"]) {
      expect((await newKey({ webhook_url: url })).webhook_url).toBe(url);
    }
  });

  it("answers 404 for an unknown key, 400 for a revoked one and for unknown fields", async () => {
    expect(await errorOf(await patchKey("vkey_nope", { webhook_url: null }))).toMatchObject({ status: 404, type: "not_found_error" });
    const key = await newKey({});
    expect(await errorOf(await patchKey(key.id, { name: "other" }))).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(await errorOf(await patchKey(key.id, "not json{"))).toMatchObject({ status: 400, type: "invalid_request_error" });
    await call(`/admin/keys/${key.id}`, { method: "DELETE", key: null, headers: ADMIN });
    expect(await errorOf(await patchKey(key.id, { webhook_url: null }))).toMatchObject({ status: 400, type: "invalid_request_error" });
  });

  it("keeps the deliveries list behind the admin token", async () => {
    expect(await errorOf(await call("/admin/webhooks/deliveries", { key: null }))).toMatchObject({ status: 401, type: "authentication_error" });
    expect(await errorOf(await call("/admin/webhooks/deliveries?limit=0", { key: null, headers: ADMIN }))).toMatchObject({ status: 400 });
  });
});

describe("the gateway-wide webhook", () => {
  it("records failures and timeouts, retries with doubling delays, and gives up after 24 hours", async () => {
    const { gateway, queued } = gatewayWith({ WEBHOOK_URL: `${RECEIVER}/all`, WEBHOOK_SECRET: GATEWAY_SECRET, WEBHOOK_RETRY_BASE_SECONDS: "30" });
    const tenant = await newKey({ name: "no-webhook" });
    const batch = await endedBatch(tenant.key);
    const record = await gateway.batches.get(tenant.id, batch.id);
    const start = Date.now();
    await batchEnded(gateway, record!, new Date(start));
    const id = queued[0]!.body.deliveryId;

    receiver.failNext(500);
    expect(await deliverWebhook(gateway, id, { now: () => start })).toBe("retrying");
    expect(queued[1]).toEqual({ body: { kind: "webhook", deliveryId: id }, delaySeconds: 30 });
    let signal: AbortSignal | undefined;
    const timingOut: typeof fetch = async (_input, init) => {
      signal = init?.signal ?? undefined;
      throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
    };
    expect(await deliverWebhook(gateway, id, { now: () => start + 30_000, fetch: timingOut })).toBe("retrying");
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(queued[2]?.delaySeconds).toBe(60);
    expect((await deliveries())[0]).toMatchObject({ status: "pending", tries: 2, last_response_status: null, last_error: "no answer within 10 s" });

    receiver.failNext(502);
    expect(await deliverWebhook(gateway, id, { now: () => start + 24 * 3_600_000 + 1 })).toBe("failed");
    expect(queued).toHaveLength(3);
    expect((await deliveries())[0]).toMatchObject({ status: "failed", tries: 3, last_response_status: 502 });
    expect((await deliveries())[0]!.last_error).toContain("gave up");
    // A duplicate message for a finished delivery sends nothing.
    expect(await deliverWebhook(gateway, id)).toBe("skipped");
    expect(receiver.received).toHaveLength(2);
  });

  it("names results at PUBLIC_URL in retrieve too, when it is set", async () => {
    const tenant = await newKey({ name: "public-url" });
    const batch = await endedBatch(tenant.key);
    const res = await callWithEnv({ PUBLIC_URL: "https://gw.example.com/" }, `${BATCHES}/${batch.id}`, { key: tenant.key });
    expect(await json<WireBatch>(res)).toEqual({ ...batch, results_url: `https://gw.example.com${BATCHES}/${batch.id}/results` });
  });

  it("retries for at least 24 hours within the queue's 12-hour delay limit", () => {
    let elapsed = 0;
    let retry = 0;
    while (elapsed < 24 * 3600) elapsed += retryDelaySeconds(++retry, 30);
    expect(retry).toBeGreaterThanOrEqual(12);
    expect(retryDelaySeconds(1, 30)).toBe(30);
    expect(retryDelaySeconds(2, 30)).toBe(60);
    expect(retryDelaySeconds(20, 30)).toBe(43_200);
  });

  it("is checked when an isolate starts", () => {
    expect(describeGatewayWebhook({})).toEqual({ level: "info", message: expect.stringContaining("no gateway-wide WEBHOOK_URL") });
    expect(describeGatewayWebhook({ WEBHOOK_URL: "https://h.example.com/x", WEBHOOK_SECRET: GATEWAY_SECRET })).toEqual({
      level: "info",
      message: "webhooks: every batch's events go to https://h.example.com/x",
    });
    expect(describeGatewayWebhook({ WEBHOOK_URL: "http://h.example.com/x", WEBHOOK_SECRET: GATEWAY_SECRET })).toMatchObject({ level: "error", message: expect.stringContaining("must be an https:// URL") });
    expect(describeGatewayWebhook({ WEBHOOK_URL: "https://h.example.com/x?token=abc", WEBHOOK_SECRET: GATEWAY_SECRET }).message).toBe("webhooks: every batch's events go to https://h.example.com/x");
    expect(describeGatewayWebhook({ WEBHOOK_URL: "https://h.example.com/x" })).toMatchObject({ level: "error", message: expect.stringContaining("WEBHOOK_SECRET must be set") });
    expect(describeGatewayWebhook({ WEBHOOK_URL: "https://h.example.com/x", WEBHOOK_SECRET: "hunter2" })).toMatchObject({ level: "error" });
  });
});

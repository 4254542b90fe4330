/**
 * Signed webhooks: one `message_batch.ended` event per batch, signed as Standard Webhooks
 * (checked with the `standardwebhooks` library), delivered through the real local JOBS queue,
 * retried with backoff, listed for the admin; key webhooks set through the admin API.
 */
import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../../src/core/gateway";
import type { WebhookMessage } from "../../src/core/queue-messages";
import { describeGatewayWebhook } from "../../src/core/webhook-config";
import { deliverWebhook, requeueOverdueDeliveries, retryDelaySeconds } from "../../src/core/webhook-delivery";
import { batchEnded } from "../../src/core/webhooks";
import { ADAPTERS } from "../../src/providers/index";
import { BATCHES, type WireBatch } from "./support/batches";
import { ADMIN, call, callWithEnv, errorOf, GATEWAY, useClosedGateway } from "./support/gateway";
import { twoRequests } from "./support/requests";
import { json } from "./support/responses";
import { RECEIVER, useReceiver, type Received } from "./support/receiver";
import { useFakes } from "./support/upstream";

useFakes();
// Key webhooks exist only on a closed gateway (virtual keys need ADMIN_TOKEN).
useClosedGateway();
const receiver = useReceiver();
const GATEWAY_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

interface WireKey {
  id: string;
  key: string;
  webhook_url: string | null;
  webhook_secret?: string;
}

interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  batch_id: string;
  destination: string;
  url: string;
  status: string;
  tries: number;
  last_response_status: number | null;
  last_error: string | null;
}

async function newKey(body: Record<string, unknown>): Promise<WireKey> {
  return json<WireKey>(await call("/admin/keys", { method: "POST", body: { name: "tenant", ...body }, key: null, headers: ADMIN }));
}

async function patchKey(id: string, body: unknown): Promise<Response> {
  return call(`/admin/keys/${id}`, { method: "PATCH", body, key: null, headers: ADMIN });
}

async function deliveries(): Promise<Delivery[]> {
  return (await json<{ data: Delivery[] }>(await call("/admin/webhooks/deliveries", { key: null, headers: ADMIN }))).data;
}

/** The event a delivery carries, after checking its signature with the library. */
function verified(secret: string, delivery: Received): { type: string; timestamp: string; data: WireBatch } {
  return new Webhook(secret).verify(delivery.body, delivery.headers) as { type: string; timestamp: string; data: WireBatch };
}

/** A gateway as background work builds it, with these settings added and the queue recorded. */
function gatewayWith(overrides: Record<string, string>): { gateway: Gateway; queued: { body: WebhookMessage; delaySeconds?: number }[] } {
  const queued: { body: WebhookMessage; delaySeconds?: number }[] = [];
  const gateway = createGateway({ db: env.DB, env: { ...env, ...overrides }, clientBetas: [], adapters: ADAPTERS });
  gateway.jobs = {
    send: async (body, options) => {
      if (body.kind === "webhook") queued.push({ body, delaySeconds: options?.delaySeconds });
    },
  };
  return { gateway, queued };
}

/** Creates a batch (as `key`, or as a new key without a webhook) and retrieves it until it has ended: the ended batch. */
async function endedBatch(key?: string): Promise<WireBatch> {
  const client = { key: key ?? (await newKey({ name: "no-webhook" })).key };
  const created = await json<WireBatch>(await call(BATCHES, { method: "POST", body: { requests: twoRequests() }, ...client }));
  let seen: WireBatch;
  do seen = await json<WireBatch>(await call(`${BATCHES}/${created.id}`, client));
  while (seen.processing_status !== "ended");
  return seen;
}

describe("a virtual key's webhook", () => {
  it("receives its batch's end once, signed, with the batch exactly as retrieve returns it, through the queue", async () => {
    const tenant = await newKey({ webhook_url: `${RECEIVER}/tenant` });
    expect(tenant.webhook_url).toBe(`${RECEIVER}/tenant`);
    expect(tenant.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const client = { key: tenant.key };
    const seen = await endedBatch(tenant.key);
    const created = seen;

    const [delivery] = await receiver.waitFor(1);
    expect(delivery!.url).toBe(`${RECEIVER}/tenant`);
    expect(delivery!.headers["content-type"]).toBe("application/json");
    expect(delivery!.headers["webhook-id"]).toMatch(/^msg_[0-9A-Z]{26}$/);
    expect(Math.abs(Number(delivery!.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(30);
    const event = verified(tenant.webhook_secret!, delivery!);
    expect(event).toEqual({ type: "message_batch.ended", timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), data: seen });
    expect(event.data.results_url).toBe(`${GATEWAY}${BATCHES}/${created.id}/results`);
    expect(() => new Webhook(GATEWAY_SECRET).verify(delivery!.body, delivery!.headers)).toThrow();

    // Reading the ended batch again sends nothing more.
    await call(`${BATCHES}/${created.id}`, client);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.received).toHaveLength(1);
    const listed = await deliveries();
    expect(listed).toEqual([
      expect.objectContaining({
        event_id: delivery!.headers["webhook-id"],
        event_type: "message_batch.ended",
        batch_id: created.id,
        destination: tenant.id,
        url: `${RECEIVER}/tenant`,
        status: "delivered",
        tries: 1,
        last_response_status: 200,
        last_error: null,
      }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(tenant.webhook_secret!.slice(6));
  });

  it("is retried with the same webhook-id until the receiver accepts it", async () => {
    const tenant = await newKey({ webhook_url: `${RECEIVER}/flaky` });
    receiver.failNext(500, 503);
    const created = await endedBatch(tenant.key);

    const received = await receiver.waitFor(3, 30_000);
    expect(received).toHaveLength(3);
    const ids = received.map((delivery) => delivery.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(1);
    for (const delivery of received) expect(verified(tenant.webhook_secret!, delivery).data.id).toBe(created.id);
    expect(new Set(received.map((delivery) => delivery.body)).size).toBe(1);
    // Retries wait WEBHOOK_RETRY_BASE_SECONDS (1 s here), then twice as long.
    const times = received.map((delivery) => Number(delivery.headers["webhook-timestamp"]));
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(2);
    await expect.poll(async () => (await deliveries())[0], { timeout: 5000 }).toMatchObject({ status: "delivered", tries: 3, last_response_status: 200 });
  }, 60_000);

  it("is sent once when two retrieves see the batch end at the same time", async () => {
    const tenant = await newKey({ webhook_url: `${RECEIVER}/race` });
    const client = { key: tenant.key };
    const created = await json<WireBatch>(await call(BATCHES, { method: "POST", body: { requests: twoRequests() }, ...client }));
    // The fake ends a batch on its second poll: both of these see the end.
    await json<WireBatch>(await call(`${BATCHES}/${created.id}`, client));
    const both = await Promise.all([1, 2].map(async () => json<WireBatch>(await call(`${BATCHES}/${created.id}`, client))));
    expect(both.map((batch) => batch.processing_status)).toEqual(["ended", "ended"]);
    await receiver.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(receiver.received).toHaveLength(1);
    const events = await env.DB.prepare("SELECT COUNT(*) AS n FROM webhook_events").first<{ n: number }>();
    expect(events?.n).toBe(1);
  });
});

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

  it("gets every batch's event, beside the key's own, each signed with its own secret", async () => {
    const tenant = await newKey({ webhook_url: `${RECEIVER}/tenant` });
    const batch = await endedBatch(tenant.key);
    await receiver.waitFor(1);
    const { gateway, queued } = gatewayWith({ WEBHOOK_URL: `${RECEIVER}/all`, WEBHOOK_SECRET: GATEWAY_SECRET, PUBLIC_URL: "https://gw.example.com/" });
    const record = await gateway.batches.get(tenant.id, batch.id);
    // A second end of the same batch (as if from another refresh) makes no second event.
    await batchEnded(gateway, record!);
    expect(queued).toEqual([]);

    await env.DB.prepare("DELETE FROM webhook_events").run();
    await env.DB.prepare("DELETE FROM webhook_deliveries").run();
    await batchEnded(gateway, record!);
    expect(queued.map((job) => job.body.kind)).toEqual(["webhook", "webhook"]);
    for (const job of queued) expect(await deliverWebhook(gateway, job.body.deliveryId)).toBe("delivered");
    const toAll = receiver.received.find((delivery) => delivery.url === `${RECEIVER}/all`);
    const toTenant = receiver.received.slice(1).find((delivery) => delivery.url === `${RECEIVER}/tenant`);
    expect(receiver.received).toHaveLength(3);
    expect(toAll!.url).toBe(`${RECEIVER}/all`);
    expect(toTenant!.url).toBe(`${RECEIVER}/tenant`);
    expect(toAll!.headers["webhook-id"]).toBe(toTenant!.headers["webhook-id"]);
    const event = verified(GATEWAY_SECRET, toAll!);
    expect(verified(tenant.webhook_secret!, toTenant!)).toEqual(event);
    // PUBLIC_URL, when set, is where results_url points (the batch was created through GATEWAY).
    expect(event.data).toEqual({ ...batch, results_url: `https://gw.example.com${BATCHES}/${batch.id}/results` });
    expect((await deliveries()).map((d) => [d.destination, d.status, d.tries])).toEqual(
      expect.arrayContaining([
        ["gateway", "delivered", 1],
        [tenant.id, "delivered", 1],
      ]),
    );
  });

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

  it("gives up on a key whose webhook was removed, and queues again deliveries whose message was lost", async () => {
    const tenant = await newKey({ webhook_url: `${RECEIVER}/tenant` });
    const batch = await endedBatch(tenant.key);
    await receiver.waitFor(1);
    await env.DB.prepare("DELETE FROM webhook_events").run();
    await env.DB.prepare("DELETE FROM webhook_deliveries").run();
    const { gateway, queued } = gatewayWith({});
    const start = Date.now();
    await batchEnded(gateway, (await gateway.batches.get(tenant.id, batch.id))!, new Date(start));
    const id = queued[0]!.body.deliveryId;

    expect(await requeueOverdueDeliveries(gateway, start + 60_000)).toBe(0);
    expect(await requeueOverdueDeliveries(gateway, start + 16 * 60_000)).toBe(1);
    expect(queued.at(-1)).toEqual({ body: { kind: "webhook", deliveryId: id }, delaySeconds: undefined });

    await json(await patchKey(tenant.id, { webhook_url: null }));
    expect(await deliverWebhook(gateway, id)).toBe("failed");
    expect((await deliveries())[0]).toMatchObject({ status: "failed", tries: 1, last_error: "the virtual key's webhook was removed" });
    expect(receiver.received).toHaveLength(1);
    expect(await requeueOverdueDeliveries(gateway, start + 16 * 60_000)).toBe(0);
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

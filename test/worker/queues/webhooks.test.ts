/**
 * Signed webhooks delivered through the real local JOBS queue and its consumer (this Worker's
 * `queue` handler): a key's webhook receives its batch's end once, is retried until accepted,
 * and is sent once however many readers see the end. The tests that need no consumer are in
 * test/worker/webhooks.test.ts.
 */
import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { deliverWebhook, requeueOverdueDeliveries } from "../../../src/core/webhook-delivery";
import { batchEnded } from "../../../src/core/webhooks";
import { BATCHES, type WireBatch } from "../support/batches";
import { call, callWithEnv, GATEWAY, useClosedGateway } from "../support/gateway";
import { RECEIVER, useReceiver } from "../support/receiver";
import { twoRequests } from "../support/requests";
import { json } from "../support/responses";
import { useFakes } from "../support/upstream";
import { deliveries, endedBatch, GATEWAY_SECRET, gatewayWith, newKey, patchKey, verified } from "../support/webhooks";

useFakes();
// Key webhooks exist only on a closed gateway (virtual keys need ADMIN_TOKEN).
useClosedGateway();
const receiver = useReceiver();

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
    // Every retrieve here refreshes from upstream (the background poller may race them too).
    const retrieve = async (id: string) => json<WireBatch>(await callWithEnv({ BATCH_POLL_MIN_SECONDS: "0" }, `${BATCHES}/${id}`, client));
    const created = await json<WireBatch>(await call(BATCHES, { method: "POST", body: { requests: twoRequests() }, ...client }));
    // The fake ends a batch on its second poll: both of these may see the end. Whichever
    // takes the vault's lease vaults and answers `ended`; the other may answer `in_progress`
    // (the batch is still `vaulting` for it) or `ended`.
    await retrieve(created.id);
    const both = await Promise.all([1, 2].map(() => retrieve(created.id)));
    for (const batch of both) expect(["in_progress", "ended"]).toContain(batch.processing_status);
    await expect.poll(async () => (await retrieve(created.id)).processing_status, { timeout: 20_000 }).toBe("ended");

    // Exactly one event, one delivery, received once; every later retrieve reads `ended`.
    const [delivery] = await receiver.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(receiver.received).toHaveLength(1);
    expect(verified(tenant.webhook_secret!, delivery!).data).toEqual(await retrieve(created.id));
    const events = await env.DB.prepare("SELECT COUNT(*) AS n FROM webhook_events").first<{ n: number }>();
    expect(events?.n).toBe(1);
    expect(await deliveries()).toEqual([expect.objectContaining({ batch_id: created.id, destination: tenant.id, status: "delivered", tries: 1 })]);
    for (const batch of await Promise.all([1, 2].map(() => retrieve(created.id)))) expect(batch.processing_status).toBe("ended");
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

});

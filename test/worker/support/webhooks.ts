/**
 * What the webhook tests share (test/worker/webhooks.test.ts, and test/worker/queues/webhooks.test.ts
 * for those that need the real queue consumer): virtual keys with webhooks through the admin
 * API, the deliveries list, signature checks, and a gateway whose queue is recorded.
 */
import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { createGateway, type Gateway } from "../../../src/core/gateway";
import type { WebhookMessage } from "../../../src/core/queue-messages";
import { ADAPTERS } from "../../../src/providers/index";
import { BATCHES, type WireBatch } from "./batches";
import { ADMIN, call } from "./gateway";
import type { Received } from "./receiver";
import { twoRequests } from "./requests";
import { json } from "./responses";

/** The gateway-wide webhook's secret in tests. */
export const GATEWAY_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

export interface WireKey {
  id: string;
  key: string;
  webhook_url: string | null;
  webhook_secret?: string;
}

export interface Delivery {
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

/**
 * A new virtual key (the gateway must be closed: `useClosedGateway()`).
 *
 * @example
 * const tenant = await newKey({ webhook_url: `${RECEIVER}/tenant` });
 */
export async function newKey(body: Record<string, unknown>): Promise<WireKey> {
  return json<WireKey>(await call("/admin/keys", { method: "POST", body: { name: "tenant", ...body }, key: null, headers: ADMIN }));
}

/**
 * @example
 * await patchKey(tenant.id, { webhook_url: null });
 */
export async function patchKey(id: string, body: unknown): Promise<Response> {
  return call(`/admin/keys/${id}`, { method: "PATCH", body, key: null, headers: ADMIN });
}

/**
 * The admin's list of webhook deliveries, newest first.
 *
 * @example
 * expect((await deliveries())[0]).toMatchObject({ status: "delivered" });
 */
export async function deliveries(): Promise<Delivery[]> {
  return (await json<{ data: Delivery[] }>(await call("/admin/webhooks/deliveries", { key: null, headers: ADMIN }))).data;
}

/**
 * The event a delivery carries, after checking its signature with the library.
 *
 * @example
 * const event = verified(tenant.webhook_secret!, delivery);
 */
export function verified(secret: string, delivery: Received): { type: string; timestamp: string; data: WireBatch } {
  return new Webhook(secret).verify(delivery.body, delivery.headers) as { type: string; timestamp: string; data: WireBatch };
}

/**
 * A gateway as background work builds it, with these settings added and the queue recorded.
 *
 * @example
 * const { gateway, queued } = gatewayWith({ WEBHOOK_URL: `${RECEIVER}/all`, WEBHOOK_SECRET: GATEWAY_SECRET });
 */
export function gatewayWith(overrides: Record<string, string>): { gateway: Gateway; queued: { body: WebhookMessage; delaySeconds?: number }[] } {
  const queued: { body: WebhookMessage; delaySeconds?: number }[] = [];
  const gateway = createGateway({ db: env.DB, env: { ...env, ...overrides }, clientBetas: [], adapters: ADAPTERS });
  gateway.jobs = {
    send: async (body, options) => {
      if (body.kind === "webhook") queued.push({ body, delaySeconds: options?.delaySeconds });
    },
  };
  return { gateway, queued };
}

/**
 * Creates a batch (as `key`, or as a new key without a webhook) and retrieves it until it
 * has ended: the ended batch.
 *
 * @example
 * const batch = await endedBatch(tenant.key);
 */
export async function endedBatch(key?: string): Promise<WireBatch> {
  const client = { key: key ?? (await newKey({ name: "no-webhook" })).key };
  const created = await json<WireBatch>(await call(BATCHES, { method: "POST", body: { requests: twoRequests() }, ...client }));
  for (;;) {
    const seen = await json<WireBatch>(await call(`${BATCHES}/${created.id}`, client));
    if (seen.processing_status === "ended") return seen;
    // Where retrieves are answered from the record for a while (BATCH_POLL_MIN_SECONDS), do
    // not spin.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

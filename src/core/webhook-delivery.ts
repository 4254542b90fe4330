/**
 * Delivering one webhook (a `{kind: "webhook"}` job): sign the event's body for this attempt
 * (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`), POST it, and
 * record the attempt. Delivery is at least once: a non-2xx answer, or none within 10 s, is
 * retried after WEBHOOK_RETRY_BASE_SECONDS, then twice as long each time, for at least
 * 24 hours after the event.
 */
import { unseal } from "../lib/seal";
import { webhookSignature } from "../lib/webhook-signature";
import type { WebhookDelivery } from "../domain/webhook-delivery";
import type { Gateway } from "./gateway";
import { gatewayWebhook, retryBaseSeconds, webhookSealingKey } from "./webhook-config";
import { GATEWAY_DESTINATION } from "./webhooks";

/** How long a receiver has to answer an attempt. */
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** Failed deliveries are retried until this long after their event. */
export const RETRY_FOR_MS = 24 * 3_600_000;
/** The longest delay a queue message may have (see docs/sources/cloudflare.md § Queues: a message's delay is at most 12 hours). */
export const MAX_DELAY_SECONDS = 43_200;
/** Pending deliveries this long past due have lost their queue message: the sweep queues them again. */
export const OVERDUE_AFTER_MS = 15 * 60_000;

export type DeliveryOutcome = "delivered" | "retrying" | "failed" | "skipped";

export interface DeliverOptions {
  /** The HTTP client (default: the global fetch). */
  fetch?: typeof fetch;
  /** The clock (tests move it). */
  now?: () => number;
}

/**
 * Seconds to wait before retry number `retry` (1 for the first): `base`, doubling, at most
 * the queue's 12 hours.
 *
 * @example
 * retryDelaySeconds(1, 30) // 30
 * retryDelaySeconds(3, 30) // 120
 */
export function retryDelaySeconds(retry: number, base: number): number {
  return Math.min(Math.ceil(base * 2 ** (retry - 1)), MAX_DELAY_SECONDS);
}

/**
 * Makes one attempt at a delivery still pending, records it, and queues the next attempt
 * when it failed and the retry window is still open. A delivery already delivered or given
 * up (a duplicate queue message) is skipped.
 *
 * @example
 * await deliverWebhook(gateway, message.body.deliveryId);
 */
export async function deliverWebhook(gateway: Gateway, deliveryId: string, options: DeliverOptions = {}): Promise<DeliveryOutcome> {
  const send = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now;
  const found = await gateway.webhooks.delivery(deliveryId);
  if (!found || found.delivery.state !== "pending") return "skipped";
  const { delivery, event } = found;

  const target = await destinationOf(gateway, delivery);
  const at = now();
  if ("gone" in target) {
    await gateway.webhooks.recordAttempt(delivery.id, { state: "failed", url: delivery.url, status: null, error: target.gone, at: iso(at), nextAttemptAt: null });
    return "failed";
  }

  const headers = await signedHeaders(target.secret, event.id, new Date(at), event.payload);
  let status: number | null = null;
  let error: string | null = null;
  try {
    const response = await send(target.url, { method: "POST", headers, body: event.payload, redirect: "manual", signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
    status = response.status;
    await response.body?.cancel().catch(() => {});
    if (status < 200 || status > 299) error = `the receiver answered ${status}`;
  } catch (thrown) {
    error = thrown instanceof Error && (thrown.name === "TimeoutError" || thrown.name === "AbortError") ? `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s` : `could not reach the receiver (${thrown instanceof Error ? thrown.name : "error"})`;
  }

  if (error === null) {
    await gateway.webhooks.recordAttempt(delivery.id, { state: "delivered", url: target.url, status, error: null, at: iso(at), nextAttemptAt: null });
    return "delivered";
  }
  const retryOpen = at - Date.parse(event.createdAt) < RETRY_FOR_MS;
  if (!retryOpen) {
    await gateway.webhooks.recordAttempt(delivery.id, { state: "failed", url: target.url, status, error: `${error}; gave up after ${delivery.tries + 1} tries over 24 hours`, at: iso(at), nextAttemptAt: null });
    return "failed";
  }
  const delaySeconds = retryDelaySeconds(delivery.tries + 1, retryBaseSeconds(gateway.upstream.env));
  const recorded = await gateway.webhooks.recordAttempt(delivery.id, { state: "pending", url: target.url, status, error, at: iso(at), nextAttemptAt: iso(at + delaySeconds * 1000) });
  // Without a queue the cron sweep finds the delivery overdue and queues it.
  if (recorded && gateway.jobs) await gateway.jobs.send({ kind: "webhook", deliveryId: delivery.id }, { delaySeconds });
  return "retrying";
}

/**
 * Queues again the pending deliveries whose next attempt is long overdue (a queue message
 * lost, or never sent). Run by the cron trigger. Returns how many.
 *
 * @example
 * const requeued = await requeueOverdueDeliveries(gateway, Date.now());
 */
export async function requeueOverdueDeliveries(gateway: Gateway, now: number): Promise<number> {
  if (!gateway.jobs) return 0;
  const ids = await gateway.webhooks.overdue(iso(now - OVERDUE_AFTER_MS), 100);
  for (const deliveryId of ids) await gateway.jobs.send({ kind: "webhook", deliveryId });
  return ids.length;
}

/**
 * The three Standard Webhooks headers for one attempt: the event's ID (the same on every
 * retry), this attempt's time (receivers refuse old ones: see docs/sources/standard-webhooks.md
 * § Receivers refuse timestamps more than 5 minutes away), and `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`
 * keyed by the secret's base64-decoded part (src/lib/webhook-signature.ts).
 *
 * @example
 * (await signedHeaders("whsec_…", "msg_01…", new Date(), body))["webhook-signature"] // "v1,K5oZ…"
 */
export async function signedHeaders(secret: string, eventId: string, at: Date, payload: string): Promise<Record<string, string>> {
  return {
    "content-type": "application/json",
    "user-agent": "batchbridge-webhooks",
    "webhook-id": eventId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": await webhookSignature(secret, eventId, at, payload),
  };
}

/** Where a delivery goes now, and its secret; or why it cannot go anywhere any more. */
async function destinationOf(gateway: Gateway, delivery: WebhookDelivery): Promise<{ url: string; secret: string } | { gone: string }> {
  const env = gateway.upstream.env;
  if (delivery.destination === GATEWAY_DESTINATION) {
    const hook = gatewayWebhook(env);
    return hook.url ? hook : { gone: `the gateway-wide webhook is off: ${hook.problem ?? "WEBHOOK_URL is not set"}` };
  }
  const hook = await gateway.keys.webhook(delivery.destination);
  if (!hook || hook.revoked) return { gone: "the virtual key was revoked" };
  if (!hook.url || !hook.secretSealed) return { gone: "the virtual key's webhook was removed" };
  const sealingKey = await webhookSealingKey(env);
  const secret = sealingKey ? await unseal(sealingKey, hook.secretSealed, delivery.destination) : null;
  if (!secret) return { gone: "the key's webhook secret cannot be opened (WEBHOOK_ENCRYPTION_KEY or ADMIN_TOKEN changed); set its webhook_url again" };
  return { url: hook.url, secret };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

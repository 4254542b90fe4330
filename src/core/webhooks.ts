/**
 * Signed webhooks (Standard Webhooks): when a batch ends, one `message_batch.ended` event,
 * delivered to the gateway-wide `WEBHOOK_URL` and to the webhook of the virtual key that owns
 * the batch. This module makes the event and its deliveries; src/core/webhook-delivery.ts
 * sends them.
 */
import { batchToWire, resultsOrigin } from "../domain/message-batch";
import { GatewayError } from "../lib/errors";
import { seal } from "../lib/seal";
import type { BatchRecord } from "../domain/batch-record";
import type { NewDelivery } from "../store/webhooks";
import { checkWebhookUrl, gatewayWebhook, newWebhookSecret, webhookSealingKey } from "./webhook-config";
import type { Gateway } from "./gateway";
import { newDeliveryId, newWebhookEventId } from "./ids";

export const BATCH_ENDED = "message_batch.ended";

/** The destination name of the gateway-wide webhook in deliveries. */
export const GATEWAY_DESTINATION = "gateway";

/**
 * Records the `message_batch.ended` event of a batch that has just ended, with a delivery
 * for each destination, and queues them. Safe to call more than once for a batch, also at
 * once from two places: only the first call makes an event (the others write nothing).
 * Throws when the event cannot be recorded, so that the caller does not record the end
 * either and the next look at the batch tries again.
 *
 * @example
 * if (before.state !== "ended" && after.state === "ended") await batchEnded(gateway, after);
 */
export async function batchEnded(gateway: Gateway, batch: BatchRecord, now: Date = new Date()): Promise<void> {
  const env = gateway.upstream.env;
  const deliveries: NewDelivery[] = [];
  const gatewayHook = gatewayWebhook(env);
  if (gatewayHook.url) deliveries.push({ id: newDeliveryId(), destination: GATEWAY_DESTINATION, url: gatewayHook.url });
  const keyHook = batch.owner.startsWith("vkey_") ? await gateway.keys.webhook(batch.owner) : null;
  if (keyHook?.url && !keyHook.revoked) deliveries.push({ id: newDeliveryId(), destination: batch.owner, url: keyHook.url });
  if (deliveries.length === 0) return;

  const createdAt = now.toISOString();
  const payload = JSON.stringify({
    type: BATCH_ENDED,
    timestamp: createdAt,
    data: batchToWire(batch, resultsOrigin(env, batch.origin ?? "")),
  });
  const written = await gateway.webhooks.createEvent({ id: newWebhookEventId(), type: BATCH_ENDED, batchId: batch.id, owner: batch.owner, payload, createdAt }, deliveries);
  for (const deliveryId of written) {
    try {
      if (!gateway.jobs) throw new Error("no JOBS queue binding");
      await gateway.jobs.send({ kind: "webhook", deliveryId });
    } catch (error) {
      // Recorded as pending: the cron sweep queues overdue deliveries again.
      console.error("webhooks: could not queue delivery", deliveryId, error instanceof Error ? error.message : String(error));
    }
  }
}

/**
 * Sets a virtual key's webhook (`url`), or removes it (null). A URL set gets a new signing
 * secret, returned only here and stored sealed (see src/lib/seal.ts); removing returns null.
 * 400 for a URL that may not receive webhooks, 404 for an unknown key.
 *
 * @example
 * const { secret } = await setKeyWebhook(gateway, "vkey_01…", "https://hooks.example.com/batches");
 */
export async function setKeyWebhook(gateway: Gateway, keyId: string, url: string | null): Promise<{ secret: string | null }> {
  const keys = gateway.keys;
  if (url === null) {
    if (!(await keys.setWebhook(keyId, null, null))) throw GatewayError.notFound(`Virtual key not found: ${keyId}`);
    return { secret: null };
  }
  const checked = checkWebhookUrl(url, "webhook_url");
  const sealingKey = await webhookSealingKey(gateway.upstream.env);
  if (!sealingKey) throw GatewayError.invalid("webhook_url: set WEBHOOK_ENCRYPTION_KEY (or ADMIN_TOKEN) so that webhook secrets can be stored sealed");
  const secret = newWebhookSecret();
  if (!(await keys.setWebhook(keyId, checked, await seal(sealingKey, secret, keyId)))) throw GatewayError.notFound(`Virtual key not found: ${keyId}`);
  return { secret };
}

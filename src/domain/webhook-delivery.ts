/**
 * Webhook events and their deliveries (tables `webhook_events`, `webhook_deliveries`).
 *
 * @example
 * const pending = (delivery: WebhookDelivery) => delivery.state === "pending";
 */

export type DeliveryState = "pending" | "delivered" | "failed";

export interface WebhookEvent {
  id: string;
  type: string;
  batchId: string;
  owner: string;
  /** The JSON body, byte for byte what every attempt sends. */
  payload: string;
  createdAt: string;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  batchId: string;
  /** `gateway` (WEBHOOK_URL) or the ID of the virtual key whose webhook it is. */
  destination: string;
  state: DeliveryState;
  url: string;
  tries: number;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
}


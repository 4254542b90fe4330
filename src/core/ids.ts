/**
 * Gateway IDs: shaped like Anthropic's (`file_…`, `msgbatch_…`) and time-sortable, so that
 * ordering by ID is ordering by creation and lists come newest first from an index.
 */
import { monotonicFactory } from "ulid";

const nextUlid = monotonicFactory();

/**
 * @example
 * newFileId() // "file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD"
 */
export function newFileId(): string {
  return `file_${nextUlid()}`;
}

/**
 * @example
 * newBatchId() // "msgbatch_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD"
 */
export function newBatchId(): string {
  return `msgbatch_${nextUlid()}`;
}

const GATEWAY_ID = /^(file|msgbatch)_[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * Whether `id` could be a gateway ID of `kind`; anything else is answered 404 without a
 * lookup (and never reaches a provider).
 *
 * @example
 * isGatewayId("file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD", "file") // true
 * isGatewayId("file-abc123", "file") // false
 */
export function isGatewayId(id: string, kind: "file" | "msgbatch"): boolean {
  const match = GATEWAY_ID.exec(id);
  return match !== null && match[1] === kind;
}

/**
 * A webhook event's `webhook-id` (the Standard Webhooks examples' `msg_` form).
 *
 * @example
 * newWebhookEventId() // "msg_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD"
 */
export function newWebhookEventId(): string {
  return `msg_${nextUlid()}`;
}

/**
 * @example
 * newDeliveryId() // "whdel_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD"
 */
export function newDeliveryId(): string {
  return `whdel_${nextUlid()}`;
}

/**
 * The bodies of the messages on the `JOBS` queue: a union discriminated by `kind`. Each kind
 * has one handler in src/core/job-handlers.ts.
 */

/**
 * Poll a batch upstream. `due` is the poll the batch expects next: a message for another
 * `due` belongs to a chain that was replaced (a cancel, the safety net) and is dropped.
 *
 * @example
 * const message: PollMessage = { kind: "poll", batchId: "msgbatch_01…", due: "2026-12-03T12:00:30.000Z" };
 */
export interface PollMessage {
  kind: "poll";
  batchId: string;
  due: string;
}

/**
 * Write the results of a batch whose jobs have all ended to the vault, then publish it ended.
 *
 * @example
 * const message: VaultMessage = { kind: "vault", batchId: "msgbatch_01…" };
 */
export interface VaultMessage {
  kind: "vault";
  batchId: string;
}

/**
 * Send (or retry) one webhook delivery (src/core/webhook-delivery.ts).
 *
 * @example
 * const message: WebhookMessage = { kind: "webhook", deliveryId: "whd_01…" };
 */
export interface WebhookMessage {
  kind: "webhook";
  deliveryId: string;
}

/** Every message on the queue. */
export type JobMessage = PollMessage | VaultMessage | WebhookMessage;

/**
 * Whether a queue body looks like a job message (its `kind` is then looked up; an unknown
 * kind is dropped, logged).
 *
 * @example
 * if (isJobMessage(message.body)) await handleJob(gateway, message.body);
 */
export function isJobMessage(body: unknown): body is JobMessage {
  return typeof body === "object" && body !== null && typeof (body as { kind?: unknown }).kind === "string";
}

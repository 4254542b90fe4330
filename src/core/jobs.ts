/**
 * The background work queue (binding `JOBS`): message bodies are a union on `kind`, each
 * kind handled by its own module; `src/index.ts` dispatches them.
 */

/** Send one webhook delivery (src/core/webhook-delivery.ts). */
export interface WebhookJob {
  kind: "webhook";
  deliveryId: string;
}

export type JobMessage = WebhookJob;

/** What the services need of the queue: `Queue<JobMessage>` is one. */
export interface JobQueue {
  send(body: JobMessage, options?: { delaySeconds?: number }): Promise<unknown>;
}

/**
 * Anthropic's MessageBatch object, rendered from a gateway batch record. Here rather than in
 * the API layer because background work renders it too (the `message_batch.ended` webhook
 * carries it exactly as retrieve answers it).
 */
import type { BatchRecord } from "./batch-record";

/**
 * A MessageBatch; `results_url` points at this gateway once the batch has ended.
 *
 * @example
 * c.json(batchToWire(batch, "http://localhost:8787"))
 */
export function batchToWire(batch: BatchRecord, origin: string) {
  const ended = batch.state === "ended";
  return {
    id: batch.id,
    type: "message_batch" as const,
    // `vaulting` (results being written) still reads as running: `ended` means readable.
    processing_status: ended ? "ended" : batch.cancelInitiatedAt ? "canceling" : "in_progress",
    request_counts: batch.counts,
    ended_at: ended ? batch.endedAt : null,
    created_at: batch.createdAt,
    expires_at: batch.expiresAt,
    archived_at: batch.archivedAt,
    cancel_initiated_at: batch.cancelInitiatedAt,
    results_url: ended ? `${origin}/anthropic/v1/messages/batches/${batch.id}/results` : null,
  };
}

/** The MessageBatch wire object. */
export type WireMessageBatch = ReturnType<typeof batchToWire>;

/**
 * The origin `results_url` names: `PUBLIC_URL` when set (without a trailing slash), else the
 * origin the client reached the gateway through (the request's, or for background work, the
 * one the batch was created through).
 *
 * @example
 * resultsOrigin({ PUBLIC_URL: "https://gw.example.com/" }, "http://127.0.0.1:8787") // "https://gw.example.com"
 */
export function resultsOrigin(env: Record<string, unknown>, fallback: string): string {
  const configured = typeof env.PUBLIC_URL === "string" ? env.PUBLIC_URL.trim().replace(/\/+$/, "") : "";
  return configured || fallback;
}

/** Anthropic `MessageBatch` → the gateway's `JobStatus` (a pure translator). */
import { UpstreamError } from "../../lib/errors";
import type { JobStatus } from "../types";
import type { RequestCounts } from "../../domain/request-counts";
import { PROVIDER } from "./client";
import type { AnthropicMessageBatch } from "./wire";

const STATES = new Set<JobStatus["state"]>(["in_progress", "canceling", "ended"]);
const COUNT_NAMES = ["processing", "succeeded", "errored", "canceled", "expired"] as const;

/**
 * The job's state, read straight off the batch: the gateway's states and counts are Anthropic's.
 * `results_url` is kept in the job's data once set, so that `results` can follow it without
 * fetching the batch again. Unrun requests need no `unrun` result: Anthropic's own results
 * already list them as `canceled` or `expired`.
 *
 * @example
 * toJobStatus({ id: "msgbatch_01", type: "message_batch", processing_status: "ended",
 *   request_counts: { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 },
 *   ended_at: "2026-01-01T00:10:00Z", results_url: "https://api.anthropic.com/v1/messages/batches/msgbatch_01/results", ... })
 * // { state: "ended", counts: {...}, endedAt: "2026-01-01T00:10:00Z", data: { results_url: "https://..." } }
 */
export function toJobStatus(batch: AnthropicMessageBatch): JobStatus {
  const state = batch?.processing_status;
  if (typeof batch?.id !== "string" || !STATES.has(state)) unexpected(batch);
  const counts = {} as RequestCounts;
  for (const name of COUNT_NAMES) {
    const count = batch.request_counts?.[name];
    if (!Number.isInteger(count) || count < 0) unexpected(batch);
    counts[name] = count;
  }
  const status: JobStatus = { state, counts, endedAt: batch.ended_at ?? null };
  if (typeof batch.results_url === "string") status.data = { results_url: batch.results_url };
  return status;
}

function unexpected(batch: unknown): never {
  throw new UpstreamError(PROVIDER, 502, `unexpected message batch: ${JSON.stringify(batch).slice(0, 200)}`);
}

/**
 * How the upstream jobs of one gateway batch add up to the batch a client sees. Pure.
 */
import type { JobStatus } from "../providers/types";
import type { RequestCounts } from "../domain/request-counts";
import type { BatchRecord } from "../domain/batch-record";
import type { JobRecord } from "../domain/job-record";

/**
 * A job's record once the provider (or the gateway, for jobs it runs itself) reported `status`.
 *
 * @example
 * const next = jobAfter(job, await adapter.batches.retrieve(ctx, job));
 */
export function jobAfter(job: JobRecord, status: JobStatus): JobRecord {
  return { ...job, state: status.state, counts: status.counts, endedAt: status.endedAt, data: status.data ?? job.data, unrun: status.unrun ?? null };
}

export const ZERO_COUNTS: RequestCounts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };

/**
 * The batch after its jobs' latest states: `ended` only once every job has ended, counts
 * summed, and once ended, counts that always add up to the request count (requests no job
 * accounted for are `canceled` if a cancel was asked for, else `expired`).
 *
 * @example
 * const merged = mergeJobs(batch, jobs, new Date().toISOString());
 */
export function mergeJobs(batch: BatchRecord, jobs: readonly JobRecord[], now: string): BatchRecord {
  const counts = { ...ZERO_COUNTS };
  for (const job of jobs) {
    counts.processing += job.counts.processing;
    counts.succeeded += job.counts.succeeded;
    counts.errored += job.counts.errored;
    counts.canceled += job.counts.canceled;
    counts.expired += job.counts.expired;
  }
  const ended = jobs.every((job) => job.state === "ended");
  if (!ended) {
    return { ...batch, state: batch.cancelInitiatedAt ? "canceling" : "in_progress", counts };
  }
  counts.processing = 0;
  const unaccounted = batch.requestCount - (counts.succeeded + counts.errored + counts.canceled + counts.expired);
  if (unaccounted > 0) {
    if (batch.cancelInitiatedAt) counts.canceled += unaccounted;
    else counts.expired += unaccounted;
  }
  const endedAt = jobs.reduce<string | null>((latest, job) => (job.endedAt && (!latest || job.endedAt > latest) ? job.endedAt : latest), null) ?? now;
  return { ...batch, state: "ended", counts, endedAt };
}

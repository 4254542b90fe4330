/**
 * A Gemini batch's state and stats as a gateway job status (docs/reference/provider-apis.md §7.1, §7.2).
 */
import type { JobStatus } from "../types";
import type { JobRef } from "../../domain/job-record";
import type { RequestCounts } from "../../domain/request-counts";
import { noResult } from "../no-result";
import { PROVIDER } from "./client";
import { erroredBody } from "./google-error";
import type { GeminiBatchSummary } from "./wire";

const ENDED = new Set(["BATCH_STATE_SUCCEEDED", "BATCH_STATE_FAILED", "BATCH_STATE_CANCELLED", "BATCH_STATE_EXPIRED"]);

/**
 * The job status for a batch. Gemini has no cancelling state (the gateway keeps its own), so
 * a job is `in_progress` until it ends. `batchStats` counts are int64 strings, each left out
 * when zero. Once ended, requests that neither succeeded nor failed were never run: they are
 * `canceled` (CANCELLED), `expired` (EXPIRED) or, for a batch that FAILED as a whole,
 * `errored` with the batch's error. A SUCCEEDED batch ran every request, so a request its
 * output does not mention is `errored`: Gemini returned no result for it.
 *
 * @example
 * toJobStatus({ state: "BATCH_STATE_SUCCEEDED", batchStats: { requestCount: "2", successfulRequestCount: "2" },
 *   endTime: "2026-01-01T00:00:00Z", responsesFile: "files/batch-1" }, job)
 * // { state: "ended", counts: { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 }, endedAt: "2026-01-01T00:00:00Z",
 * //   data: { …job.data, output: { responsesFile: "files/batch-1" } } }
 */
export function toJobStatus(batch: GeminiBatchSummary, job: JobRef): JobStatus {
  const stats = batch.batchStats ?? {};
  const total = count(stats.requestCount) || job.requestCount;
  const succeeded = count(stats.successfulRequestCount);
  const failed = count(stats.failedRequestCount);
  // The requests not yet reported either way; this equals pendingRequestCount while the
  // batch runs, and stays right when a PENDING batch reports no stats at all.
  const unfinished = Math.max(0, total - succeeded - failed);
  const counts: RequestCounts = { processing: 0, succeeded, errored: failed, canceled: 0, expired: 0 };
  const state = batch.state ?? "BATCH_STATE_UNSPECIFIED";

  if (!ENDED.has(state)) {
    return { state: "in_progress", counts: { ...counts, processing: unfinished }, endedAt: null };
  }
  const status: JobStatus = {
    state: "ended",
    counts,
    endedAt: batch.endTime ?? batch.updateTime ?? new Date().toISOString(),
    data: { ...job.data, output: batch.responsesFile ? { responsesFile: batch.responsesFile } : { inline: true } },
  };
  switch (state) {
    case "BATCH_STATE_CANCELLED":
      counts.canceled = unfinished;
      status.unrun = { type: "canceled" };
      break;
    case "BATCH_STATE_FAILED": {
      counts.errored += unfinished;
      status.unrun = { type: "errored", error: erroredBody(batch.error ?? { code: 13, message: "the batch failed without a message" }) };
      break;
    }
    case "BATCH_STATE_EXPIRED":
      counts.expired = unfinished;
      status.unrun = { type: "expired" };
      break;
    default:
      // SUCCEEDED ran every request; one without a result line is Gemini's loss, not an expiry.
      counts.errored += unfinished;
      status.unrun = noResult(PROVIDER, "Gemini returned no line with its key");
  }
  return status;
}

function count(value: string | number | undefined): number {
  const parsed = Number(value ?? 0);
  return Number.isFinite(parsed) && parsed > 0 ? Math.floor(parsed) : 0;
}

/**
 * An OpenAI Batch object as the state of one gateway job (docs/reference/provider-apis.md §7.1, §7.2), as a pure
 * function. At the end the counts equal what the results will say, request for request.
 */
import { unixToRfc3339 } from "../../lib/time";
import type { JobStatus } from "../types";
import type { BatchResult } from "../../domain/batch-result";
import type { RequestCounts } from "../../domain/request-counts";
import type { OpenAIBatch, OpenAIBatchError } from "./wire";
import { noResult } from "../no-result";
import { PROVIDER } from "./client";

/** How the lines of an ended batch's error file divide (see `unrunKindOf`). */
export interface ErrorFileTally {
  errored: number;
  expired: number;
  canceled: number;
}

/** Validation errors quoted in the `errored` result of a batch that failed. */
const QUOTED_VALIDATION_ERRORS = 5;

/**
 * The job's state, counts, end time and the result of requests no file mentions.
 *
 * `requestCount` (the lines the gateway wrote) is the total: OpenAI reports `total: 0` until
 * validation ends, and for a batch that failed it. `tally` is needed only for `cancelled` and
 * `expired` batches, whose error file may hold lines for requests that never ran: OpenAI's
 * `failed` count is not documented to include or exclude them, so they are counted from the
 * file instead.
 *
 * @example
 * toJobStatus({ status: "in_progress", request_counts: { total: 3, completed: 1, failed: 0 }, … }, 3, null)
 * // { state: "in_progress", counts: { processing: 2, succeeded: 1, errored: 0, canceled: 0, expired: 0 }, endedAt: null }
 */
export function toJobStatus(batch: OpenAIBatch, requestCount: number, tally: ErrorFileTally | null): JobStatus {
  const total = requestCount;
  const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  const take = (wanted: number, taken: number) => Math.max(0, Math.min(wanted, total - taken));
  const completed = batch.request_counts?.completed ?? 0;
  const failed = batch.request_counts?.failed ?? 0;

  switch (batch.status) {
    case "validating":
    case "in_progress":
    case "finalizing":
    case "cancelling": {
      counts.succeeded = take(completed, 0);
      counts.errored = take(failed, counts.succeeded);
      counts.processing = total - counts.succeeded - counts.errored;
      return { state: batch.status === "cancelling" ? "canceling" : "in_progress", counts, endedAt: null };
    }
    case "failed": {
      counts.errored = total;
      return { state: "ended", counts, endedAt: endedAt(batch), unrun: validationFailure(batch.errors?.data ?? []) };
    }
    default: {
      counts.succeeded = take(completed, 0);
      counts.errored = take(tally ? tally.errored : failed, counts.succeeded);
      counts.expired = take(tally?.expired ?? 0, counts.succeeded + counts.errored);
      counts.canceled = take(tally?.canceled ?? 0, counts.succeeded + counts.errored + counts.expired);
      // A request with no line at all: unrun when the batch was cancelled or expired; lost when
      // it completed, which runs every request (docs/sources/openai.md § Requests an expiry or a
      // cancel left unrun).
      const unrun: BatchResult =
        batch.status === "cancelled" ? { type: "canceled" } : batch.status === "completed" ? noResult(PROVIDER, "OpenAI's output and error files have no line with its custom_id") : { type: "expired" };
      counts[unrun.type] += total - sum(counts);
      return { state: "ended", counts, endedAt: endedAt(batch), unrun };
    }
  }
}

/**
 * The OpenAI statuses after which nothing changes.
 *
 * @example
 * isTerminal("cancelling") // false
 */
export function isTerminal(status: OpenAIBatch["status"]): boolean {
  return status === "completed" || status === "failed" || status === "expired" || status === "cancelled";
}

function endedAt(batch: OpenAIBatch): string | null {
  const seconds = batch.completed_at ?? batch.failed_at ?? batch.expired_at ?? batch.cancelled_at ?? null;
  return unixToRfc3339(seconds);
}

// OpenAI's line numbers count lines of the upstream file the gateway wrote, not the client's
// requests, but the messages name the problem (often the custom_id) and the code says the kind.
function validationFailure(errors: OpenAIBatchError[]): BatchResult {
  const quoted = errors.slice(0, QUOTED_VALIDATION_ERRORS).map((error) => {
    const where = typeof error.line === "number" ? `line ${error.line}: ` : "";
    const code = error.code ? ` (${error.code})` : "";
    return `${where}${error.message ?? error.code ?? "invalid"}${code}`;
  });
  if (errors.length > QUOTED_VALIDATION_ERRORS) quoted.push(`and ${errors.length - QUOTED_VALIDATION_ERRORS} more`);
  const detail = quoted.length > 0 ? `: ${quoted.join("; ")}` : "";
  return {
    type: "errored",
    error: {
      type: "error",
      error: { type: "invalid_request_error", message: `openai failed the batch during input validation${detail}` },
      request_id: null,
    },
  };
}

function sum(counts: RequestCounts): number {
  return counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired;
}

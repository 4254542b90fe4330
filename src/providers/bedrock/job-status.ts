/**
 * A Bedrock model invocation job's state → the gateway's `JobStatus` (docs/reference/provider-apis.md §7.1, §7.2).
 *
 * | Bedrock status | state |
 * |---|---|
 * | Submitted, Validating, Scheduled, InProgress | in_progress (an unknown, newer status too: keep polling) |
 * | Stopping | canceling |
 * | Completed, PartiallyCompleted, Failed, Stopped, Expired | ended |
 *
 * Counts come from the job's `manifest.json.out` (or, when it is missing, from the counts
 * GetModelInvocationJob returns since 2026). Records without a result are unrun: `canceled`
 * after Stopped, `errored` with the job's message after Failed, `expired` after Expired and
 * PartiallyCompleted ("not all of your records could be processed in time"). A Completed job
 * processed every record: one without a line is Bedrock's loss, `errored` (no result).
 */
import type { BedrockJob, BedrockManifest } from "./wire";
import { unixToRfc3339, nowRfc3339 } from "../../lib/time";
import type { JobStatus } from "../types";
import type { BatchResult } from "../../domain/batch-result";
import type { RequestCounts } from "../../domain/request-counts";
import { noResult } from "../no-result";

const ENDED = new Set(["Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired"]);

/**
 * Whether Bedrock is done with a job.
 *
 * @example
 * isEnded("Stopping") // false
 */
export function isEnded(status: string | undefined): boolean {
  return status !== undefined && ENDED.has(status);
}

/**
 * The gateway's view of a job of `requestCount` records.
 *
 * @example
 * toJobStatus({ status: "InProgress" }, null, 120)
 * // → { state: "in_progress", counts: { processing: 120, succeeded: 0, … }, endedAt: null }
 */
export function toJobStatus(job: BedrockJob, manifest: BedrockManifest | null, requestCount: number): JobStatus {
  const status = job.status ?? "";
  if (!isEnded(status)) {
    return { state: status === "Stopping" ? "canceling" : "in_progress", counts: { ...zero(), processing: requestCount }, endedAt: null };
  }
  const succeeded = clamp(manifest?.successRecordCount ?? job.successRecordCount ?? 0, requestCount);
  const errored = clamp(manifest?.errorRecordCount ?? job.errorRecordCount ?? 0, requestCount - succeeded);
  const unrunCount = requestCount - succeeded - errored;
  const unrun = unrunResult(status, job);
  const counts: RequestCounts = { ...zero(), succeeded, errored };
  if (unrun.type === "canceled") counts.canceled = unrunCount;
  else if (unrun.type === "errored") counts.errored += unrunCount;
  else counts.expired = unrunCount;
  return { state: "ended", counts, endedAt: toRfc3339(job.endTime) ?? toRfc3339(job.lastModifiedTime) ?? nowRfc3339(), unrun };
}

function unrunResult(status: string, job: BedrockJob): BatchResult {
  if (status === "Stopped") return { type: "canceled" };
  if (status === "Failed") {
    const name = job.jobArn ? ` ${job.jobArn}` : "";
    const reason = job.message ? `: ${job.message}` : "";
    return { type: "errored", error: { type: "error", error: { type: "api_error", message: `bedrock: batch inference job${name} failed${reason}` } } };
  }
  return status === "Completed" ? noResult("bedrock", "Bedrock's output has no line with its recordId") : { type: "expired" };
}

function toRfc3339(time: string | number | undefined): string | null {
  if (typeof time === "number") return unixToRfc3339(time);
  if (typeof time !== "string" || time === "") return null;
  const parsed = Date.parse(time);
  return Number.isNaN(parsed) ? null : new Date(parsed).toISOString();
}

function clamp(count: number, max: number): number {
  return Math.max(0, Math.min(Number.isFinite(count) ? Math.floor(count) : 0, max));
}

function zero(): RequestCounts {
  return { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
}

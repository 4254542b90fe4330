/**
 * Where a batch's results are and what one results line must look like. Anthropic's results are
 * already the gateway's format, so lines pass through once checked.
 */
import { UpstreamError } from "../../lib/errors";
import type { BatchResultLine } from "../../domain/batch-result";
import type { JobRef } from "../../domain/job-record";
import { PROVIDER } from "./client";
import { isRecord } from "../../lib/is-record";

/**
 * The URL to GET a job's results from: the batch's own `results_url` (the docs say not to assume
 * its path) when it lies on the configured base, else the documented path under the base. A URL
 * on another host is never followed: the API key would go with it.
 *
 * @example
 * resultsUrlFor("https://api.anthropic.com", { nativeId: "msgbatch_01", data: {} , ... })
 * // "https://api.anthropic.com/v1/messages/batches/msgbatch_01/results"
 */
export function resultsUrlFor(baseUrl: string, job: Pick<JobRef, "nativeId" | "data">): string {
  const native = job.data.results_url;
  if (typeof native === "string" && native.startsWith(`${baseUrl}/`)) return native;
  return `${baseUrl}/v1/messages/batches/${encodeURIComponent(job.nativeId)}/results`;
}

/**
 * Checks one parsed results line and returns it unchanged; a line that is not a results line is
 * an upstream fault (a gateway that passed it on would break the client's SDK mid-stream).
 *
 * @example
 * toResultLine({ custom_id: "a", result: { type: "canceled" } }) // the same object
 * toResultLine({ custom_id: "a" })                                // throws UpstreamError (502)
 */
export function toResultLine(line: unknown): BatchResultLine {
  if (isRecord(line) && typeof line.custom_id === "string" && isRecord(line.result) && isCompleteResult(line.result)) {
    return line as unknown as BatchResultLine;
  }
  throw new UpstreamError(PROVIDER, 502, `unexpected results line: ${JSON.stringify(line).slice(0, 200)}`);
}

function isCompleteResult(result: Record<string, unknown>): boolean {
  switch (result.type) {
    case "succeeded":
      return isRecord(result.message);
    case "errored":
      return isRecord(result.error);
    case "canceled":
    case "expired":
      return true;
    default:
      return false;
  }
}

/**
 * The result of a request a batch that ran to its end returned no line for: the provider's
 * loss, not an expiry (nothing expired) nor a cancel. Shared so that every adapter words it
 * alike.
 */
import type { BatchResult } from "../domain/batch-result";

/**
 * An `errored` result (`api_error`) saying that `provider` returned nothing for the request, and `why`.
 *
 * @example
 * noResult("openai", "no line in its output or error file names its custom_id").error.error.message
 * // "openai upstream error: the batch ended without a result for this request (no line in …)"
 */
export function noResult(provider: string, why: string): Extract<BatchResult, { type: "errored" }> {
  return {
    type: "errored",
    error: { type: "error", error: { type: "api_error", message: `${provider} upstream error: the batch ended without a result for this request (${why})` }, request_id: null },
  };
}

/**
 * One line of a batch's results JSONL, as Anthropic writes it.
 *
 * @example
 * const line: BatchResultLine = { custom_id: "r1", result: { type: "canceled" } };
 */
import type { AnthropicErrorBody } from "./errors";

/** The `result` of one results line (docs/reference/provider-apis.md §2.4). */
export type BatchResult =
  | { type: "succeeded"; message: Record<string, unknown> }
  | { type: "errored"; error: AnthropicErrorBody }
  | { type: "canceled" }
  | { type: "expired" };

/** One line of the results JSONL. */
export interface BatchResultLine {
  custom_id: string;
  result: BatchResult;
}

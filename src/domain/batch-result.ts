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

/**
 * Results lines a chunk at a time (what one read of the upstream completed). `texts[i]`, when
 * not empty, is `lines[i]` exactly as JSON text that may be written as it is (the provider's
 * own line, already in the gateway's format); empty, the line is serialised. Whoever changes
 * a line (scrubbing) empties its text.
 *
 * @example
 * const chunk: BatchResultChunk = { lines: [line], texts: ['{"custom_id":"r1","result":{"type":"canceled"}}'] };
 */
export interface BatchResultChunk {
  lines: BatchResultLine[];
  texts?: string[];
  /**
   * The lines exactly as the vault writes them, UTF-8 with a line feed after each (the
   * upstream's own bytes, see `LineChunk` in src/lib/jsonl.ts): set only while every line has
   * its text, in order; whoever drops or changes a line removes it. Valid until the next chunk.
   */
  bytes?: Uint8Array;
}

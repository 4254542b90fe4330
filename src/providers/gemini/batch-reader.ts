/**
 * Reads a batch operation (`GET /v1beta/batches/{id}`) as a stream. Once a batch with
 * inline input ends, its operation carries every response inline, so the body grows with
 * the batch: it is parsed piece by piece, keeping only the fields the adapter needs and one
 * inlined response at a time.
 *
 * Where the output sits: the SDKs read it from `metadata.output` (python-genai
 * `_BatchJob_from_mldev`, js-genai `batchJobFromMldev`); clients of the raw REST API read
 * `response.inlinedResponses` (the operation's result). Both are read; the first one found wins.
 */
import { JSONParser } from "@streamparser/json";
import { UpstreamError } from "../../lib/errors";
import { PROVIDER } from "./client";
import type { GeminiBatchResultLine, GeminiBatchSummary } from "./wire";

const SUMMARY_FIELDS: Record<string, keyof GeminiBatchSummary> = {
  name: "name",
  error: "error",
  "metadata.state": "state",
  "metadata.batchStats": "batchStats",
  "metadata.endTime": "endTime",
  "metadata.updateTime": "updateTime",
  "metadata.output.responsesFile": "responsesFile",
  "response.responsesFile": "responsesFile",
};

const INLINE_SOURCES = ["metadata.output.inlinedResponses.inlinedResponses", "response.inlinedResponses.inlinedResponses"];

/**
 * The batch's state, stats, end time, output file and error.
 *
 * @example
 * const batch = await readBatchSummary((await gemini.fetch("/v1beta/batches/abc")).body!);
 * batch.state // "BATCH_STATE_RUNNING"
 */
export async function readBatchSummary(body: ReadableStream<Uint8Array>): Promise<GeminiBatchSummary> {
  const summary: GeminiBatchSummary = {};
  for await (const _ of parseOperation(body, summary, false)) {
    // Only the summary is wanted.
  }
  return summary;
}

/**
 * Each inlined response of an ended batch, in order; fills `summary` as it reads.
 *
 * @example
 * const summary = {};
 * for await (const item of readInlinedResponses(body, summary)) console.log(item.metadata?.key);
 */
export function readInlinedResponses(body: ReadableStream<Uint8Array>, summary: GeminiBatchSummary): AsyncGenerator<GeminiBatchResultLine> {
  return parseOperation(body, summary, true);
}

async function* parseOperation(
  body: ReadableStream<Uint8Array>,
  summary: GeminiBatchSummary,
  withInline: boolean,
): AsyncGenerator<GeminiBatchResultLine> {
  const paths = Object.keys(SUMMARY_FIELDS).map((path) => `$.${path}`);
  if (withInline) paths.push(...INLINE_SOURCES.map((path) => `$.${path}.*`));
  const parser = new JSONParser({ paths, keepStack: false });
  const found: GeminiBatchResultLine[] = [];
  let inlineSource: string | undefined;
  parser.onValue = ({ value, key, stack }) => {
    const parents = stack.slice(1).map((element) => String(element.key));
    const path = [...parents, String(key)].join(".");
    const field = SUMMARY_FIELDS[path];
    if (field) {
      (summary as Record<string, unknown>)[field] = value;
      return;
    }
    const source = parents.join(".");
    inlineSource ??= source;
    if (source === inlineSource) found.push(value as GeminiBatchResultLine);
  };
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      write(parser, value);
      while (found.length > 0) yield found.shift()!;
    }
    if (!parser.isEnded) throw new UpstreamError(PROVIDER, 502, "malformed batch response (the JSON ends early)");
  } finally {
    await reader.cancel().catch(() => {});
  }
}

function write(parser: JSONParser, bytes: Uint8Array): void {
  try {
    parser.write(bytes);
  } catch (error) {
    throw new UpstreamError(PROVIDER, 502, `malformed batch response (${error instanceof Error ? error.message : String(error)})`);
  }
}

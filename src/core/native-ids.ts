/**
 * Native IDs never reach a client, not even inside a provider's error message ("No such File
 * object: file-abc"): they are replaced by the gateway IDs they stand for.
 */
import { GatewayError } from "../lib/errors";
import type { NativeIdShapes } from "../providers/types";
import type { JobRecord } from "../domain/job-record";
import type { Gateway } from "./gateway";

/** Pairs of [native ID, gateway ID]. */
export type IdPairs = readonly (readonly [string, string])[];

/**
 * Runs `work`; an upstream error it throws names gateway IDs instead of native ones.
 *
 * @example
 * await inGatewayTerms([[file.nativeId, file.id]], () => adapter.files.delete(ctx, file));
 */
export async function inGatewayTerms<T>(pairs: IdPairs, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw inGatewayTermsError(error, pairs);
  }
}

/**
 * The same error, naming gateway IDs instead of native ones.
 *
 * @example
 * catch (error) { throw inGatewayTermsError(error, pairs); }
 */
export function inGatewayTermsError(error: unknown, pairs: IdPairs): unknown {
  if (!(error instanceof GatewayError)) return error;
  let message = error.message;
  for (const [native, gateway] of pairs) {
    if (native) message = message.replaceAll(native, gateway);
  }
  if (message === error.message) return error;
  return new GatewayError(error.status, error.type, message);
}

/** What an unknown native ID (a file deleted upstream, say) is replaced with. */
export const WITHHELD = "[provider ID withheld]";

/**
 * Whether `text` contains one of `words`; `batch` only counts when it is not OpenAI's
 * per-request `batch_req_…` (on every line of its output, and no ID of a batch). `indexOf`
 * scans gigabytes a second for rare words: nearly every line of results has none, and is
 * then returned as it is, without a regular expression.
 */
function mayHold(text: string, words: readonly string[]): boolean {
  for (const word of words) {
    if (word !== "batch") {
      if (text.indexOf(word) !== -1) return true;
      continue;
    }
    for (let at = text.indexOf("batch"); at !== -1; at = text.indexOf("batch", at + 5)) {
      if (!text.startsWith("batch_req_", at)) return true;
    }
  }
  return false;
}

/** Replaces native IDs in text; returns the same string when there is none. */
export type NativeIdScrubber = (text: string) => string;

/**
 * A scrubber for one batch: each native ID of `pairs` becomes its gateway ID, and anything
 * shaped like another native ID of the providers whose `shapes` are given (each adapter
 * declares its own: `ProviderAdapter.nativeIdShapes`) becomes `[provider ID withheld]`. Built once, used on many lines: a text without
 * any of the shapes' words is not searched with the regular expression at all.
 *
 * @example
 * const scrub = nativeIdScrubber([["file-abc123", "file_01J…"]], [openaiAdapter.nativeIdShapes]);
 * scrub("Invalid file id: 'file-abc123'") // "Invalid file id: 'file_01J…'"
 * scrub("No such File object: file-zzz999") // "No such File object: [provider ID withheld]"
 */
export function nativeIdScrubber(pairs: IdPairs, shapes: readonly NativeIdShapes[]): NativeIdScrubber {
  const words = [...new Set(shapes.flatMap((shape) => shape.words))];
  const gatewayOf = new Map<string, string>();
  for (const [native, gateway] of pairs) if (native.length >= 4 && !gatewayOf.has(native)) gatewayOf.set(native, gateway);
  const known = [...gatewayOf.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp([...known, ...shapes.flatMap((shape) => shape.patterns)].join("|"), "g");
  // Known native IDs of no known shape (rare) are looked for by their first characters.
  const otherHints = [...new Set([...gatewayOf.keys()].filter((native) => !mayHold(native, words)).map((native) => native.slice(0, 8)))];
  return (text) => {
    if (!mayHold(text, words) && !otherHints.some((hint) => text.includes(hint))) return text;
    return text.replace(pattern, (found) => gatewayOf.get(found) ?? WITHHELD);
  };
}

/**
 * A result line without native IDs. Only lines that are not `succeeded` are scrubbed: an
 * error or an unrun job's message may quote a native ID; a model's answer is passed on
 * exactly as the model wrote it.
 *
 * @example
 * const clean = scrubResultLine(line, scrub);
 */
export function scrubResultLine<T extends { result: { type: string } }>(line: T, scrub: NativeIdScrubber): T {
  if (line.result.type === "succeeded") return line;
  const text = JSON.stringify(line.result);
  const scrubbed = scrub(text);
  return scrubbed === text ? line : { ...line, result: JSON.parse(scrubbed) as T["result"] };
}

/**
 * `body` (UTF-8 text, such as a provider's output JSONL) with native IDs scrubbed, chunk by
 * chunk. A chunk is cut at its last line break, so no ID is split between two chunks.
 *
 * @example
 * return new Response(scrubbedText(download.body, scrub));
 */
export function scrubbedText(body: ReadableStream<Uint8Array>, scrub: NativeIdScrubber): ReadableStream<Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let carry = "";
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const text = carry + decoder.decode(chunk, { stream: true });
        const cut = text.lastIndexOf("\n") + 1;
        carry = text.slice(cut);
        if (cut > 0) controller.enqueue(encoder.encode(scrub(text.slice(0, cut))));
      },
      flush(controller) {
        const rest = carry + decoder.decode();
        if (rest) controller.enqueue(encoder.encode(scrub(rest)));
      },
    }),
  );
}

/**
 * What a batch's jobs are called upstream (their IDs, and the file IDs and keys they keep),
 * each standing for the gateway batch.
 *
 * @example
 * const pairs = jobIdPairs(batch.id, jobs);
 */
export function jobIdPairs(batchId: string, jobs: readonly { nativeId: string; data: Record<string, unknown> }[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (const job of jobs) {
    pairs.push([job.nativeId, batchId]);
    for (const value of Object.values(job.data)) {
      if (typeof value === "string" && value.length >= 8) pairs.push([value, batchId]);
    }
  }
  return pairs;
}

/**
 * Every native ID the gateway knows for a batch, with the gateway ID that stands for it: its
 * jobs and what they keep, what was created upstream for it, its output files, and the files
 * its requests name. `knownJobs`: the batch's jobs, when the caller has just read them.
 *
 * @example
 * const scrub = nativeIdScrubber(await batchIdPairs(gateway, batch.id));
 */
export async function batchIdPairs(gateway: Gateway, batchId: string, knownJobs?: readonly JobRecord[]): Promise<IdPairs> {
  const [jobs, artifacts, outputs, referenced] = await Promise.all([
    knownJobs ?? gateway.batches.jobs(batchId),
    gateway.batches.artifacts(batchId),
    gateway.files.listByBatch(batchId),
    gateway.batches.referencedFileIds(batchId),
  ]);
  return [
    ...referenced,
    ...outputs.filter((file) => file.nativeId).map((file) => [file.nativeId!, file.id] as const),
    ...jobIdPairs(batchId, jobs),
    ...artifacts.map((artifact) => [artifact.nativeId, batchId] as const),
  ];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

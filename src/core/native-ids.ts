/**
 * Native IDs never reach a client, not even inside a provider's error message ("No such File
 * object: file-abc"): they are replaced by the gateway IDs they stand for.
 */
import { GatewayError } from "../lib/errors";
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
 * Native ID shapes of every provider, for IDs the gateway no longer knows (a file deleted
 * upstream, say; see docs/sources/security.md § Native ID shapes). Anthropic's start like
 * ours (`file_01…`, `msgbatch_01…`) but are not `file_`/`msgbatch_` and exactly 26 ULID
 * characters, which is what every gateway ID is.
 */
const GATEWAY_ULID = String.raw`(?![0-9A-HJKMNP-TV-Z]{26}\b)`;
const UNKNOWN_NATIVE_SHAPES = [
  String.raw`\bfile_${GATEWAY_ULID}01[A-Za-z0-9]{8,}\b`,
  String.raw`\bmsgbatch_${GATEWAY_ULID}01[A-Za-z0-9]{8,}\b`,
  String.raw`\bfile-[A-Za-z0-9]{10,}`,
  String.raw`\bbatch_(?!req_)[A-Za-z0-9]{10,}`,
  String.raw`\bfiles/[a-z0-9][a-z0-9-]{3,}`,
  String.raw`\bbatches/[a-z0-9][a-z0-9-]{3,}`,
  String.raw`\barn:aws[a-z-]*:[^\s"'<>\\]*`,
  String.raw`\bs3://[^\s"'<>\\]+`,
];

/**
 * Literal substrings at least one of which a text holding a native ID contains: a text with
 * none of them (nearly every line) is returned as it is, after a few `includes` scans.
 */
const SHAPE_HINTS = ["file_01", "msgbatch_01", "file-", "batch_", "files/", "batches/", "arn:aws", "s3://"];

/** Replaces native IDs in text; returns the same string when there is none. */
export type NativeIdScrubber = (text: string) => string;

/**
 * A scrubber for one batch: each native ID of `pairs` becomes its gateway ID, and anything
 * shaped like another native ID becomes `[provider ID withheld]`. Built once, used on many
 * lines: a text without any hint is not searched with the regular expression at all.
 *
 * @example
 * const scrub = nativeIdScrubber([["file-abc123", "file_01J…"]]);
 * scrub("Invalid file id: 'file-abc123'") // "Invalid file id: 'file_01J…'"
 * scrub("No such File object: file-zzz999") // "No such File object: [provider ID withheld]"
 */
export function nativeIdScrubber(pairs: IdPairs): NativeIdScrubber {
  const gatewayOf = new Map<string, string>();
  for (const [native, gateway] of pairs) if (native.length >= 4 && !gatewayOf.has(native)) gatewayOf.set(native, gateway);
  const known = [...gatewayOf.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp([...known, ...UNKNOWN_NATIVE_SHAPES].join("|"), "g");
  const hints = [...SHAPE_HINTS];
  for (const native of gatewayOf.keys()) {
    if (!hints.some((hint) => native.includes(hint))) hints.push(native.slice(0, 8));
  }
  const uniqueHints = [...new Set(hints)];
  return (text) => {
    if (!uniqueHints.some((hint) => text.includes(hint))) return text;
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
 * its requests name.
 *
 * @example
 * const scrub = nativeIdScrubber(await batchIdPairs(gateway, batch.id));
 */
export async function batchIdPairs(gateway: Gateway, batchId: string): Promise<IdPairs> {
  const [jobs, artifacts, outputs, referenced] = await Promise.all([
    gateway.batches.jobs(batchId),
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

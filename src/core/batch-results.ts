/**
 * The results of an ended batch: from the vault once written there, else (a batch that
 * ended before the vault existed, and the vault's own writer) merged from the jobs'
 * translated results, every submitted `custom_id` exactly once, native IDs scrubbed.
 */
import { GatewayError } from "../lib/errors";
import { chunkLines } from "../lib/chunk-lines";
import { SetDigest } from "../lib/set-digest";
import { toJsonLines } from "../lib/jsonl";
import type { BatchResult, BatchResultChunk, BatchResultLine } from "../domain/batch-result";
import type { JobRecord } from "../domain/job-record";
import type { BatchRecord } from "../domain/batch-record";
import type { Gateway } from "./gateway";
import { lifecycleSettings } from "./lifecycle-settings";
import { batchIdPairs, inGatewayTermsError, jobIdPairs, nativeIdScrubber, scrubResultLine, type NativeIdScrubber } from "./native-ids";

/**
 * The results of an ended batch, every submitted `custom_id` exactly once: what the jobs
 * returned, then a result for each request no job mentioned (`canceled` after a cancel,
 * `expired` otherwise, or the job's own `unrun` result). No line names a native ID: errors
 * that quote one name the gateway ID instead (or withhold an ID the gateway does not know),
 * so whatever stores or serves these lines gets them scrubbed.
 *
 * @example
 * for await (const line of batchResults(gateway, batch)) console.log(line.custom_id);
 */
export function batchResults(gateway: Gateway, batch: BatchRecord): AsyncGenerator<BatchResultLine> {
  // An adapter's chunks as they are read (its `results` are the same lines, flattened: taking
  // them and wrapping each line in a chunk of its own was the same work twice); else line by
  // line, so that each line is served as soon as it is read.
  const adapter = gateway.adapter(batch.provider);
  const chunks = adapter.batches.resultChunks;
  const source = chunks
    ? (job: JobRecord) => chunks(gateway.upstream, job)
    : async function* (job: JobRecord): AsyncGenerator<BatchResultChunk> {
        for await (const line of adapter.batches.results(gateway.upstream, job)) yield { lines: [line] };
      };
  return chunkLines(mergedResults(gateway, batch, source));
}

/**
 * The same lines as `batchResults`, a chunk at a time, each with its text where it may be
 * written as it came (see `BatchResultChunk`): the vault's writer, which handles a chunk's
 * lines in one loop, rather than suspending once per line. Adapters without `resultChunks`
 * are read line by line and their lines passed on in chunks.
 *
 * @example
 * for await (const { lines, texts } of batchResultChunks(gateway, batch)) write(lines, texts);
 */
export function batchResultChunks(gateway: Gateway, batch: BatchRecord): AsyncGenerator<BatchResultChunk> {
  const adapter = gateway.adapter(batch.provider);
  const chunks = adapter.batches.resultChunks;
  const source = chunks
    ? (job: JobRecord) => chunks(gateway.upstream, job)
    : async function* (job: JobRecord): AsyncGenerator<BatchResultChunk> {
        let lines: BatchResultLine[] = [];
        for await (const line of adapter.batches.results(gateway.upstream, job)) {
          lines.push(line);
          if (lines.length === CHUNK_LINES) {
            yield { lines };
            lines = [];
          }
        }
        if (lines.length > 0) yield { lines };
      };
  return mergedResults(gateway, batch, source);
}

/** Lines per chunk when an adapter gives its results line by line. */
const CHUNK_LINES = 256;

/** The merge both share: each job's chunks de-duplicated and scrubbed, then the unrun requests. */
async function* mergedResults(gateway: Gateway, batch: BatchRecord, source: (job: JobRecord) => AsyncIterable<BatchResultChunk>): AsyncGenerator<BatchResultChunk> {
  const adapter = gateway.adapter(batch.provider);
  // One read of the jobs: the native IDs to scrub are taken from the same list.
  const jobs = await gateway.batches.jobs(batch.id);
  const scrub = nativeIdScrubber(await batchIdPairs(gateway, batch.id, jobs), [adapter.nativeIdShapes]);
  // Exactly once: the IDs already written. Bounded by the 100,000 requests a batch may hold
  // (custom_ids are at most 64 ASCII characters: about 10 MB at the cap), as the create's
  // duplicate check is; results are translated once, into the vault, so this is held once.
  const seen = new Set<string>();
  const seenDigest = new SetDigest();
  for (const job of jobs) {
    try {
      for await (const chunk of source(job)) {
        const kept = keepFirstScrubbed(chunk, seen, seenDigest, scrub);
        if (kept.lines.length > 0) yield kept;
      }
    } catch (error) {
      throw inGatewayTermsError(error, jobIdPairs(batch.id, jobs));
    }
  }
  // Every request has its line when the results held exactly the submitted custom_ids: the
  // lists are then not read back (reading and checking 100,000 of them took about a tenth of
  // a vault write, `npm run bench`). A custom_id no request had (an upstream's error) makes
  // the digests differ, and the lists are read; so does a batch from before digests (none).
  if (seenDigest.toString() === batch.customIdsDigest) return;
  const fallback: BatchResult = batch.cancelInitiatedAt ? { type: "canceled" } : { type: "expired" };
  const filledSlots = new Set<string>();
  for (const job of jobs) {
    if (filledSlots.has(job.slot)) continue;
    filledSlots.add(job.slot);
    const result = scrubResultLine({ result: job.unrun ?? fallback }, scrub).result;
    for await (const entries of gateway.vault.ids(batch.id, job.slot)) {
      const lines: BatchResultLine[] = [];
      for (const { customId } of entries) {
        const before = seen.size;
        seen.add(customId);
        if (seen.size === before) continue;
        lines.push({ custom_id: customId, result });
      }
      if (lines.length > 0) yield { lines };
    }
  }
}

/**
 * The chunk's lines whose `custom_id` was not seen before, scrubbed, in place (the chunk is
 * the caller's to change), their custom_ids added to `seen` and its digest. A line the
 * scrubber changed loses its text: it is serialised; the chunk loses its bytes when any line
 * was dropped or changed.
 */
function keepFirstScrubbed(chunk: BatchResultChunk, seen: Set<string>, seenDigest: SetDigest, scrub: NativeIdScrubber): BatchResultChunk {
  const { lines, texts } = chunk;
  let kept = 0;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    // One hash lookup rather than two (`has`, then `add`): the set grew only for a new ID.
    const before = seen.size;
    seen.add(line.custom_id);
    if (seen.size === before) continue;
    seenDigest.add(line.custom_id);
    const clean = scrubResultLine(line, scrub);
    lines[kept] = clean;
    if (texts) texts[kept] = clean === line ? texts[index]! : "";
    if (clean !== line) chunk.bytes = undefined;
    kept++;
  }
  if (kept < lines.length) chunk.bytes = undefined;
  lines.length = kept;
  if (texts) texts.length = kept;
  return chunk;
}

/**
 * The vaulted results of an ended batch, streamed from R2; null for a batch
 * that ended before the vault existed (its results are translated live). Results removed
 * by retention are a 404.
 *
 * @example
 * const results = await vaultedResults(gateway, batch); // { body, size } or null
 */
export async function vaultedResults(gateway: Gateway, batch: BatchRecord): Promise<{ body: ReadableStream<Uint8Array>; size: number } | null> {
  if (batch.resultsBytes === null) return null;
  const object = batch.resultsPurgedAt ? null : await gateway.vault.results(batch.id);
  if (!object) {
    const days = lifecycleSettings(gateway.upstream.env).retentionDays;
    throw GatewayError.notFound(`The results of message batch ${batch.id} are no longer available: they are kept ${days} days after the batch was created.`);
  }
  return { body: object.body, size: object.size };
}


/**
 * An ended batch's results as JSONL bytes: the vault object as it is (with its size), or,
 * for a batch that ended before the vault existed, the lines translated live. The first live
 * line is read before this returns, so that an upstream failure is still an error response
 * rather than a stream cut short; lines are encoded straight from the merge, with no layer
 * in between.
 *
 * @example
 * const { body, size } = await resultsBody(gateway, batch); // size null when translated live
 */
export async function resultsBody(gateway: Gateway, batch: BatchRecord): Promise<{ body: ReadableStream<Uint8Array>; size: number | null }> {
  const vaulted = await vaultedResults(gateway, batch);
  if (vaulted) return vaulted;
  const lines = batchResults(gateway, batch);
  const first = await lines.next();
  return { body: toJsonLines(lines, first.done ? [] : [first.value]), size: null };
}

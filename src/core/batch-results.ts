/**
 * The results of an ended batch: from the vault once written there, else (a batch that
 * ended before the vault existed, and the vault's own writer) merged from the jobs'
 * translated results, every submitted `custom_id` exactly once, native IDs scrubbed.
 */
import { GatewayError } from "../lib/errors";
import { toJsonLines } from "../lib/jsonl";
import type { BatchResult, BatchResultLine } from "../domain/batch-result";
import type { BatchRecord } from "../domain/batch-record";
import type { Gateway } from "./gateway";
import { lifecycleSettings } from "./lifecycle-settings";
import { batchIdPairs, inGatewayTermsError, jobIdPairs, nativeIdScrubber, scrubResultLine } from "./native-ids";

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
export async function* batchResults(gateway: Gateway, batch: BatchRecord): AsyncGenerator<BatchResultLine> {
  const adapter = gateway.adapter(batch.provider);
  // One read of the jobs: the native IDs to scrub are taken from the same list.
  const jobs = await gateway.batches.jobs(batch.id);
  const scrub = nativeIdScrubber(await batchIdPairs(gateway, batch.id, jobs), [adapter.nativeIdShapes]);
  // Exactly once: the IDs already written. Bounded by the 100,000 requests a batch may hold
  // (custom_ids are at most 64 ASCII characters: about 10 MB at the cap), as the create's
  // duplicate check is; results are translated once, into the vault, so this is held once.
  const seen = new Set<string>();
  for (const job of jobs) {
    try {
      for await (const line of adapter.batches.results(gateway.upstream, job)) {
        if (seen.has(line.custom_id)) continue;
        seen.add(line.custom_id);
        yield scrubResultLine(line, scrub);
      }
    } catch (error) {
      throw inGatewayTermsError(error, jobIdPairs(batch.id, jobs));
    }
  }
  const fallback: BatchResult = batch.cancelInitiatedAt ? { type: "canceled" } : { type: "expired" };
  const filledSlots = new Set<string>();
  for (const job of jobs) {
    if (filledSlots.has(job.slot)) continue;
    filledSlots.add(job.slot);
    const result = scrubResultLine({ result: job.unrun ?? fallback }, scrub).result;
    for await (const entries of gateway.vault.ids(batch.id, job.slot)) {
      for (const { customId } of entries) {
        if (seen.has(customId)) continue;
        seen.add(customId);
        yield { custom_id: customId, result };
      }
    }
  }
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

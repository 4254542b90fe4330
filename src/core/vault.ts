/**
 * The results vault: once every job of a batch has ended, its results are translated once
 * (through `batchResults`), written to R2, and only then is the batch published `ended`, with
 * the counts of what was written and the usage of each model. Write, then publish: a client
 * that sees `ended` can always read the results, and a failed write leaves the batch
 * `vaulting` for a retry.
 */
import { nowRfc3339 } from "../lib/time";
import type { BatchResultChunk, BatchResultLine } from "../domain/batch-result";
import type { RequestCounts } from "../domain/request-counts";
import type { BatchRecord } from "../domain/batch-record";
import type { TokenCounts } from "../domain/usage";
import { onBatchEnded } from "./batch-ended";
import { ZERO_COUNTS } from "./batch-state";
import { batchResultChunks } from "./batch-results";
import type { Gateway } from "./gateway";
import { lifecycleSettings } from "./lifecycle-settings";

/** How often (in lines) the writer checks whether its lease needs renewing. */
const LEASE_CHECK_LINES = 500;

/**
 * Vaults a `vaulting` batch and publishes it ended; returns it as it now stands. A batch
 * another worker is vaulting (its lease has not lapsed) is returned as is.
 *
 * @example
 * const batch = await vaultBatch(gateway, vaultingBatch);
 * batch.state; // "ended", or still "vaulting" when another worker holds it
 */
export async function vaultBatch(gateway: Gateway, seen: BatchRecord): Promise<BatchRecord> {
  const leaseMs = lifecycleSettings(gateway.upstream.env).vaultLeaseSeconds * 1000;
  let lease = new Date(Date.now() + leaseMs).toISOString();
  if (!(await gateway.batches.takeVaultLease(seen.id, nowRfc3339(), lease))) return seen;
  // Read again under the lease: a cancel that came after the caller read the batch decides
  // whether requests no job ran are `canceled` rather than `expired`.
  const batch = (await gateway.batches.getForWork(seen.id))?.batch ?? seen;
  let renewAt = Date.now() + leaseMs / 3;
  const renew = async () => {
    if (Date.now() < renewAt) return;
    const next = new Date(Date.now() + leaseMs).toISOString();
    if (!(await gateway.batches.takeVaultLease(batch.id, nowRfc3339(), next, lease))) {
      throw new Error(`lost the vault lease of ${batch.id}`);
    }
    lease = next;
    renewAt = Date.now() + leaseMs / 3;
  };
  try {
    const tally = new ResultTally(await modelOfRequests(gateway, batch));
    const bytes = await gateway.vault.writeResults(batch.id, resultTexts(batchResultChunks(gateway, batch), tally, renew), renew);
    const ended: BatchRecord = { ...batch, state: "ended", counts: tally.counts, endedAt: batch.endedAt ?? nowRfc3339(), resultsBytes: bytes };
    // The end's event is recorded (and its deliveries queued) before the end is published: if
    // recording fails, nothing is published and the vault is retried; a second call for the
    // same batch records nothing (see batchEnded), so a retried vault sends no second event.
    await onBatchEnded(gateway, ended);
    const published = await gateway.batches.publishEnded(ended, bytes, gateway.usage.tokenStatements(batch.id, tally.tokens));
    if (!published) return (await gateway.batches.getForWork(batch.id))?.batch ?? ended;
    return ended;
  } catch (error) {
    await gateway.batches.releaseVaultLease(batch.id).catch(() => {});
    throw error;
  }
}

/**
 * The model (as the client named it) of each request. One model: no lookup at all. Several:
 * a map of the batch's custom_ids read back from the vault's ID lists, bounded like the
 * results' duplicate check by the 100,000 requests a batch may hold (about 10 MB).
 */
async function modelOfRequests(gateway: Gateway, batch: BatchRecord): Promise<(customId: string) => string | undefined> {
  const models = await gateway.usage.ofBatch(batch.id);
  if (models.length <= 1) {
    const only = models[0]?.model;
    return () => only;
  }
  const byId = new Map<string, string>();
  const slots = new Set((await gateway.batches.jobs(batch.id)).map((job) => job.slot));
  for (const slot of slots) {
    for await (const entries of gateway.vault.ids(batch.id, slot)) {
      for (const entry of entries) byId.set(entry.customId, entry.model);
    }
  }
  return (customId) => byId.get(customId);
}

/**
 * Counts result types and sums the tokens of succeeded results per model, as lines pass.
 *
 * @example
 * const tally = new ResultTally(() => "claude-haiku-4-5");
 * for await (const line of lines) { tally.count(line); write(line); }
 * tally.counts.succeeded; tally.tokens.get("claude-haiku-4-5")?.input_tokens;
 */
export class ResultTally {
  readonly counts: RequestCounts = { ...ZERO_COUNTS };
  readonly tokens = new Map<string, TokenCounts>();

  constructor(private readonly modelOf: (customId: string) => string | undefined) {}

  count(line: BatchResultLine): void {
    const result = line.result;
    // Not `counts[result.type]++` for every line: a store under a key read from each line took
    // most of this method's 24 ms in a profile of a 100,000-line vault write (about 7 ms after,
    // with the named sums below); nearly every line is a success.
    if (result.type !== "succeeded") {
      this.counts[result.type]++;
      return;
    }
    this.counts.succeeded++;
    this.addTokens(line.custom_id, result.message.usage);
  }

  private addTokens(customId: string, usage: unknown): void {
    const model = this.modelOf(customId);
    if (model === undefined || typeof usage !== "object" || usage === null) return;
    let sums = this.tokens.get(model);
    if (!sums) {
      sums = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
      this.tokens.set(model, sums);
    }
    // Each key by name, not in a loop over the keys (a keyed load and store each).
    const u = usage as Partial<Record<keyof TokenCounts, unknown>>;
    sums.input_tokens += tokens(u.input_tokens);
    sums.output_tokens += tokens(u.output_tokens);
    sums.cache_creation_input_tokens += tokens(u.cache_creation_input_tokens);
    sums.cache_read_input_tokens += tokens(u.cache_read_input_tokens);
  }
}

/** A usage count as summed: a finite number, else nothing. */
function tokens(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/**
 * Each chunk's lines for the vault: its bytes when it has them (copied as they are), else its
 * lines as JSON texts (which the vault writes each followed by a line feed); each line
 * tallied, renewing the lease as lines pass. A line's own text is written as it came; only a
 * line without one is serialised. The chunk's `texts` array is reused.
 */
async function* resultTexts(chunks: AsyncIterable<BatchResultChunk>, tally: ResultTally, renew: () => Promise<void>): AsyncGenerator<Uint8Array | string[]> {
  let count = 0;
  for await (const { lines, texts = [], bytes } of chunks) {
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index]!;
      tally.count(line);
      if (!bytes && !texts[index]) texts[index] = JSON.stringify(line);
    }
    texts.length = lines.length;
    yield bytes ?? texts;
    count += lines.length;
    if (count >= LEASE_CHECK_LINES) {
      count = 0;
      await renew();
    }
  }
}

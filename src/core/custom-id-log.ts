/**
 * The custom_ids each slot of a batch holds, written to the R2 vault in chunks while the
 * batch is created, so that memory holds one chunk per slot, not the batch, and D1 holds
 * nothing proportional to it. It also counts the requests of each model (the name the
 * client sent), for the batch's usage, and keeps the digest of the custom_ids, for the
 * results' exactly-once check (src/core/batch-results.ts).
 */
import { SetDigest } from "../lib/set-digest";
import type { IdEntry, ResultsVault } from "../store/vault";

// Each chunk is one R2 put, and a put has a fixed cost (in a 100,000-request create's profile,
// 50 puts of 2,000 took about 3% of the create); a chunk of 10,000 entries is still well under
// a megabyte in memory.
const CHUNK = 10_000;

/**
 * @example
 * const log = new CustomIdLog(gateway.vault, batchId);
 * await log.add("gpt-4o#0", "request-1", "gpt-4o"); // undefined (nothing to wait for) or the chunk's write
 * await log.flush();
 * log.requestsByModel; // Map { "gpt-4o" => 1 }
 */
export class CustomIdLog {
  private readonly pending = new Map<string, IdEntry[]>();
  private readonly nextSeq = new Map<string, number>();
  /** Requests per model, in the order models were first seen. */
  readonly requestsByModel = new Map<string, number>();
  /**
   * The digest of every custom_id added. A batch's custom_ids are unique (src/api/batch-body.ts
   * refuses a repeated one); were one added twice, the digests would only differ, which is safe.
   */
  readonly digest = new SetDigest();
  /** The last model added. */
  private model = "";

  constructor(
    private readonly vault: ResultsVault,
    private readonly batchId: string,
  ) {}

  /**
   * Returns a promise only when a chunk is written (once per 10,000 requests of a slot): the
   * caller awaits that, and nothing per request (an await per request of a 100,000-request
   * batch showed in create's CPU profile).
   */
  add(slot: string, customId: string, model: string): Promise<void> | undefined {
    // Each request parsed brings its own copy of the model's name: the entries share one.
    if (model === this.model) model = this.model;
    else this.model = model;
    this.requestsByModel.set(model, (this.requestsByModel.get(model) ?? 0) + 1);
    this.digest.add(customId);
    let entries = this.pending.get(slot);
    if (!entries) {
      entries = [];
      this.pending.set(slot, entries);
    }
    entries.push({ customId, model });
    return entries.length >= CHUNK ? this.write(slot, entries) : undefined;
  }

  async flush(): Promise<void> {
    for (const [slot, entries] of this.pending) {
      if (entries.length > 0) await this.write(slot, entries);
    }
  }

  private async write(slot: string, entries: IdEntry[]): Promise<void> {
    const seq = this.nextSeq.get(slot) ?? 0;
    this.nextSeq.set(slot, seq + 1);
    const chunk = entries.splice(0, entries.length);
    await this.vault.putIds(this.batchId, slot, seq, chunk);
  }
}

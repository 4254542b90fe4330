/**
 * The custom_ids each slot of a batch holds, written to D1 in chunks while the batch is
 * created, so that memory holds one chunk per slot, not the batch.
 */
import type { BatchStore } from "../store/batches";

const CHUNK = 2_000;

/**
 * @example
 * const log = new CustomIdLog(gateway.batches, batchId);
 * await log.add("gpt-4o#0", "request-1");
 * await log.flush();
 */
export class CustomIdLog {
  private readonly pending = new Map<string, string[]>();
  private readonly nextSeq = new Map<string, number>();

  constructor(
    private readonly store: BatchStore,
    private readonly batchId: string,
  ) {}

  async add(slot: string, customId: string): Promise<void> {
    let ids = this.pending.get(slot);
    if (!ids) {
      ids = [];
      this.pending.set(slot, ids);
    }
    ids.push(customId);
    if (ids.length >= CHUNK) await this.write(slot, ids);
  }

  async flush(): Promise<void> {
    for (const [slot, ids] of this.pending) {
      if (ids.length > 0) await this.write(slot, ids);
    }
  }

  private async write(slot: string, ids: string[]): Promise<void> {
    const seq = this.nextSeq.get(slot) ?? 0;
    this.nextSeq.set(slot, seq + 1);
    const chunk = ids.splice(0, ids.length);
    await this.store.insertCustomIds(this.batchId, slot, seq, chunk);
  }
}

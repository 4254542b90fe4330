/**
 * The reconciler, run by a cron trigger: finishes what a crash or a timeout left half done.
 * Creation is write-ahead (the record first, then each upstream object recorded the moment
 * it exists), so everything a dead create left upstream is known and can be removed.
 */
import { rollBack } from "./batch-create";
import type { Gateway } from "./gateway";

/** A create still `creating` after this long is dead: no create runs anywhere near it. */
export const STALE_AFTER_MS = 30 * 60 * 1000;
const PER_RUN = 50;

export interface ReconcileReport {
  batchesRolledBack: number;
  batchesLeft: number;
  filesForgotten: number;
}

/**
 * @example
 * const report = await reconcile(gateway, Date.now());
 */
export async function reconcile(gateway: Gateway, now: number): Promise<ReconcileReport> {
  const before = new Date(now - STALE_AFTER_MS).toISOString();
  const report: ReconcileReport = { batchesRolledBack: 0, batchesLeft: 0, filesForgotten: 0 };
  for (const batch of await gateway.batches.unfinished(before, PER_RUN)) {
    if (await rollBack(gateway, batch)) report.batchesRolledBack++;
    else report.batchesLeft++;
  }
  for (const file of await gateway.files.unfinished(before, PER_RUN)) {
    // An upload that never answered: no native ID was ever known, so nothing upstream to name.
    await gateway.files.delete(file.id);
    report.filesForgotten++;
  }
  return report;
}

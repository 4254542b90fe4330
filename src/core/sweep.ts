/**
 * The safety net of background work, run by the cron trigger and once when an isolate
 * starts (so that `npm run dev` needs no trigger from outside, even after a crash): re-queues
 * every running batch not polled for twice its interval, and every vault left undone (for
 * when its lease lapses), and removes vaulted results past `RESULTS_RETENTION_DAYS`.
 */
import { nowRfc3339 } from "../lib/time";
import type { Gateway } from "./gateway";
import { lifecycleSettings } from "./lifecycle-settings";
import { pollNow, queueVault } from "./progress";

const PER_RUN = 100;

export interface SweepReport {
  pollsRequeued: number;
  vaultsRequeued: number;
  resultsPurged: number;
}

/**
 * @example
 * const report = await sweep(gateway, Date.now());
 */
export async function sweep(gateway: Gateway, now: number): Promise<SweepReport> {
  const settings = lifecycleSettings(gateway.upstream.env);
  const at = new Date(now).toISOString();
  const report: SweepReport = { pollsRequeued: 0, vaultsRequeued: 0, resultsPurged: 0 };
  for (const batch of await gateway.batches.overduePolls(at, Math.max(1, settings.pollMinSeconds), PER_RUN)) {
    await pollNow(gateway, batch.id, settings.pollMinSeconds);
    report.pollsRequeued++;
  }
  // A vault whose worker died: queued now if its lease has lapsed, else for when it lapses
  // (a live worker renews it, and the message then finds it held and looks again later).
  for (const { batch, leaseUntil } of await gateway.batches.vaulting(PER_RUN)) {
    const lapsesIn = leaseUntil ? Math.max(0, Math.ceil((Date.parse(leaseUntil) - now) / 1000)) : 0;
    await queueVault(gateway, batch.id, lapsesIn > 0 ? lapsesIn + 1 : 0);
    report.vaultsRequeued++;
  }
  const before = new Date(now - settings.retentionDays * 86_400_000).toISOString();
  for (const batch of await gateway.batches.resultsPastRetention(before, PER_RUN)) {
    await gateway.vault.deleteResults(batch.id);
    await gateway.batches.markResultsPurged(batch.id, nowRfc3339());
    report.resultsPurged++;
  }
  return report;
}

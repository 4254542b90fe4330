/**
 * Background progress: every running batch has one chain of delayed `poll` messages, the
 * first after `BATCH_POLL_MIN_SECONDS`, then backing off to `BATCH_POLL_MAX_SECONDS`; a batch
 * whose jobs have all ended gets a `vault` message. Sending never fails the caller: a chain
 * that breaks is picked up by the safety net (src/core/sweep.ts).
 */
import type { Gateway } from "./gateway";
import { lifecycleSettings, nextPollInterval } from "./lifecycle-settings";

/**
 * Schedules the batch's next poll after the interval that follows `currentInterval` (0: the
 * first). The poll recorded as due replaces any other chain of the batch.
 *
 * @example
 * await schedulePoll(gateway, batch.id, 0); // polled after BATCH_POLL_MIN_SECONDS
 */
export async function schedulePoll(gateway: Gateway, batchId: string, currentInterval: number): Promise<void> {
  // Background polls are at least a second apart, whatever the minimum between refreshes.
  const interval = Math.max(1, nextPollInterval(currentInterval, lifecycleSettings(gateway.upstream.env)));
  const due = new Date(Date.now() + interval * 1000).toISOString();
  try {
    await gateway.batches.schedulePoll(batchId, interval, due);
    await gateway.jobs.send({ kind: "poll", batchId, due }, { delaySeconds: interval });
  } catch (error) {
    console.error("could not schedule a poll; the safety net will", batchId, error instanceof Error ? error.message : String(error));
  }
}

/**
 * Queues the vaulting of a batch whose jobs have all ended.
 *
 * @example
 * await queueVault(gateway, batch.id);
 */
export async function queueVault(gateway: Gateway, batchId: string, delaySeconds = 0): Promise<void> {
  try {
    await gateway.jobs.send({ kind: "vault", batchId }, { delaySeconds });
  } catch (error) {
    console.error("could not queue a vault; the safety net will", batchId, error instanceof Error ? error.message : String(error));
  }
}

/**
 * Polls the batch now (the safety net restarting a broken chain), backing off from `interval`.
 *
 * @example
 * await pollNow(gateway, batch.id, 30);
 */
export async function pollNow(gateway: Gateway, batchId: string, interval: number): Promise<void> {
  const due = new Date().toISOString();
  try {
    await gateway.batches.schedulePoll(batchId, Math.max(1, interval), due);
    await gateway.jobs.send({ kind: "poll", batchId, due });
  } catch (error) {
    console.error("could not queue a poll", batchId, error instanceof Error ? error.message : String(error));
  }
}

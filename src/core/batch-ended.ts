/**
 * What happens once a batch has been vaulted and published as `ended`: the one place for
 * work that follows the end of a batch (the webhooks branch calls its delivery from here).
 */
import type { BatchRecord } from "../store/batches";
import type { Gateway } from "./gateway";

/**
 * Called exactly once per batch, right after it was published `ended` (by whichever worker
 * published it). Nothing to do yet.
 *
 * @example
 * await onBatchEnded(gateway, endedBatch);
 */
export async function onBatchEnded(_gateway: Gateway, _batch: BatchRecord): Promise<void> {}

/**
 * What happens when a batch has been vaulted and is about to be published `ended`: the one
 * place for work that follows the end of a batch.
 */
import type { BatchRecord } from "../domain/batch-record";
import type { Gateway } from "./gateway";
import { batchEnded } from "./webhooks";

/**
 * Called once the batch's results are in the vault, right before it is published `ended`
 * (by whichever worker vaults it; again if the publish fails and the vault is retried).
 * Records the batch's `message_batch.ended` webhook event, once per batch, and queues its
 * deliveries; throws when the event cannot be recorded, so that the end is not published
 * without it.
 *
 * @example
 * await onBatchEnded(gateway, endedBatch);
 */
export async function onBatchEnded(gateway: Gateway, batch: BatchRecord): Promise<void> {
  await batchEnded(gateway, batch);
}

/**
 * Cancelling a running batch (every unended job asked to stop) and deleting an ended one
 * (its upstream jobs, input and output files, vaulted results, then its records).
 */
import { GatewayError } from "../lib/errors";
import { batchToWire } from "../domain/message-batch";
import { nowRfc3339 } from "../lib/time";
import type { BatchRecord } from "../domain/batch-record";
import type { JobRecord } from "../domain/job-record";
import { getBatch } from "./batch-refresh";
import { resolvedFile } from "./files";
import type { Gateway } from "./gateway";
import type { ProviderAdapter } from "../providers/types";
import { hasGatewayJobs } from "./gateway-jobs";
import { inGatewayTerms, jobIdPairs, type IdPairs } from "./native-ids";
import { pollNow, schedulePoll } from "./progress";

/**
 * Asks every job that has not ended to stop. The batch reads `canceling` until every job
 * has ended (on providers without a cancelling state too). An ended batch is returned as is.
 *
 * @example
 * const batch = await cancelBatch(gateway, "owner", "msgbatch_01…");
 */
export async function cancelBatch(gateway: Gateway, owner: string, id: string): Promise<BatchRecord> {
  const batch = await getBatch(gateway, owner, id);
  if (batch.state === "ended") return batch;
  if (batch.state === "vaulting") {
    // Every job has ended and the results are being written: nothing is left to stop, but the
    // client asked, so the batch reads `canceling` until it is published `ended`.
    const asked: BatchRecord = { ...batch, cancelInitiatedAt: batch.cancelInitiatedAt ?? nowRfc3339() };
    await gateway.batches.update(asked);
    return asked;
  }
  const canceling: BatchRecord = { ...batch, state: "canceling", cancelInitiatedAt: batch.cancelInitiatedAt ?? nowRfc3339() };
  await gateway.batches.update(canceling);
  const adapter = gateway.adapter(batch.provider);
  const jobs = await gateway.batches.jobs(batch.id);
  await inGatewayTerms(nativeIdsOf(batch, jobs), () =>
    Promise.all(jobs.filter((job) => job.state !== "ended").map((job) => cancelJob(gateway, adapter, job))),
  );
  // A cancelled job ends soon: poll it at the shortest interval again (at once when the gateway
  // runs some itself: their next step ends them).
  if (hasGatewayJobs(gateway, batch, jobs)) await pollNow(gateway, batch.id, 0);
  else await schedulePoll(gateway, batch.id, 0);
  return canceling;
}

/**
 * Asks upstream to stop one job. A job may have ended upstream since the gateway last polled
 * it, and providers refuse to cancel an ended job (a 400): then there is nothing left to stop,
 * and the next poll records how it ended. Any other refusal is the caller's error.
 */
async function cancelJob(gateway: Gateway, adapter: ProviderAdapter, job: JobRecord): Promise<void> {
  try {
    await adapter.batches.cancel(gateway.upstream, job);
  } catch (error) {
    const status = await adapter.batches.retrieve(gateway.upstream, job).catch(() => null);
    if (status?.state !== "ended") throw error;
  }
}

/**
 * Deletes an ended batch: its upstream jobs, input and output files, then its records.
 * A batch still processing is refused, as Anthropic refuses it.
 *
 * @example
 * await deleteBatch(gateway, "owner", "msgbatch_01…");
 */
export async function deleteBatch(gateway: Gateway, owner: string, id: string): Promise<void> {
  const batch = await getBatch(gateway, owner, id);
  if (batch.state !== "ended") {
    throw GatewayError.invalid(`Message batch ${id} is still processing (processing_status: ${batchToWire(batch, "").processing_status}); cancel it and wait for it to end before deleting it.`);
  }
  const adapter = gateway.adapter(batch.provider);
  const outputs = await gateway.files.listByBatch(batch.id);
  const artifacts = await gateway.batches.artifacts(batch.id);
  const ids: IdPairs = [
    ...nativeIdsOf(batch, await gateway.batches.jobs(batch.id)),
    ...outputs.map((file) => [file.nativeId ?? "", file.id] as const),
    ...artifacts.map((artifact) => [artifact.nativeId, batch.id] as const),
  ];
  await inGatewayTerms(ids, async () => {
    for (const file of outputs) {
      if (file.nativeId && adapter.files) {
        await adapter.files.delete(gateway.upstream, resolvedFile(file));
      }
      await gateway.files.delete(file.id);
    }
    for (const artifact of artifacts) await adapter.batches.deleteArtifact(gateway.upstream, artifact);
  });
  await gateway.vault.deleteBatch(batch.id);
  await gateway.batches.delete(batch.id);
}

/**
 * What a batch's jobs are called upstream (their IDs, and the file IDs and keys they keep),
 * each standing for the gateway batch.
 */
function nativeIdsOf(batch: BatchRecord, jobs: readonly JobRecord[]): IdPairs {
  return jobIdPairs(batch.id, jobs);
}

/**
 * Reading a batch and moving it forward: polling its upstream jobs, merging their states
 * into the batch, registering the output files they report, and vaulting the results once
 * every job has ended (inline when small, else by the background worker).
 */
import { GatewayError } from "../lib/errors";
import { batchToWire } from "../domain/message-batch";
import { nowRfc3339 } from "../lib/time";
import type { UpstreamFile } from "../providers/types";
import type { BatchRecord } from "../domain/batch-record";
import type { JobRecord } from "../domain/job-record";
import { jobAfter, mergeJobs } from "./batch-state";
import type { Gateway } from "./gateway";
import { newFileId } from "./ids";
import { lifecycleSettings } from "./lifecycle-settings";
import { inGatewayTerms, inGatewayTermsError, jobIdPairs, type IdPairs } from "./native-ids";
import { queueVault } from "./progress";
import { vaultBatch } from "./vault";

/**
 * A retrieve that finds every job ended vaults the results itself (and answers `ended`) up
 * to this many requests; larger batches are vaulted by the background worker.
 */
export const VAULT_INLINE_MAX_REQUESTS = 10_000;

/**
 * The caller's batch. While it runs, refreshed from upstream when the last poll is at least
 * `BATCH_POLL_MIN_SECONDS` old; once every job has ended, vaulted (small batches right here,
 * larger ones by the background worker). 404 for a batch that is unknown or another owner's.
 *
 * @example
 * const batch = await getBatch(gateway, "owner", "msgbatch_01…");
 */
export async function getBatch(gateway: Gateway, owner: string, id: string): Promise<BatchRecord> {
  const found = await gateway.batches.getWithJobs(owner, id);
  if (!found) throw GatewayError.notFound(`Message batch not found: ${id}`);
  const { batch, jobs } = found;
  if (batch.state === "ended") return batch;
  // Being vaulted: a small batch is vaulted here unless a worker holds it; a large one is the
  // background worker's (queued when its jobs were seen ended, or by the safety net).
  if (batch.state === "vaulting") return batch.requestCount > VAULT_INLINE_MAX_REQUESTS ? batch : vaultOrQueue(gateway, batch);
  const minMs = lifecycleSettings(gateway.upstream.env).pollMinSeconds * 1000;
  if (batch.polledAt && Date.now() - Date.parse(batch.polledAt) < minMs) return batch;
  return advanceBatch(gateway, batch, jobs);
}

/**
 * Polls a running batch's jobs upstream; when every job has ended the batch turns
 * `vaulting` and its results are vaulted (inline when small). Returns the batch as it stands.
 *
 * @example
 * const batch = await advanceBatch(gateway, batch, jobs);
 */
export async function advanceBatch(gateway: Gateway, batch: BatchRecord, jobs: readonly JobRecord[]): Promise<BatchRecord> {
  const refreshed = await refresh(gateway, batch, jobs);
  return refreshed.state === "vaulting" ? vaultOrQueue(gateway, refreshed) : refreshed;
}

async function vaultOrQueue(gateway: Gateway, batch: BatchRecord): Promise<BatchRecord> {
  if (batch.requestCount > VAULT_INLINE_MAX_REQUESTS) {
    await queueVault(gateway, batch.id);
    return batch;
  }
  try {
    return await vaultBatch(gateway, batch);
  } catch (error) {
    // Nothing was published: the batch stays `vaulting` (it reads as running) and the
    // background worker retries. The caller learns which provider failed, and why.
    await queueVault(gateway, batch.id, 5);
    throw inGatewayTermsError(error, nativeIdsOf(batch, await gateway.batches.jobs(batch.id)));
  }
}

async function refresh(gateway: Gateway, batch: BatchRecord, jobs: readonly JobRecord[]): Promise<BatchRecord> {
  const polledAt = nowRfc3339();
  const adapter = gateway.adapter(batch.provider);
  const refreshed = await Promise.all(
    jobs.map(async (job): Promise<JobRecord> => {
      if (job.state === "ended") return job;
      const status = await inGatewayTerms(nativeIdsOf(batch, [job]), () => adapter.batches.retrieve(gateway.upstream, job));
      const next = jobAfter(job, status);
      // A poll that learns nothing new writes nothing.
      if (JSON.stringify(next) !== JSON.stringify(job)) await gateway.batches.updateJob(next);
      for (const file of status.outputFiles ?? []) await registerOutputFile(gateway, batch, file);
      return next;
    }),
  );
  const result = mergeJobs(batch, refreshed, nowRfc3339());
  // Every job has ended: the batch is `ended` only once its results are in the vault.
  const merged: BatchRecord = { ...result, state: result.state === "ended" ? "vaulting" : result.state, polledAt };
  if (JSON.stringify(merged) !== JSON.stringify({ ...batch, polledAt })) await gateway.batches.update(merged);
  await gateway.batches.markPolled(batch.id, polledAt);
  return merged;
}

// Recorded once per (batch, native file): the insert ignores a file already recorded.
async function registerOutputFile(gateway: Gateway, batch: BatchRecord, file: UpstreamFile): Promise<void> {
  await gateway.files.insert({
    id: newFileId(),
    owner: batch.owner,
    provider: batch.provider,
    state: "ready",
    nativeId: file.nativeId,
    filename: file.filename,
    mimeType: file.mimeType,
    sizeBytes: file.sizeBytes,
    downloadable: true,
    createdAt: file.createdAt,
    expiresAt: file.expiresAt,
    native: file.native,
    batchId: batch.id,
  });
}

/**
 * What a batch's jobs are called upstream (their IDs, and the file IDs and keys they keep),
 * each standing for the gateway batch.
 */
function nativeIdsOf(batch: BatchRecord, jobs: readonly JobRecord[]): IdPairs {
  return jobIdPairs(batch.id, jobs);
}

/**
 * The ended batch whose results the caller may read; 400 while it is still processing.
 *
 * @example
 * const batch = await endedBatch(gateway, "owner", "msgbatch_01…");
 */
export async function endedBatch(gateway: Gateway, owner: string, id: string): Promise<BatchRecord> {
  const batch = await getBatch(gateway, owner, id);
  if (batch.state !== "ended") {
    throw GatewayError.invalid(`Message batch ${id} has not finished processing (processing_status: ${batchToWire(batch, "").processing_status}); results are available once it has ended.`);
  }
  return batch;
}

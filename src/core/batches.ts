/**
 * The batches service: gateway batch IDs, ownership, and the mapping of one gateway batch
 * to the upstream jobs that run it. It knows no provider's wire format.
 */
import { GatewayError, UpstreamError } from "../lib/errors";
import { batchToWire } from "../domain/message-batch";
import { addHours, nowRfc3339 } from "../lib/time";
import type { JobLine, UpstreamFile } from "../providers/types";
import { BatchPlanner } from "./batch-planner";
import type { Artifact } from "../domain/artifact";
import type { BatchRequest } from "../domain/batch-request";
import type { BatchResult, BatchResultLine } from "../domain/batch-result";
import type { ProviderName } from "../domain/provider-name";
import type { BatchRecord } from "../domain/batch-record";
import type { JobRecord } from "../domain/job-record";
import { jobAfter, mergeJobs, ZERO_COUNTS } from "./batch-state";
import { CustomIdLog } from "./custom-id-log";
import { FileResolver } from "./file-refs";
import { resolvedFile } from "./files";
import type { Gateway } from "./gateway";
import { newBatchId, newFileId } from "./ids";
import { assertWithinBudget, monthToDateSpendUsd } from "./budget";
import { assertBatchAllowed } from "./limits";
import { lifecycleSettings } from "./lifecycle-settings";
import { batchIdPairs, inGatewayTerms, inGatewayTermsError, jobIdPairs, nativeIdScrubber, scrubResultLine, type IdPairs } from "./native-ids";
import { hasGatewayJobs } from "./gateway-jobs";
import { pollNow, queueVault, schedulePoll } from "./progress";
import { vaultBatch } from "./vault";

/**
 * A retrieve that finds every job ended vaults the results itself (and answers `ended`) up
 * to this many requests; larger batches are vaulted by the background worker.
 */
export const VAULT_INLINE_MAX_REQUESTS = 10_000;

/**
 * A create body's requests, each already validated against the Anthropic schema.
 * `replayable` sources (small bodies) can be read twice: the service checks every request
 * with the provider's translator before anything reaches upstream. A streamed source is
 * read once; a bad request found late aborts and rolls back what was created.
 */
export interface BatchSource {
  replayable: boolean;
  requests(): AsyncIterable<BatchRequest>;
  /**
   * SHA-256 (hex) of the whole body, bytes as sent. Of a replayable source, at any time; of
   * a streamed one, after `requests()` was read to its end, or instead of it (then it reads
   * the rest of the body, hashing it, and sends nothing anywhere).
   */
  digest?(): Promise<string>;
}

export interface CreateOptions {
  /** The caller's limit of batches not ended at once (null: none). */
  maxBatchesInProgress?: number | null;
  /** The caller's monthly budget in USD, counted from finished batches (null: none). */
  monthlyBudgetUsd?: number | null;
  /** Where the client reached the gateway: background work (the webhook) names results there. */
  origin?: string | null;
}

/**
 * Creates the batch upstream and records it. Returns the stored batch.
 *
 * An `idempotencyKey` already used answers its batch when the body is the same (byte for
 * byte) and 409 `conflict_error` when it is not, with nothing sent upstream either way. A
 * caller over `maxBatchesInProgress`, or whose `monthlyBudgetUsd` is spent, gets 429 before
 * anything is sent upstream.
 *
 * @example
 * const batch = await createBatch(gateway, "owner", "openai", source, null, { origin: "https://gw.example.com" });
 */
export async function createBatch(
  gateway: Gateway,
  owner: string,
  provider: ProviderName,
  source: BatchSource,
  idempotencyKey: string | null,
  options: CreateOptions = {},
): Promise<BatchRecord> {
  const adapter = gateway.adapter(provider);
  adapter.assertConfigured(gateway.upstream.env);
  if (idempotencyKey) {
    const existing = await gateway.batches.getByIdempotencyKey(owner, idempotencyKey);
    if (existing) return replayed(existing, source);
  }
  const budget = options.monthlyBudgetUsd ?? null;
  if (budget !== null) {
    const now = new Date();
    assertWithinBudget(budget, await monthToDateSpendUsd(gateway.usage, gateway.upstream.env, owner, now), now);
  }
  // A streamed body's hash is known only once it has been read: it is stored at the end,
  // and meanwhile the `creating` record holds the key (a replay then gets a 409 "retry").
  const bodySha256 = idempotencyKey && source.replayable && source.digest ? await source.digest() : null;
  const files = new FileResolver(gateway.files, owner, provider);
  // A small body is translated once, here, before any upstream call: a bad request never
  // reaches upstream, and the planner is handed the lines (bounded as the body is).
  const translated: (JobLine | undefined)[] | null = source.replayable ? [] : null;
  if (translated) {
    let index = 0;
    for await (const request of source.requests()) {
      await files.resolve(request.params, `requests.${index}.params`);
      translated.push(withRequestPath(index, () => adapter.batches.jobs.translate(request, files.map, gateway.upstream)));
      index++;
    }
  }

  const createdAt = nowRfc3339();
  const batch: BatchRecord = {
    id: newBatchId(),
    owner,
    provider,
    state: "creating",
    requestCount: 0,
    counts: { ...ZERO_COUNTS },
    createdAt,
    expiresAt: addHours(createdAt, 24),
    endedAt: null,
    cancelInitiatedAt: null,
    archivedAt: null,
    idempotencyKey,
    idempotencyBodySha256: bodySha256,
    origin: options.origin ?? null,
    polledAt: null,
    resultsBytes: null,
    resultsPurgedAt: null,
  };
  try {
    await gateway.batches.insert(batch);
  } catch (error) {
    // Two creates with one Idempotency-Key at once: the unique index lets one through.
    const winner = idempotencyKey ? await gateway.batches.getByIdempotencyKey(owner, idempotencyKey) : null;
    if (winner) return replayed(winner, source);
    if (idempotencyKey) throw new GatewayError(409, "conflict_error", "A batch with this Idempotency-Key is being created; retry in a moment.");
    throw error;
  }
  const maxInProgress = options.maxBatchesInProgress ?? null;
  if (maxInProgress !== null) {
    try {
      assertBatchAllowed(maxInProgress, await gateway.batches.countUnendedBefore(owner, batch.id));
    } catch (error) {
      await gateway.batches.delete(batch.id);
      throw error;
    }
  }
  // Recorded before anything upstream: from now on these files cannot be deleted under it.
  await gateway.batches.insertFileRefs(batch.id, [...files.map.keys()]);

  let artifactSeq = 0;
  const planner = new BatchPlanner(adapter.batches.jobs, gateway.upstream, {
    batchId: batch.id,
    sink: { record: (artifact) => gateway.batches.insertArtifact(batch.id, artifactSeq++, artifact) },
  });
  const customIds = new CustomIdLog(gateway.vault, batch.id);
  try {
    let index = 0;
    for await (const request of source.requests()) {
      // Each translated line is let go once placed: the planner holds what it still needs.
      let line = translated?.[index];
      if (translated) translated[index] = undefined;
      if (!line) {
        const added = await files.resolve(request.params, `requests.${index}.params`);
        if (added.length > 0) await gateway.batches.insertFileRefs(batch.id, added);
        line = withRequestPath(index, () => adapter.batches.jobs.translate(request, files.map, gateway.upstream));
      }
      const slot = await withRequestPathAsync(index, () => planner.add(line));
      await customIds.add(slot, request.custom_id, request.params.model);
      index++;
    }
    const jobs = await planner.finish();
    await customIds.flush();
    for (const [seq, job] of jobs.entries()) await gateway.batches.insertJob(batch.id, seq, job);
    const streamedSha256 = idempotencyKey && !source.replayable && source.digest ? await source.digest() : null;
    await gateway.usage.insertRequests(batch.id, provider, customIds.requestsByModel);
    const created: BatchRecord = {
      ...batch,
      state: "in_progress",
      requestCount: index,
      counts: { ...ZERO_COUNTS, processing: index },
      idempotencyBodySha256: bodySha256 ?? streamedSha256,
    };
    await gateway.batches.update(created);
    // Requests the gateway runs itself start at once; upstream jobs are first polled later.
    if (hasGatewayJobs(gateway, created, jobs)) await pollNow(gateway, created.id, 0);
    else await schedulePoll(gateway, created.id, 0);
    return created;
  } catch (error) {
    await planner.abort(error);
    await rollBack(gateway, batch);
    throw error;
  }
}

/**
 * The batch an Idempotency-Key already made, if this body is the one it was made from
 * (batches from before bodies were hashed are answered as they are); else a 409.
 */
async function replayed(existing: BatchRecord, source: BatchSource): Promise<BatchRecord> {
  if (!existing.idempotencyBodySha256 || !source.digest) return existing;
  if ((await source.digest()) === existing.idempotencyBodySha256) return existing;
  throw new GatewayError(
    409,
    "conflict_error",
    `This Idempotency-Key was already used to create message batch ${existing.id} with a different request body; use a new Idempotency-Key for a different batch.`,
  );
}

/**
 * Removes what a failed create left upstream; keeps the record (as `failed`) if that fails
 * too, for the reconciler to finish.
 *
 * @example
 * const removed = await rollBack(gateway, batch);
 */
export async function rollBack(gateway: Gateway, batch: BatchRecord): Promise<boolean> {
  const removed = await deleteArtifacts(gateway, batch.provider, await gateway.batches.artifacts(batch.id));
  if (removed) {
    await gateway.vault.deleteBatch(batch.id);
    await gateway.batches.delete(batch.id);
  }
  else await gateway.batches.update({ ...batch, state: "failed" });
  return removed;
}

async function deleteArtifacts(gateway: Gateway, provider: ProviderName, artifacts: readonly Artifact[]): Promise<boolean> {
  const adapter = gateway.adapter(provider);
  let allDeleted = true;
  for (const artifact of artifacts) {
    try {
      await adapter.batches.deleteArtifact(gateway.upstream, artifact);
    } catch {
      allDeleted = false;
    }
  }
  return allDeleted;
}

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
    Promise.all(jobs.filter((job) => job.state !== "ended").map((job) => adapter.batches.cancel(gateway.upstream, job))),
  );
  // A cancelled job ends soon: poll it at the shortest interval again (at once when the gateway
  // runs some itself: their next step ends them).
  if (hasGatewayJobs(gateway, batch, jobs)) await pollNow(gateway, batch.id, 0);
  else await schedulePoll(gateway, batch.id, 0);
  return canceling;
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
 * The results of an ended batch, every submitted `custom_id` exactly once: what the jobs
 * returned, then a result for each request no job mentioned (`canceled` after a cancel,
 * `expired` otherwise, or the job's own `unrun` result). No line names a native ID: errors
 * that quote one name the gateway ID instead (or withhold an ID the gateway does not know),
 * so whatever stores or serves these lines gets them scrubbed.
 *
 * @example
 * for await (const line of batchResults(gateway, batch)) console.log(line.custom_id);
 */
export async function* batchResults(gateway: Gateway, batch: BatchRecord): AsyncGenerator<BatchResultLine> {
  const adapter = gateway.adapter(batch.provider);
  const jobs = await gateway.batches.jobs(batch.id);
  const scrub = nativeIdScrubber(await batchIdPairs(gateway, batch.id), [adapter.nativeIdShapes]);
  // Exactly once: the IDs already written. Bounded by the 100,000 requests a batch may hold
  // (custom_ids are at most 64 ASCII characters: about 10 MB at the cap), as the create's
  // duplicate check is; results are translated once, into the vault, so this is held once.
  const seen = new Set<string>();
  for (const job of jobs) {
    try {
      for await (const line of adapter.batches.results(gateway.upstream, job)) {
        if (seen.has(line.custom_id)) continue;
        seen.add(line.custom_id);
        yield scrubResultLine(line, scrub);
      }
    } catch (error) {
      throw inGatewayTermsError(error, nativeIdsOf(batch, jobs));
    }
  }
  const fallback: BatchResult = batch.cancelInitiatedAt ? { type: "canceled" } : { type: "expired" };
  const filledSlots = new Set<string>();
  for (const job of jobs) {
    if (filledSlots.has(job.slot)) continue;
    filledSlots.add(job.slot);
    const result = scrubResultLine({ result: job.unrun ?? fallback }, scrub).result;
    for await (const entries of gateway.vault.ids(batch.id, job.slot)) {
      for (const { customId } of entries) {
        if (seen.has(customId)) continue;
        seen.add(customId);
        yield { custom_id: customId, result };
      }
    }
  }
}

/**
 * The vaulted results of an ended batch, streamed from R2; null for a batch
 * that ended before the vault existed (its results are translated live). Results removed
 * by retention are a 404.
 *
 * @example
 * const results = await vaultedResults(gateway, batch); // { body, size } or null
 */
export async function vaultedResults(gateway: Gateway, batch: BatchRecord): Promise<{ body: ReadableStream<Uint8Array>; size: number } | null> {
  if (batch.resultsBytes === null) return null;
  const object = batch.resultsPurgedAt ? null : await gateway.vault.results(batch.id);
  if (!object) {
    const days = lifecycleSettings(gateway.upstream.env).retentionDays;
    throw GatewayError.notFound(`The results of message batch ${batch.id} are no longer available: they are kept ${days} days after the batch was created.`);
  }
  return { body: object.body, size: object.size };
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

/** A translator's refusal names `params.…`; in a batch it names the request too. */
function withRequestPath<T>(index: number, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw namedRequest(error, index);
  }
}

async function withRequestPathAsync<T>(index: number, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw namedRequest(error, index);
  }
}

function namedRequest(error: unknown, index: number): unknown {
  if (error instanceof GatewayError && !(error instanceof UpstreamError) && error.message.startsWith("params")) {
    return new GatewayError(error.status, error.type, `requests.${index}.${error.message}`);
  }
  return error;
}

/**
 * What a batch's jobs are called upstream (their IDs, and the file IDs and keys they keep),
 * each standing for the gateway batch.
 */
function nativeIdsOf(batch: BatchRecord, jobs: readonly JobRecord[]): IdPairs {
  return jobIdPairs(batch.id, jobs);
}

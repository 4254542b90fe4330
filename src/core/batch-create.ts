/**
 * Creating a batch, and rolling back what a failed create left: the write-ahead record
 * (`creating`), each upstream object recorded the moment it exists, the jobs, then
 * `in_progress`. It knows no provider's wire format.
 */
import { GatewayError, UpstreamError } from "../lib/errors";
import { addHours, nowRfc3339 } from "../lib/time";
import type { JobLine } from "../providers/types";
import { BatchPlanner } from "./batch-planner";
import type { Artifact } from "../domain/artifact";
import type { BatchRequest } from "../domain/batch-request";
import type { ProviderName } from "../domain/provider-name";
import type { BatchRecord } from "../domain/batch-record";
import { ZERO_COUNTS } from "./batch-state";
import { CustomIdLog } from "./custom-id-log";
import { FileResolver } from "./file-refs";
import type { Gateway } from "./gateway";
import { newBatchId } from "./ids";
import { assertWithinBudget, monthToDateSpendUsd } from "./budget";
import { assertBatchAllowed } from "./limits";
import { hasGatewayJobs } from "./gateway-jobs";
import { pollNow, schedulePoll } from "./progress";

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
   * The same requests in runs (those read together), when the source can: one await per run
   * instead of one per request, which showed in a 100,000-request create's CPU profile.
   */
  runs?(): AsyncIterable<readonly BatchRequest[]>;
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
    for await (const run of runsOf(source)) {
      for (const request of run) {
        if (files.unresolved(request.params)) await files.resolve(request.params, `requests.${index}.params`);
        translated.push(translateAt(index, adapter, request, files, gateway));
        index++;
      }
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
    // Awaits only where something is pending: a file to look up, a chunk written upstream or to
    // the custom_id log (an await per request showed in a 100,000-request create's profile).
    for await (const run of runsOf(source)) {
      for (const request of run) {
        // Each translated line is let go once placed: the planner holds what it still needs.
        let line = translated?.[index];
        if (translated) translated[index] = undefined;
        if (!line) {
          if (files.unresolved(request.params)) {
            const added = await files.resolve(request.params, `requests.${index}.params`);
            if (added.length > 0) await gateway.batches.insertFileRefs(batch.id, added);
          }
          line = translateAt(index, adapter, request, files, gateway);
        }
        let slot: string | Promise<string>;
        try {
          slot = planner.place(line);
          if (typeof slot !== "string") slot = await slot;
        } catch (error) {
          throw namedRequest(error, index);
        }
        const written = customIds.add(slot, request.custom_id, request.params.model);
        if (written) await written;
        index++;
      }
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
      customIdsDigest: customIds.digest.toString(),
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

/** A source's requests in runs (one await per run); a source without runs gives runs of one. */
async function* runsOf(source: BatchSource): AsyncGenerator<readonly BatchRequest[]> {
  if (source.runs) {
    yield* source.runs();
    return;
  }
  for await (const request of source.requests()) yield [request];
}

/** The request's line; a translator's refusal names `params.…`, and here the request too. */
function translateAt(index: number, adapter: ReturnType<Gateway["adapter"]>, request: BatchRequest, files: FileResolver, gateway: Gateway): JobLine {
  try {
    return adapter.batches.jobs.translate(request, files.map, gateway.upstream);
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

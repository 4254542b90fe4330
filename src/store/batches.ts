/**
 * The batch tables: `batches` (one row per gateway batch), `batch_jobs` (its upstream jobs),
 * `batch_artifacts` (everything created upstream for it); the usage rows of a batch go with
 * it (src/store/usage.ts). The only place with batches SQL.
 */
import type { Artifact } from "../domain/artifact";
import type { BatchRecord, BatchSchedule, BatchState } from "../domain/batch-record";
import type { BatchResult } from "../domain/batch-result";
import type { JobRecord, JobRef } from "../domain/job-record";
import type { ProviderName } from "../domain/provider-name";
import type { RequestCounts } from "../domain/request-counts";
import { IsolateCache } from "../lib/isolate-cache";
import { pageSql, toPage, type PageOf, type PageQuery } from "./pages";

/** A batch as `getWithJobs` reads it. */
export interface BatchWithJobs {
  batch: BatchRecord;
  jobs: JobRecord[];
}

/**
 * `getWithJobs` answers kept in this isolate, by batch ID, for as long as the caller allows
 * (src/core/batch-refresh.ts decides). Every write below that touches a batch or its jobs
 * drops the batch's entry here; a write by another isolate is seen once the entry expires.
 */
const inIsolate = new IsolateCache<BatchWithJobs>(1_000);

interface BatchRow {
  id: string;
  owner: string;
  provider: string;
  state: string;
  request_count: number;
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
  cancel_initiated_at: string | null;
  archived_at: string | null;
  idempotency_key: string | null;
  idempotency_body_sha256?: string | null;
  origin: string | null;
  polled_at: string | null;
  poll_interval: number;
  next_poll_at: string | null;
  vault_lease_until: string | null;
  results_bytes: number | null;
  results_purged_at: string | null;
  custom_ids_digest: string | null;
}

interface JobRow {
  batch_id: string;
  seq: number;
  slot: string;
  native_id: string;
  model: string | null;
  request_count: number;
  state: string;
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
  ended_at: string | null;
  data: string;
  unrun: string | null;
}

function countsOf(row: { processing: number; succeeded: number; errored: number; canceled: number; expired: number }): RequestCounts {
  return { processing: row.processing, succeeded: row.succeeded, errored: row.errored, canceled: row.canceled, expired: row.expired };
}

function batchFromRow(row: BatchRow): BatchRecord {
  return {
    id: row.id,
    owner: row.owner,
    provider: row.provider as ProviderName,
    state: row.state as BatchState,
    requestCount: row.request_count,
    counts: countsOf(row),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
    cancelInitiatedAt: row.cancel_initiated_at,
    archivedAt: row.archived_at,
    idempotencyKey: row.idempotency_key,
    idempotencyBodySha256: row.idempotency_body_sha256 ?? null,
    origin: row.origin ?? null,
    polledAt: row.polled_at ?? null,
    resultsBytes: row.results_bytes ?? null,
    resultsPurgedAt: row.results_purged_at ?? null,
    customIdsDigest: row.custom_ids_digest,
  };
}

function scheduleFromRow(row: BatchRow): BatchSchedule {
  return { pollInterval: row.poll_interval, nextPollAt: row.next_poll_at, vaultLeaseUntil: row.vault_lease_until };
}

function jobFromRow(row: JobRow): JobRecord {
  return {
    batchId: row.batch_id,
    seq: row.seq,
    slot: row.slot,
    nativeId: row.native_id,
    model: row.model,
    requestCount: row.request_count,
    state: row.state as JobRecord["state"],
    counts: countsOf(row),
    endedAt: row.ended_at,
    data: JSON.parse(row.data) as Record<string, unknown>,
    unrun: row.unrun ? (JSON.parse(row.unrun) as BatchResult) : null,
  };
}

/** Statuses a client may see: `creating` and `failed` batches are not there yet, or anymore. */
const VISIBLE = "state IN ('in_progress', 'canceling', 'vaulting', 'ended')";
/** Batches the gateway still polls upstream. */
const RUNNING = "state IN ('in_progress', 'canceling')";

/**
 * Batches SQL over one D1 database.
 *
 * @example
 * const batches = new BatchStore(env.DB);
 * const batch = await batches.get("owner", "msgbatch_01…");
 */
export class BatchStore {
  constructor(private readonly db: D1Database) {}

  /** Writes the record before anything is created upstream (state `creating`). */
  async insert(batch: BatchRecord): Promise<void> {
    await this.db
      .prepare(
        `INSERT INTO batches (id, owner, provider, state, request_count, processing, succeeded, errored, canceled, expired, created_at, expires_at, ended_at, cancel_initiated_at, archived_at, idempotency_key, idempotency_body_sha256, updated_at, origin)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        batch.id,
        batch.owner,
        batch.provider,
        batch.state,
        batch.requestCount,
        batch.counts.processing,
        batch.counts.succeeded,
        batch.counts.errored,
        batch.counts.canceled,
        batch.counts.expired,
        batch.createdAt,
        batch.expiresAt,
        batch.endedAt,
        batch.cancelInitiatedAt,
        batch.archivedAt,
        batch.idempotencyKey,
        batch.idempotencyBodySha256 ?? null,
        new Date().toISOString(),
        batch.origin,
      )
      .run();
    inIsolate.delete(batch.id);
  }

  /**
   * Saves the batch. A refresh and a cancel may race: a cancel is never undone (its time is
   * kept, and `canceling` does not go back to `in_progress`). A `failed` batch lets go of its
   * Idempotency-Key, so that a retry can create the batch anew. A batch that has reached
   * `vaulting` never goes back to running, and an `ended` one is never changed here (only
   * `publishEnded` ends a batch).
   */
  async update(batch: BatchRecord): Promise<void> {
    await this.db
      .prepare(
        `UPDATE batches SET
           state = CASE WHEN state = 'canceling' AND ?1 = 'in_progress' THEN 'canceling'
                        WHEN state = 'vaulting' AND ?1 IN ('in_progress', 'canceling') THEN 'vaulting' ELSE ?1 END,
           request_count = ?2, processing = ?3, succeeded = ?4, errored = ?5, canceled = ?6, expired = ?7, ended_at = ?8,
           cancel_initiated_at = COALESCE(cancel_initiated_at, ?9), archived_at = ?10, updated_at = ?11,
           idempotency_key = CASE WHEN ?1 = 'failed' THEN NULL ELSE idempotency_key END,
           idempotency_body_sha256 = COALESCE(?13, idempotency_body_sha256),
           custom_ids_digest = COALESCE(?14, custom_ids_digest)
         WHERE id = ?12 AND state != 'ended' AND NOT (?1 = 'ended')`,
      )
      .bind(
        batch.state,
        batch.requestCount,
        batch.counts.processing,
        batch.counts.succeeded,
        batch.counts.errored,
        batch.counts.canceled,
        batch.counts.expired,
        batch.endedAt,
        batch.cancelInitiatedAt,
        batch.archivedAt,
        new Date().toISOString(),
        batch.id,
        batch.idempotencyBodySha256 ?? null,
        batch.customIdsDigest ?? null,
      )
      .run();
    inIsolate.delete(batch.id);
  }

  /** The caller's visible batch, or null: another owner's batch is as absent as an unknown one. */
  async get(owner: string, id: string): Promise<BatchRecord | null> {
    const row = await this.db.prepare(`SELECT * FROM batches WHERE id = ? AND owner = ? AND ${VISIBLE}`).bind(id, owner).first<BatchRow>();
    return row ? batchFromRow(row) : null;
  }

  /**
   * The caller's visible batch and its jobs, in one D1 round trip, or none: `cacheFor` says
   * how long (ms, 0: not at all) this isolate may answer the same from memory (see `inIsolate`).
   */
  async getWithJobs(owner: string, id: string, cacheFor?: (found: BatchWithJobs) => number): Promise<BatchWithJobs | null> {
    const cached = inIsolate.get(id);
    if (cached !== undefined) return cached.batch.owner === owner ? cached : null;
    const ticket = inIsolate.ticket();
    const found = await this.readWithJobs(owner, id);
    if (found && cacheFor) inIsolate.set(id, found, cacheFor(found), ticket);
    return found;
  }

  /**
   * Changes whenever this isolate writes a batch or its jobs: a read that began under one
   * ticket may be shared only while the ticket holds.
   */
  cacheTicket(): number {
    return inIsolate.ticket();
  }

  private async readWithJobs(owner: string, id: string): Promise<BatchWithJobs | null> {
    const [batches, jobs] = await this.db.batch([
      this.db.prepare(`SELECT * FROM batches WHERE id = ? AND owner = ? AND ${VISIBLE}`).bind(id, owner),
      this.db.prepare(`SELECT * FROM batch_jobs WHERE batch_id = ? ORDER BY seq`).bind(id),
    ]);
    const row = (batches?.results as BatchRow[] | undefined)?.[0];
    if (!row) return null;
    return { batch: batchFromRow(row), jobs: ((jobs?.results ?? []) as JobRow[]).map(jobFromRow) };
  }

  async getByIdempotencyKey(owner: string, key: string): Promise<BatchRecord | null> {
    const row = await this.db
      .prepare(`SELECT * FROM batches WHERE owner = ? AND idempotency_key = ? AND ${VISIBLE}`)
      .bind(owner, key)
      .first<BatchRow>();
    return row ? batchFromRow(row) : null;
  }

  async list(owner: string, provider: ProviderName | null, page: PageQuery): Promise<PageOf<BatchRecord>> {
    const where = provider ? `owner = ? AND provider = ? AND ${VISIBLE}` : `owner = ? AND ${VISIBLE}`;
    const query = pageSql("batches", where, provider ? [owner, provider] : [owner], page);
    const { results } = await this.db.prepare(query.sql).bind(...query.values).all<BatchRow>();
    const { items, hasMore } = toPage(results, page.limit, query.reversed);
    return { items: items.map(batchFromRow), hasMore };
  }

  /** A page of visible batches of one owner, or of every owner (`owner` null: the operator's view). */
  async listOf(owner: string | null, page: PageQuery): Promise<PageOf<BatchRecord>> {
    const query = owner === null ? pageSql("batches", VISIBLE, [], page) : pageSql("batches", `owner = ? AND ${VISIBLE}`, [owner], page);
    const { results } = await this.db.prepare(query.sql).bind(...query.values).all<BatchRow>();
    const { items, hasMore } = toPage(results, page.limit, query.reversed);
    return { items: items.map(batchFromRow), hasMore };
  }

  /** The owner of a visible batch, whoever it is, or null (the operator's view). */
  async ownerOf(id: string): Promise<string | null> {
    const row = await this.db.prepare(`SELECT owner FROM batches WHERE id = ? AND ${VISIBLE}`).bind(id).first<{ owner: string }>();
    return row?.owner ?? null;
  }

  /** The distinct models of the given batches' jobs, where a job names one (one query for a page). */
  async jobModels(batchIds: readonly string[]): Promise<Map<string, string[]>> {
    const models = new Map<string, string[]>();
    if (batchIds.length === 0) return models;
    const { results } = await this.db
      .prepare(`SELECT DISTINCT batch_id, model FROM batch_jobs WHERE model IS NOT NULL AND batch_id IN (SELECT value FROM json_each(?)) ORDER BY model`)
      .bind(JSON.stringify(batchIds))
      .all<{ batch_id: string; model: string }>();
    for (const row of results) models.set(row.batch_id, [...(models.get(row.batch_id) ?? []), row.model]);
    return models;
  }

  async insertJob(batchId: string, seq: number, job: JobRef): Promise<void> {
    await this.db
      .prepare(
        `INSERT INTO batch_jobs (batch_id, seq, slot, native_id, model, request_count, state, processing, data) VALUES (?, ?, ?, ?, ?, ?, 'in_progress', ?, ?)`,
      )
      .bind(batchId, seq, job.slot, job.nativeId, job.model, job.requestCount, job.requestCount, JSON.stringify(job.data))
      .run();
    inIsolate.delete(batchId);
  }

  async updateJob(job: JobRecord): Promise<void> {
    await this.db
      .prepare(
        `UPDATE batch_jobs SET state = ?, processing = ?, succeeded = ?, errored = ?, canceled = ?, expired = ?, ended_at = ?, data = ?, unrun = ? WHERE batch_id = ? AND seq = ?`,
      )
      .bind(
        job.state,
        job.counts.processing,
        job.counts.succeeded,
        job.counts.errored,
        job.counts.canceled,
        job.counts.expired,
        job.endedAt,
        JSON.stringify(job.data),
        job.unrun ? JSON.stringify(job.unrun) : null,
        job.batchId,
        job.seq,
      )
      .run();
    inIsolate.delete(job.batchId);
  }

  async jobs(batchId: string): Promise<JobRecord[]> {
    const { results } = await this.db.prepare(`SELECT * FROM batch_jobs WHERE batch_id = ? ORDER BY seq`).bind(batchId).all<JobRow>();
    return results.map(jobFromRow);
  }

  async insertArtifact(batchId: string, seq: number, artifact: Artifact): Promise<void> {
    await this.db
      .prepare(`INSERT INTO batch_artifacts (batch_id, seq, kind, native_id, data) VALUES (?, ?, ?, ?, ?)`)
      .bind(batchId, seq, artifact.kind, artifact.nativeId, JSON.stringify(artifact.data ?? {}))
      .run();
  }

  async artifacts(batchId: string): Promise<Artifact[]> {
    const { results } = await this.db
      .prepare(`SELECT kind, native_id, data FROM batch_artifacts WHERE batch_id = ? ORDER BY seq DESC`)
      .bind(batchId)
      .all<{ kind: string; native_id: string; data: string }>();
    return results.map((row) => ({ kind: row.kind, nativeId: row.native_id, data: JSON.parse(row.data) as Record<string, unknown> }));
  }

  /** Batches left `creating` (a crash mid-create) or `failed` (a rollback that failed) before `before`. */
  async unfinished(before: string, limit: number): Promise<BatchRecord[]> {
    const { results } = await this.db
      .prepare(`SELECT * FROM batches WHERE state IN ('creating', 'failed') AND created_at < ? ORDER BY id LIMIT ?`)
      .bind(before, limit)
      .all<BatchRow>();
    return results.map(batchFromRow);
  }

  /**
   * The owner's batches not ended (`creating` ones included) created before `batchId`: what a
   * limit of batches in progress counts, so that of two racing creates the earlier wins.
   */
  async countUnendedBefore(owner: string, batchId: string): Promise<number> {
    const row = await this.db
      .prepare(`SELECT COUNT(*) AS n FROM batches WHERE owner = ? AND id < ? AND state IN ('creating', 'in_progress', 'canceling', 'vaulting')`)
      .bind(owner, batchId)
      .first<{ n: number }>();
    return row?.n ?? 0;
  }

  /** Records that the batch's requests name these gateway files (each once per batch). */
  async insertFileRefs(batchId: string, fileIds: readonly string[]): Promise<void> {
    // Chunks keep each statement's JSON argument small.
    const statements: D1PreparedStatement[] = [];
    for (let i = 0; i < fileIds.length; i += 500) {
      statements.push(
        this.db
          .prepare(`INSERT OR IGNORE INTO batch_file_refs (batch_id, file_id) SELECT ?, value FROM json_each(?)`)
          .bind(batchId, JSON.stringify(fileIds.slice(i, i + 500))),
      );
    }
    if (statements.length > 0) await this.db.batch(statements);
  }

  /** Batches not ended that name `fileId` (at most `limit`, oldest first). */
  async unendedReferencing(fileId: string, limit: number): Promise<BatchRecord[]> {
    const { results } = await this.db
      .prepare(
        `SELECT b.* FROM batch_file_refs r JOIN batches b ON b.id = r.batch_id
         WHERE r.file_id = ? AND b.state IN ('creating', 'in_progress', 'canceling', 'vaulting') ORDER BY b.id LIMIT ?`,
      )
      .bind(fileId, limit)
      .all<BatchRow>();
    return results.map(batchFromRow);
  }

  /** Any owner's batch with its jobs and schedule, for background work (null when gone). */
  async getForWork(id: string): Promise<{ batch: BatchRecord; jobs: JobRecord[]; schedule: BatchSchedule } | null> {
    const [batches, jobs] = await this.db.batch([
      this.db.prepare(`SELECT * FROM batches WHERE id = ?`).bind(id),
      this.db.prepare(`SELECT * FROM batch_jobs WHERE batch_id = ? ORDER BY seq`).bind(id),
    ]);
    const row = (batches?.results as BatchRow[] | undefined)?.[0];
    if (!row) return null;
    return { batch: batchFromRow(row), jobs: ((jobs?.results ?? []) as JobRow[]).map(jobFromRow), schedule: scheduleFromRow(row) };
  }

  /** Records the next background poll: a queued poll for another `nextPollAt` is stale. */
  async schedulePoll(batchId: string, interval: number, nextPollAt: string): Promise<void> {
    await this.db.prepare(`UPDATE batches SET poll_interval = ?, next_poll_at = ? WHERE id = ?`).bind(interval, nextPollAt, batchId).run();
    inIsolate.delete(batchId);
  }

  /** Records that the batch was just polled upstream. */
  async markPolled(batchId: string, polledAt: string): Promise<void> {
    await this.db.prepare(`UPDATE batches SET polled_at = ? WHERE id = ?`).bind(polledAt, batchId).run();
    inIsolate.delete(batchId);
  }

  /**
   * Running batches not polled for twice their interval (or `floorSeconds`, when larger)
   * before `now`: their poll chain broke (a lost message, a crash).
   */
  async overduePolls(now: string, floorSeconds: number, limit: number): Promise<BatchRecord[]> {
    const { results } = await this.db
      .prepare(
        `SELECT * FROM batches WHERE ${RUNNING}
           AND julianday(COALESCE(polled_at, created_at)) < julianday(?1) - 2.0 * MAX(poll_interval, ?2) / 86400.0
         ORDER BY polled_at LIMIT ?3`,
      )
      .bind(now, floorSeconds, limit)
      .all<BatchRow>();
    return results.map(batchFromRow);
  }

  /** [native ID, gateway ID] of every file the batch's requests name that is still known. */
  async referencedFileIds(batchId: string): Promise<[string, string][]> {
    const { results } = await this.db
      .prepare(`SELECT f.native_id, f.id FROM batch_file_refs r JOIN files f ON f.id = r.file_id WHERE r.batch_id = ? AND f.native_id IS NOT NULL`)
      .bind(batchId)
      .all<{ native_id: string; id: string }>();
    return results.map((row) => [row.native_id, row.id]);
  }

  /**
   * Takes the vault lease of a `vaulting` batch until `until`, unless another worker holds
   * it. True when taken (also to renew a lease this worker holds: pass `held`).
   */
  async takeVaultLease(batchId: string, now: string, until: string, held: string | null = null): Promise<boolean> {
    const result = await this.db
      .prepare(
        `UPDATE batches SET vault_lease_until = ?1 WHERE id = ?2 AND state = 'vaulting'
           AND (vault_lease_until IS NULL OR vault_lease_until < ?3 OR vault_lease_until = ?4)`,
      )
      .bind(until, batchId, now, held)
      .run();
    inIsolate.delete(batchId);
    return result.meta.changes > 0;
  }

  async releaseVaultLease(batchId: string): Promise<void> {
    await this.db.prepare(`UPDATE batches SET vault_lease_until = NULL WHERE id = ? AND state = 'vaulting'`).bind(batchId).run();
    inIsolate.delete(batchId);
  }

  /** `vaulting` batches (vault work under way or left undone), with their leases. */
  async vaulting(limit: number): Promise<{ batch: BatchRecord; leaseUntil: string | null }[]> {
    const { results } = await this.db.prepare(`SELECT * FROM batches WHERE state = 'vaulting' ORDER BY id LIMIT ?`).bind(limit).all<BatchRow>();
    return results.map((row) => ({ batch: batchFromRow(row), leaseUntil: row.vault_lease_until }));
  }

  /**
   * Publishes a vaulted batch as `ended` with its final counts, together with `alsoRun` (its
   * usage), in one transaction; only a `vaulting` batch is published. True when published.
   */
  async publishEnded(batch: BatchRecord, resultsBytes: number, alsoRun: D1PreparedStatement[]): Promise<boolean> {
    const results = await this.db.batch([
      ...alsoRun,
      this.db
        .prepare(
          `UPDATE batches SET state = 'ended', processing = 0, succeeded = ?, errored = ?, canceled = ?, expired = ?, ended_at = ?,
             results_bytes = ?, vault_lease_until = NULL, next_poll_at = NULL, updated_at = ?
           WHERE id = ? AND state = 'vaulting'`,
        )
        .bind(batch.counts.succeeded, batch.counts.errored, batch.counts.canceled, batch.counts.expired, batch.endedAt, resultsBytes, new Date().toISOString(), batch.id),
    ]);
    inIsolate.delete(batch.id);
    return (results.at(-1)?.meta.changes ?? 0) > 0;
  }

  /** Ended batches created before `before` whose vaulted results retention has to remove. */
  async resultsPastRetention(before: string, limit: number): Promise<BatchRecord[]> {
    const { results } = await this.db
      .prepare(`SELECT * FROM batches WHERE state = 'ended' AND results_bytes IS NOT NULL AND results_purged_at IS NULL AND created_at < ? ORDER BY created_at LIMIT ?`)
      .bind(before, limit)
      .all<BatchRow>();
    return results.map(batchFromRow);
  }

  async markResultsPurged(batchId: string, at: string): Promise<void> {
    await this.db.prepare(`UPDATE batches SET results_purged_at = ? WHERE id = ?`).bind(at, batchId).run();
    inIsolate.delete(batchId);
  }

  /** Removes the batch and everything kept for it. */
  async delete(batchId: string): Promise<void> {
    await this.db.batch([
      this.db.prepare(`DELETE FROM batch_file_refs WHERE batch_id = ?`).bind(batchId),
      this.db.prepare(`DELETE FROM batch_usage WHERE batch_id = ?`).bind(batchId),
      this.db.prepare(`DELETE FROM batch_artifacts WHERE batch_id = ?`).bind(batchId),
      this.db.prepare(`DELETE FROM batch_jobs WHERE batch_id = ?`).bind(batchId),
      this.db.prepare(`DELETE FROM batches WHERE id = ?`).bind(batchId),
    ]);
    inIsolate.delete(batchId);
  }
}

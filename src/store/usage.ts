/**
 * The `batch_usage` table: per batch and model (the name the client sent), the requests and
 * the tokens of the succeeded ones. A few rows per batch. The only place with usage SQL.
 */
import type { ProviderName } from "../domain/provider-name";
import type { ModelUsage, OwnerUsage, TokenCounts } from "../domain/usage";

interface UsageRow {
  provider: string;
  model: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

function usageFromRow(row: UsageRow): ModelUsage {
  return {
    provider: row.provider as ProviderName,
    model: row.model,
    requests: row.requests,
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    cache_creation_input_tokens: row.cache_creation_input_tokens,
    cache_read_input_tokens: row.cache_read_input_tokens,
  };
}

/** The requests and tokens of `batch_usage u`, summed: the columns each sum below reads. */
const SUMS =
  "SUM(u.requests) AS requests, SUM(u.input_tokens) AS input_tokens, SUM(u.output_tokens) AS output_tokens, " +
  "SUM(u.cache_creation_input_tokens) AS cache_creation_input_tokens, SUM(u.cache_read_input_tokens) AS cache_read_input_tokens";

/**
 * @example
 * const usage = new UsageStore(env.DB);
 * const rows = await usage.ofBatch("msgbatch_01…");
 */
export class UsageStore {
  constructor(private readonly db: D1Database) {}

  /** One row per model with its request count, written when the batch is created. */
  async insertRequests(batchId: string, provider: ProviderName, requestsByModel: ReadonlyMap<string, number>): Promise<void> {
    if (requestsByModel.size === 0) return;
    await this.db.batch(
      [...requestsByModel].map(([model, requests]) =>
        this.db
          .prepare(`INSERT OR REPLACE INTO batch_usage (batch_id, provider, model, requests) VALUES (?, ?, ?, ?)`)
          .bind(batchId, provider, model, requests),
      ),
    );
  }

  /** The statements that set each model's tokens (run with the batch's publication). */
  tokenStatements(batchId: string, tokens: ReadonlyMap<string, TokenCounts>): D1PreparedStatement[] {
    return [...tokens].map(([model, t]) =>
      this.db
        .prepare(
          `UPDATE batch_usage SET input_tokens = ?, output_tokens = ?, cache_creation_input_tokens = ?, cache_read_input_tokens = ?
           WHERE batch_id = ? AND model = ?`,
        )
        .bind(t.input_tokens, t.output_tokens, t.cache_creation_input_tokens, t.cache_read_input_tokens, batchId, model),
    );
  }

  /** The models of a batch, in name order. */
  async ofBatch(batchId: string): Promise<ModelUsage[]> {
    const { results } = await this.db.prepare(`SELECT * FROM batch_usage WHERE batch_id = ? ORDER BY model`).bind(batchId).all<UsageRow>();
    return results.map(usageFromRow);
  }

  /**
   * Sums over the batches that ended in [from, to) (either bound may be null), one row per
   * owner, provider and model, with the owner's key name when the owner is a virtual key.
   */
  async summary(from: string | null, to: string | null): Promise<OwnerUsage[]> {
    const { results } = await this.db
      .prepare(
        `SELECT b.owner AS owner, k.name AS key_name, b.provider AS provider, u.model AS model, COUNT(*) AS batches, ${SUMS}
         FROM batch_usage u JOIN batches b ON b.id = u.batch_id LEFT JOIN virtual_keys k ON k.id = b.owner
         WHERE b.state = 'ended'
           AND (?1 IS NULL OR julianday(b.ended_at) >= julianday(?1))
           AND (?2 IS NULL OR julianday(b.ended_at) < julianday(?2))
         GROUP BY b.owner, b.provider, u.model
         ORDER BY b.owner, b.provider, u.model`,
      )
      .bind(from, to)
      .all<UsageRow & { owner: string; key_name: string | null; batches: number }>();
    return results.map((row) => ({ ...usageFromRow(row), owner: row.owner, keyName: row.key_name, batches: row.batches }));
  }

  /** The models of each of these batches (one query for a page of batches), with their usage so far. */
  async ofBatches(batchIds: readonly string[]): Promise<Map<string, ModelUsage[]>> {
    const byBatch = new Map<string, ModelUsage[]>();
    if (batchIds.length === 0) return byBatch;
    // One bound JSON array: D1 binds at most 100 parameters.
    const { results } = await this.db
      .prepare(`SELECT * FROM batch_usage WHERE batch_id IN (SELECT value FROM json_each(?)) ORDER BY batch_id, model`)
      .bind(JSON.stringify(batchIds))
      .all<UsageRow & { batch_id: string }>();
    for (const row of results) byBatch.set(row.batch_id, [...(byBatch.get(row.batch_id) ?? []), usageFromRow(row)]);
    return byBatch;
  }

  /**
   * Sums per UTC day (of `ended_at`), provider and model over the batches that ended in
   * [from, to), of one owner or of every owner (null).
   */
  async daily(owner: string | null, from: string, to: string): Promise<Array<ModelUsage & { day: string }>> {
    const { results } = await this.db
      .prepare(
        `SELECT substr(b.ended_at, 1, 10) AS day, b.provider AS provider, u.model AS model, ${SUMS}
         FROM batch_usage u JOIN batches b ON b.id = u.batch_id
         WHERE b.state = 'ended' AND julianday(b.ended_at) >= julianday(?1) AND julianday(b.ended_at) < julianday(?2) AND (?3 IS NULL OR b.owner = ?3)
         GROUP BY day, b.provider, u.model
         ORDER BY day, b.provider, u.model`,
      )
      .bind(from, to, owner)
      .all<UsageRow & { day: string }>();
    return results.map((row) => ({ ...usageFromRow(row), day: row.day }));
  }

  /** One owner's usage per provider and model over its batches that ended at or after `since`. */
  async ofOwnerSince(owner: string, since: string): Promise<ModelUsage[]> {
    const { results } = await this.db
      .prepare(
        `SELECT b.provider AS provider, u.model AS model, ${SUMS}
         FROM batch_usage u JOIN batches b ON b.id = u.batch_id
         WHERE b.owner = ?1 AND b.state = 'ended' AND julianday(b.ended_at) >= julianday(?2)
         GROUP BY b.provider, u.model`,
      )
      .bind(owner, since)
      .all<UsageRow>();
    return results.map(usageFromRow);
  }
}

/**
 * The `virtual_keys` table: hashed keys, what each may use, and its limits. The only place
 * with keys SQL.
 */
import type { ProviderName } from "../domain/provider-name";
import type { KeyLimits, VirtualKey } from "../domain/virtual-key";

/** A key's webhook destination, with its signing secret still sealed. */
export interface KeyWebhook {
  url: string | null;
  secretSealed: string | null;
  revoked: boolean;
}

interface KeyRow {
  id: string;
  name: string;
  providers: string | null;
  models: string | null;
  requests_per_minute: number | null;
  max_batches_in_progress: number | null;
  monthly_budget_usd: number | null;
  created_at: string;
  revoked_at: string | null;
  webhook_url?: string | null;
}

function fromRow(row: KeyRow): VirtualKey {
  return {
    id: row.id,
    name: row.name,
    providers: row.providers ? (JSON.parse(row.providers) as ProviderName[]) : null,
    models: row.models ? (JSON.parse(row.models) as string[]) : null,
    limits: {
      requestsPerMinute: row.requests_per_minute ?? null,
      maxBatchesInProgress: row.max_batches_in_progress ?? null,
      monthlyBudgetUsd: row.monthly_budget_usd ?? null,
    },
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    webhookUrl: row.webhook_url ?? null,
  };
}

/**
 * @example
 * const keys = new KeyStore(env.DB);
 * const key = await keys.findActive(await sha256Hex(presented));
 */
export class KeyStore {
  constructor(private readonly db: D1Database) {}

  async insert(key: VirtualKey, keyHash: string): Promise<void> {
    await this.db
      .prepare(
        `INSERT INTO virtual_keys (id, name, key_hash, providers, models, requests_per_minute, max_batches_in_progress, monthly_budget_usd, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        key.id,
        key.name,
        keyHash,
        key.providers ? JSON.stringify(key.providers) : null,
        key.models ? JSON.stringify(key.models) : null,
        key.limits.requestsPerMinute,
        key.limits.maxBatchesInProgress,
        key.limits.monthlyBudgetUsd,
        key.createdAt,
      )
      .run();
  }

  async findActive(keyHash: string): Promise<VirtualKey | null> {
    const row = await this.db.prepare(`SELECT * FROM virtual_keys WHERE key_hash = ? AND revoked_at IS NULL`).bind(keyHash).first<KeyRow>();
    return row ? fromRow(row) : null;
  }

  async list(): Promise<VirtualKey[]> {
    const { results } = await this.db.prepare(`SELECT * FROM virtual_keys ORDER BY id DESC`).all<KeyRow>();
    return results.map(fromRow);
  }

  /**
   * Sets the given limits (others stay) and returns the key and its hash (to drop it from
   * caches), or null for an unknown key.
   */
  async updateLimits(id: string, limits: Partial<KeyLimits>): Promise<{ key: VirtualKey; keyHash: string } | null> {
    const columns: Record<keyof KeyLimits, string> = {
      requestsPerMinute: "requests_per_minute",
      maxBatchesInProgress: "max_batches_in_progress",
      monthlyBudgetUsd: "monthly_budget_usd",
    };
    const set = (Object.keys(limits) as (keyof KeyLimits)[]).filter((name) => limits[name] !== undefined);
    if (set.length > 0) {
      await this.db
        .prepare(`UPDATE virtual_keys SET ${set.map((name) => `${columns[name]} = ?`).join(", ")} WHERE id = ?`)
        .bind(...set.map((name) => limits[name] ?? null), id)
        .run();
    }
    const row = await this.db.prepare(`SELECT * FROM virtual_keys WHERE id = ?`).bind(id).first<KeyRow & { key_hash: string }>();
    return row ? { key: fromRow(row), keyHash: row.key_hash } : null;
  }

  /** The key, or null when unknown. */
  async get(id: string): Promise<VirtualKey | null> {
    const row = await this.db.prepare(`SELECT * FROM virtual_keys WHERE id = ?`).bind(id).first<KeyRow>();
    return row ? fromRow(row) : null;
  }

  /** Sets (or with nulls removes) the key's webhook; false for an unknown key. */
  async setWebhook(id: string, url: string | null, secretSealed: string | null): Promise<boolean> {
    const result = await this.db.prepare(`UPDATE virtual_keys SET webhook_url = ?, webhook_secret_sealed = ? WHERE id = ?`).bind(url, secretSealed, id).run();
    return result.meta.changes > 0;
  }

  /** The key's webhook destination, or null for an unknown key. */
  async webhook(id: string): Promise<KeyWebhook | null> {
    const row = await this.db
      .prepare(`SELECT webhook_url, webhook_secret_sealed, revoked_at FROM virtual_keys WHERE id = ?`)
      .bind(id)
      .first<{ webhook_url: string | null; webhook_secret_sealed: string | null; revoked_at: string | null }>();
    return row ? { url: row.webhook_url, secretSealed: row.webhook_secret_sealed, revoked: row.revoked_at !== null } : null;
  }

  /** Revokes and returns the key's hash (to drop it from caches), or null for an unknown key. */
  async revoke(id: string, at: string): Promise<string | null> {
    const row = await this.db.prepare(`SELECT key_hash FROM virtual_keys WHERE id = ?`).bind(id).first<{ key_hash: string }>();
    if (!row) return null;
    await this.db.prepare(`UPDATE virtual_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`).bind(at, id).run();
    return row.key_hash;
  }
}

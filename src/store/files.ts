/**
 * The `files` table: one row per gateway file, owner-scoped. The only place with files SQL.
 */
import type { FileRecord } from "../domain/file-record";
import type { ProviderName } from "../domain/provider-name";
import { IsolateCache } from "../lib/isolate-cache";
import { pageSql, toPage, type PageOf, type PageQuery } from "./pages";

/**
 * `list` answers kept in this isolate, by owner, provider and page, for as long as the caller
 * allows (src/core/files.ts decides). Every write below drops them all (writes are rare
 * beside lists); a write by another isolate is seen once the entry expires.
 */
const listsInIsolate = new IsolateCache<PageOf<FileRecord>>(1_000);

interface FileRow {
  id: string;
  owner: string;
  provider: string;
  state: string;
  native_id: string | null;
  filename: string;
  mime_type: string;
  size_bytes: number;
  downloadable: number;
  created_at: string;
  expires_at: string | null;
  native: string;
  batch_id: string | null;
}

function fromRow(row: FileRow): FileRecord {
  return {
    id: row.id,
    owner: row.owner,
    provider: row.provider as ProviderName,
    state: row.state as FileRecord["state"],
    nativeId: row.native_id,
    filename: row.filename,
    mimeType: row.mime_type,
    sizeBytes: row.size_bytes,
    downloadable: row.downloadable === 1,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    native: JSON.parse(row.native) as Record<string, unknown>,
    batchId: row.batch_id,
  };
}

/**
 * Files SQL over one D1 database.
 *
 * @example
 * const files = new FileStore(env.DB);
 * const file = await files.get("owner", "file_01…");
 */
export class FileStore {
  constructor(private readonly db: D1Database) {}

  /**
   * Writes the record before anything is created upstream (state `creating`). A batch's
   * output file is recorded once, however many refreshes race to record it.
   */
  async insert(file: FileRecord): Promise<void> {
    await this.db
      .prepare(
        `INSERT OR IGNORE INTO files (id, owner, provider, state, native_id, filename, mime_type, size_bytes, downloadable, created_at, expires_at, native, batch_id, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        file.id,
        file.owner,
        file.provider,
        file.state,
        file.nativeId,
        file.filename,
        file.mimeType,
        file.sizeBytes,
        file.downloadable ? 1 : 0,
        file.createdAt,
        file.expiresAt,
        JSON.stringify(file.native),
        file.batchId,
        new Date().toISOString(),
      )
      .run();
    // After the write: a list read before it began is not stored (its ticket is older).
    listsInIsolate.clear();
  }

  /** Saves what upstream said about the file (and its state). */
  async update(file: FileRecord): Promise<void> {
    await this.db
      .prepare(
        `UPDATE files SET state = ?, native_id = ?, filename = ?, mime_type = ?, size_bytes = ?, downloadable = ?, created_at = ?, expires_at = ?, native = ?, updated_at = ? WHERE id = ?`,
      )
      .bind(
        file.state,
        file.nativeId,
        file.filename,
        file.mimeType,
        file.sizeBytes,
        file.downloadable ? 1 : 0,
        file.createdAt,
        file.expiresAt,
        JSON.stringify(file.native),
        new Date().toISOString(),
        file.id,
      )
      .run();
    // After the write: a list read before it began is not stored (its ticket is older).
    listsInIsolate.clear();
  }

  /** The caller's ready file, or null: another owner's file is as absent as an unknown one. */
  async get(owner: string, id: string): Promise<FileRecord | null> {
    const row = await this.db.prepare(`SELECT * FROM files WHERE id = ? AND owner = ? AND state = 'ready'`).bind(id, owner).first<FileRow>();
    return row ? fromRow(row) : null;
  }

  async getMany(owner: string, ids: readonly string[]): Promise<FileRecord[]> {
    if (ids.length === 0) return [];
    // One bound JSON array: D1 binds at most 100 parameters.
    const { results } = await this.db
      .prepare(`SELECT * FROM files WHERE owner = ? AND state = 'ready' AND id IN (SELECT value FROM json_each(?)) ORDER BY id DESC`)
      .bind(owner, JSON.stringify(ids))
      .all<FileRow>();
    return results.map(fromRow);
  }

  /**
   * A page of the caller's files, newest first; files past their expiry are gone upstream and
   * left out. `cacheMs` says how long (0: not at all) this isolate may answer the same page
   * from memory (see `listsInIsolate`); a page answered from memory still leaves out a file
   * that has expired since it was read.
   */
  async list(owner: string, provider: ProviderName | null, page: PageQuery, now: string, cacheMs = 0): Promise<PageOf<FileRecord>> {
    const key = `${owner}\n${provider ?? ""}\n${page.limit}\n${page.beforeId ?? ""}\n${page.afterId ?? ""}`;
    const cached = cacheMs > 0 ? listsInIsolate.get(key) : undefined;
    if (cached !== undefined) {
      return cached.items.every((file) => live(file, now)) ? cached : { items: cached.items.filter((file) => live(file, now)), hasMore: cached.hasMore };
    }
    const ticket = listsInIsolate.ticket();
    const found = await this.readList(owner, provider, page, now);
    listsInIsolate.set(key, found, cacheMs, ticket);
    return found;
  }

  private async readList(owner: string, provider: ProviderName | null, page: PageQuery, now: string): Promise<PageOf<FileRecord>> {
    const liveSql = "state = 'ready' AND (expires_at IS NULL OR expires_at > ?)";
    const where = provider ? `owner = ? AND provider = ? AND ${liveSql}` : `owner = ? AND ${liveSql}`;
    const query = pageSql("files", where, provider ? [owner, provider, now] : [owner, now], page);
    const { results } = await this.db.prepare(query.sql).bind(...query.values).all<FileRow>();
    const { items, hasMore } = toPage(results, page.limit, query.reversed);
    return { items: items.map(fromRow), hasMore };
  }

  /** A page of live files of one owner, or of every owner (`owner` null: the operator's view). */
  async listOf(owner: string | null, page: PageQuery, now: string): Promise<PageOf<FileRecord>> {
    const live = "state = 'ready' AND (expires_at IS NULL OR expires_at > ?)";
    const query = owner === null ? pageSql("files", live, [now], page) : pageSql("files", `owner = ? AND ${live}`, [owner, now], page);
    const { results } = await this.db.prepare(query.sql).bind(...query.values).all<FileRow>();
    const { items, hasMore } = toPage(results, page.limit, query.reversed);
    return { items: items.map(fromRow), hasMore };
  }

  async listByBatch(batchId: string): Promise<FileRecord[]> {
    const { results } = await this.db.prepare(`SELECT * FROM files WHERE batch_id = ? ORDER BY id`).bind(batchId).all<FileRow>();
    return results.map(fromRow);
  }

  /** Files left `creating` (a crash mid-upload) before `before`. */
  async unfinished(before: string, limit: number): Promise<FileRecord[]> {
    const { results } = await this.db
      .prepare(`SELECT * FROM files WHERE state = 'creating' AND created_at < ? ORDER BY id LIMIT ?`)
      .bind(before, limit)
      .all<FileRow>();
    return results.map(fromRow);
  }

  async delete(id: string): Promise<void> {
    await this.db.prepare(`DELETE FROM files WHERE id = ?`).bind(id).run();
    // After the write: a list read before it began is not stored (its ticket is older).
    listsInIsolate.clear();
  }
}

/** Not past its expiry at `now` (both RFC 3339 UTC, so they compare as strings, as in SQL). */
function live(file: FileRecord, now: string): boolean {
  return file.expiresAt === null || file.expiresAt > now;
}

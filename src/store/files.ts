/**
 * The `files` table: one row per gateway file, owner-scoped. The only place with files SQL.
 */
import type { FileRecord } from "../domain/file-record";
import type { ProviderName } from "../domain/provider-name";
import { pageSql, toPage, type PageOf, type PageQuery } from "./pages";

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

  /** A page of the caller's files, newest first; files past their expiry are gone upstream and left out. */
  async list(owner: string, provider: ProviderName | null, page: PageQuery, now: string): Promise<PageOf<FileRecord>> {
    const live = "state = 'ready' AND (expires_at IS NULL OR expires_at > ?)";
    const where = provider ? `owner = ? AND provider = ? AND ${live}` : `owner = ? AND ${live}`;
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
  }
}

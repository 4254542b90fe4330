/**
 * Gateway records in Anthropic's wire shapes: FileMetadata, MessageBatch, list pages.
 */
import type { FileRecord } from "../domain/file-record";

// MessageBatch is rendered in the domain layer, which background work shares.
export { batchToWire } from "../domain/message-batch";

/**
 * FileMetadata, with the current optional fields (`expires_at`, `scope`) present, and
 * `size` beside `size_bytes`: the page this gateway answers (seed) prints `file.size`, which
 * the SDKs' models (extra fields allowed) expose only when the body carries it.
 *
 * @example
 * c.json(fileToWire(file))
 */
export function fileToWire(file: FileRecord) {
  return {
    id: file.id,
    type: "file" as const,
    filename: file.filename,
    mime_type: file.mimeType,
    size_bytes: file.sizeBytes,
    size: file.sizeBytes,
    created_at: file.createdAt,
    downloadable: file.downloadable,
    expires_at: null,
    scope: null,
  };
}

/**
 * An Anthropic list page: `data`, `first_id`, `last_id`, `has_more`.
 *
 * @example
 * c.json(listPage(files.map(fileToWire), hasMore))
 */
export function listPage<T extends { id: string }>(data: T[], hasMore: boolean) {
  return {
    data,
    has_more: hasMore,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
  };
}

/**
 * The opaque `page` token current SDKs send back to get the page after `lastId`.
 *
 * @example
 * pageToken("file_01…") // "page_ZmlsZV8wMe…"
 */
export function pageToken(lastId: string): string {
  return `page_${btoa(lastId).replaceAll("=", "")}`;
}

/**
 * The ID a `page` token stands for, or null for a token this gateway did not issue.
 *
 * @example
 * idFromPageToken(pageToken("file_01…")) // "file_01…"
 */
export function idFromPageToken(token: string): string | null {
  if (!token.startsWith("page_")) return null;
  try {
    const id = atob(token.slice(5));
    return /^file_[0-9A-Z]{26}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

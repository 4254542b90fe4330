/** Anthropic `FileMetadata` → the gateway's `UpstreamFile` (a pure translator). */
import { UpstreamError } from "../../lib/errors";
import type { UpstreamFile } from "../types";
import { PROVIDER } from "./client";
import type { AnthropicFileMetadata } from "./wire";

/**
 * Translates a file's metadata. Files you upload come back without `downloadable` or with
 * `false`; only tool-generated files are downloadable, so absent means false. A body that is not
 * `FileMetadata` is an upstream fault, not something to pass on half-filled.
 *
 * @example
 * toUpstreamFile({ id: "file_011", type: "file", filename: "a.txt", mime_type: "text/plain",
 *   size_bytes: 5, created_at: "2025-04-15T18:37:24.100435Z" })
 * // { nativeId: "file_011", filename: "a.txt", mimeType: "text/plain", sizeBytes: 5,
 * //   createdAt: "2025-04-15T18:37:24.100435Z", downloadable: false, expiresAt: null, native: {} }
 */
export function toUpstreamFile(metadata: AnthropicFileMetadata): UpstreamFile {
  const { id, filename, mime_type, size_bytes, created_at } = metadata ?? ({} as Partial<AnthropicFileMetadata>);
  if (
    typeof id !== "string" ||
    typeof filename !== "string" ||
    typeof mime_type !== "string" ||
    typeof size_bytes !== "number" ||
    typeof created_at !== "string"
  ) {
    throw new UpstreamError(PROVIDER, 502, `unexpected file metadata: ${JSON.stringify(metadata).slice(0, 200)}`);
  }
  return {
    nativeId: id,
    filename,
    mimeType: mime_type,
    sizeBytes: size_bytes,
    createdAt: created_at,
    downloadable: metadata.downloadable === true,
    expiresAt: metadata.expires_at ?? null,
    native: {},
  };
}

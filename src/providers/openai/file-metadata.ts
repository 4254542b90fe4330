/**
 * OpenAI File objects in the gateway's terms (docs/reference/provider-apis.md §7.6), and which of them OpenAI lets
 * anyone download.
 */
import { unixToRfc3339 } from "../../lib/time";
import type { UpstreamFile } from "../types";
import type { OpenAIFile, OpenAIFilePurpose } from "./wire";

/**
 * Purposes whose content `GET /files/{id}/content` serves. OpenAI refuses the others with
 * 400 "Not allowed to download files of purpose: user_data" (`invalid_request_error`).
 * Not in the OpenAPI spec; found in an OpenAI community thread quoting that error and giving
 * the per-purpose upload/download table (community.openai.com/t/…/1357013, "File uploads
 * error: why can't I download files with purpose=user_data?", 2025), and in
 * ogx-ai/ogx#3946 ("file content retrieval is pretty limited by purpose").
 */
const DOWNLOADABLE_PURPOSES: ReadonlySet<OpenAIFilePurpose> = new Set([
  "batch",
  "batch_output",
  "assistants_output",
  "fine-tune-results",
  "vision",
]);

/** OpenAI does not return a MIME type; the gateway keeps the upload's, and this for JSONL it wrote or read. */
export const JSONL_MIME_TYPE = "application/jsonl";

/**
 * Whether OpenAI serves the content of a file with this purpose.
 *
 * @example
 * isDownloadablePurpose("user_data")    // false
 * isDownloadablePurpose("batch_output") // true
 */
export function isDownloadablePurpose(purpose: unknown): boolean {
  return DOWNLOADABLE_PURPOSES.has(purpose as OpenAIFilePurpose);
}

/**
 * The gateway's view of an OpenAI File. `known` carries what OpenAI does not keep (the
 * upload's MIME type) or renames (the client's filename).
 *
 * @example
 * toUpstreamFile({ id: "file-1", object: "file", bytes: 3, created_at: 1714000000, filename: "a.pdf", purpose: "user_data" },
 *   { filename: "a.pdf", mimeType: "application/pdf" })
 * // { nativeId: "file-1", filename: "a.pdf", mimeType: "application/pdf", sizeBytes: 3,
 * //   createdAt: "2024-04-24T23:06:40Z", downloadable: false, expiresAt: null,
 * //   native: { purpose: "user_data", mimeType: "application/pdf" } }
 */
export function toUpstreamFile(file: OpenAIFile, known: { filename?: string; mimeType?: string } = {}): UpstreamFile {
  const mimeType = known.mimeType || JSONL_MIME_TYPE;
  return {
    nativeId: file.id,
    filename: known.filename || file.filename,
    mimeType,
    sizeBytes: file.bytes,
    createdAt: unixToRfc3339(file.created_at) ?? new Date(0).toISOString(),
    downloadable: isDownloadablePurpose(file.purpose),
    expiresAt: unixToRfc3339(file.expires_at),
    native: { purpose: file.purpose, mimeType },
  };
}

/**
 * A Gemini File resource in the gateway's terms (docs/reference/provider-apis.md §5.2, §7.6).
 */
import type { UpstreamFile } from "../types";
import type { GeminiFile } from "./wire";

/**
 * The `UpstreamFile` for a Gemini File. Only generated files (batch output) can be downloaded;
 * `native` keeps what later calls need: the resource name, the `uri` that `fileData` cites,
 * the state and the source.
 *
 * @example
 * toUpstreamFile({ name: "files/abc", displayName: "a.pdf", mimeType: "application/pdf", sizeBytes: "12",
 *   createTime: "2026-01-01T00:00:00Z", uri: "https://…/files/abc", state: "ACTIVE", source: "UPLOADED" })
 * // { nativeId: "files/abc", filename: "a.pdf", sizeBytes: 12, downloadable: false, processing: false, … }
 */
export function toUpstreamFile(file: GeminiFile): UpstreamFile {
  const native: Record<string, unknown> = { name: file.name, uri: file.uri ?? null, state: file.state ?? "STATE_UNSPECIFIED" };
  if (file.source) native.source = file.source;
  return {
    nativeId: file.name,
    filename: file.displayName || file.name.replace(/^files\//, ""),
    mimeType: file.mimeType || "application/octet-stream",
    sizeBytes: Number(file.sizeBytes ?? "0"),
    createdAt: file.createTime ?? file.updateTime ?? new Date(0).toISOString(),
    downloadable: file.source === "GENERATED",
    expiresAt: file.expirationTime ?? null,
    processing: file.state === "PROCESSING",
    native,
  };
}

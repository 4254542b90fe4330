/**
 * The Files API on Gemini: resumable upload, metadata, download of generated files, delete.
 */
import { ByteReader } from "../../lib/byte-reader";
import { GatewayError } from "../../lib/errors";
import type { FileDownload, FilesAdapter, ProviderContext, ResolvedFile, UpstreamFile } from "../types";
import { geminiClient, isGone, resourcePath } from "./client";
import { toUpstreamFile } from "./file-metadata";
import { ResumableUpload } from "./resumable-upload";
import type { GeminiFile } from "./wire";

/** Size of each read of an uploaded file's bytes. */
const READ_BYTES = 1024 * 1024;

/**
 * Gemini files behind the Anthropic Files API.
 *
 * @example
 * const file = await geminiFiles.upload(ctx, { filename: "a.pdf", mimeType: "application/pdf", sizeBytes: null, body });
 */
export const geminiFiles: FilesAdapter = {
  // Gemini deletes files 48 hours after upload, and says so only when asked.
  refreshOnRead: true,

  async upload(ctx, upload): Promise<UpstreamFile> {
    const gemini = geminiClient(ctx);
    const session = await ResumableUpload.start(gemini, {
      displayName: upload.filename,
      mimeType: upload.mimeType,
      sizeBytes: upload.sizeBytes,
    });
    // Large reads: an uploaded file is a byte stream that a default reader would hand over
    // 4 KiB at a time. Each read gets fresh memory, since the session keeps what it is given.
    const reader = ByteReader.of(upload.body);
    try {
      for (let piece = await reader.read(new ArrayBuffer(READ_BYTES), READ_BYTES); piece; piece = await reader.read(new ArrayBuffer(READ_BYTES), READ_BYTES)) {
        await session.write(piece);
      }
      // Inside the try: a chunk refused while the next one filled fails `finish`, and the
      // session is then cancelled rather than left open.
      return toUpstreamFile(await session.finish());
    } catch (error) {
      await reader.cancel(error).catch(() => {});
      await session.cancel();
      throw error;
    }
  },

  async retrieve(ctx, file): Promise<UpstreamFile> {
    return toUpstreamFile(await getFile(ctx, file));
  },

  async download(ctx, file): Promise<FileDownload> {
    // Only generated files can be downloaded (python-genai refuses uploaded ones locally).
    if (file.native.source !== "GENERATED") throw GatewayError.notDownloadable(file.gatewayId);
    try {
      return await downloadFile(ctx, file.nativeId);
    } catch (error) {
      if (isGone(error)) throw GatewayError.notFound(`File not found: ${file.gatewayId}`);
      throw error;
    }
  },

  async delete(ctx, file): Promise<void> {
    await deleteFile(ctx, file.nativeId);
  },
};

/**
 * Streams a file's bytes: `GET /v1beta/files/{id}:download?alt=media`, the path both official
 * SDKs use (js-genai `_node_downloader.ts` requests `files/${name}:download` with
 * `alt=media` under the default `v1beta`; python-genai `files.download` does the same).
 *
 * @example
 * const { body } = await downloadFile(ctx, "files/batch-123");
 */
export async function downloadFile(ctx: ProviderContext, name: string): Promise<FileDownload> {
  const response = await geminiClient(ctx).fetch(`${resourcePath(name, ":download")}?alt=media`);
  if (!response.body) return { body: new Blob([]).stream(), contentType: "application/octet-stream", contentLength: 0 };
  const length = response.headers.get("content-length");
  return {
    body: response.body,
    contentType: response.headers.get("content-type") ?? "application/octet-stream",
    contentLength: length === null ? null : Number(length),
  };
}

/**
 * Deletes a file; one already gone (deleted or expired after 48 h) counts as deleted.
 *
 * @example
 * await deleteFile(ctx, "files/abc");
 */
export async function deleteFile(ctx: ProviderContext, name: string): Promise<void> {
  try {
    const response = await geminiClient(ctx).fetch(resourcePath(name), { method: "DELETE" });
    await response.body?.cancel();
  } catch (error) {
    if (!isGone(error)) throw error;
  }
}

async function getFile(ctx: ProviderContext, file: ResolvedFile): Promise<GeminiFile> {
  try {
    return await geminiClient(ctx).json<GeminiFile>(resourcePath(file.nativeId));
  } catch (error) {
    // Gemini deletes files 48 hours after upload; an expired file is simply not found.
    if (isGone(error)) throw GatewayError.notFound(`File not found: ${file.gatewayId}`);
    throw error;
  }
}

/** The Files API on Anthropic: the gateway's files are Anthropic files, one for one. */
import { GatewayError } from "../../lib/errors";
import { multipartBody } from "../../lib/multipart";
import { readUpstreamJson } from "../../lib/upstream";
import type { FileDownload, FilesAdapter, ProviderContext, ResolvedFile, UpstreamFile } from "../types";
import { anthropicFetch, PROVIDER, type UpstreamFailure } from "./client";
import { toUpstreamFile } from "./file-metadata";
import type { AnthropicFileMetadata } from "./wire";

/**
 * Upload, metadata, download and delete, streamed both ways. Upstream 404s become the gateway's
 * own 404 naming the gateway ID (never the native one).
 *
 * @example
 * const file = await anthropicFiles.upload(ctx, { filename: "a.txt", mimeType: "text/plain", sizeBytes: null, body });
 * file.nativeId // "file_011CNha8iCJcU1wXNR6q4V8w"
 */
export const anthropicFiles: FilesAdapter = {
  async upload(ctx, upload) {
    const { body, contentType } = multipartBody([
      { name: "file", filename: upload.filename, contentType: upload.mimeType, body: upload.body, size: upload.sizeBytes },
    ]);
    const response = await anthropicFetch(ctx, {
      surface: "files",
      method: "POST",
      path: "/v1/files",
      headers: { "content-type": contentType },
      body,
    });
    return readFile(response);
  },

  async retrieve(ctx, file) {
    const response = await anthropicFetch(ctx, { surface: "files", method: "GET", path: filePath(file) }, notFound(file));
    return readFile(response);
  },

  async download(ctx, file): Promise<FileDownload> {
    const response = await anthropicFetch(
      ctx,
      // The SDK asks for `application/binary` too; the content type comes back as stored.
      { surface: "files", method: "GET", path: `${filePath(file)}/content`, headers: { accept: "application/binary" } },
      (failure) =>
        failure.errorCode === "file_not_downloadable" ? GatewayError.notDownloadable(file.gatewayId) : notFound(file)(failure),
    );
    const length = response.headers.get("content-length");
    return {
      body: response.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() }),
      contentType: response.headers.get("content-type") ?? "application/octet-stream",
      contentLength: length !== null && /^\d+$/.test(length) ? Number(length) : null,
    };
  },

  async delete(ctx, file) {
    try {
      const response = await anthropicFetch(ctx, { surface: "files", method: "DELETE", path: filePath(file) }, notFound(file));
      await response.body?.cancel();
    } catch (error) {
      // Deleting is idempotent for the service: a file already gone upstream is deleted.
      if (error instanceof GatewayError && error.status === 404) return;
      throw error;
    }
  },
};

function filePath(file: ResolvedFile): string {
  return `/v1/files/${encodeURIComponent(file.nativeId)}`;
}

function notFound(file: ResolvedFile): (failure: UpstreamFailure) => GatewayError | undefined {
  return (failure) => (failure.status === 404 ? GatewayError.notFound(`File not found: ${file.gatewayId}`) : undefined);
}

async function readFile(response: Response): Promise<UpstreamFile> {
  return toUpstreamFile(await readUpstreamJson<AnthropicFileMetadata>(PROVIDER, response));
}

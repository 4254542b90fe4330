/**
 * The Files API on OpenAI: uploads stream to `POST /files` with purpose `user_data` (the
 * purpose for files that messages refer to), downloads stream back.
 */
import { GatewayError } from "../../lib/errors";
import { multipartBody } from "../../lib/multipart";
import { readUpstreamJson } from "../../lib/upstream";
import type { FileDownload, FilesAdapter, ProviderContext, ResolvedFile } from "../types";
import { PROVIDER, isUpstreamStatus, openaiFetch, openaiJson } from "./client";
import { readConfig } from "./config";
import { isDownloadablePurpose, toUpstreamFile } from "./file-metadata";
import type { OpenAIFile } from "./wire";

/**
 * `FilesAdapter` for OpenAI.
 *
 * @example
 * const file = await openaiFiles.upload(ctx, { filename: "a.pdf", mimeType: "application/pdf", sizeBytes: null, body });
 * file.downloadable // false: OpenAI never serves user_data uploads back
 */
export const openaiFiles: FilesAdapter = {
  async upload(ctx, upload) {
    const config = readConfig(ctx.env);
    // `purpose` first, so that a server reading the stream knows it before the file part.
    const { body, contentType } = multipartBody([
      { name: "purpose", value: "user_data" },
      { name: "file", filename: upload.filename, contentType: upload.mimeType, body: upload.body, size: upload.sizeBytes },
    ]);
    const response = await openaiFetch(ctx, config, "/files", {
      method: "POST",
      headers: { "content-type": contentType },
      body,
    });
    const file = await readUpstreamJson<OpenAIFile>(PROVIDER, response);
    return toUpstreamFile(file, { filename: upload.filename, mimeType: upload.mimeType });
  },

  async retrieve(ctx, file) {
    const config = readConfig(ctx.env);
    const native = await openaiJson<OpenAIFile>(ctx, config, `/files/${encodeURIComponent(file.nativeId)}`);
    return toUpstreamFile(native, { filename: file.filename, mimeType: file.mimeType });
  },

  async download(ctx, file) {
    const config = readConfig(ctx.env);
    // The purpose kept at upload answers without a round trip; OpenAI's own refusal is the backstop.
    if ("purpose" in file.native && !isDownloadablePurpose(file.native.purpose)) {
      throw GatewayError.notDownloadable(file.gatewayId);
    }
    let response: Response;
    try {
      response = await openaiFetch(ctx, config, `/files/${encodeURIComponent(file.nativeId)}/content`, {
        headers: { accept: "application/binary" },
      });
    } catch (error) {
      if (isUpstreamStatus(error, 400) && error.message.includes("Not allowed to download")) {
        throw GatewayError.notDownloadable(file.gatewayId);
      }
      throw error;
    }
    return fileDownloadFrom(response, file);
  },

  async delete(ctx, file) {
    const config = readConfig(ctx.env);
    try {
      const response = await openaiFetch(ctx, config, `/files/${encodeURIComponent(file.nativeId)}`, { method: "DELETE" });
      await response.body?.cancel();
    } catch (error) {
      if (!isUpstreamStatus(error, 404)) throw error;
    }
  },
};

function fileDownloadFrom(response: Response, file: ResolvedFile): FileDownload {
  const length = response.headers.get("content-length");
  return {
    body: response.body ?? new Response("").body!,
    contentType: file.mimeType || response.headers.get("content-type") || "application/octet-stream",
    contentLength: length === null ? null : Number(length),
  };
}

/**
 * Deletes a file, treating one already gone as deleted.
 *
 * @example
 * await deleteOpenAIFile(ctx, "file-abc");
 */
export async function deleteOpenAIFile(ctx: ProviderContext, nativeId: string): Promise<void> {
  await openaiFiles.delete(ctx, { gatewayId: nativeId, nativeId, filename: "", mimeType: "", native: {} });
}

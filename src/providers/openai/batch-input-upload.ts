/**
 * Batch input files for `POST /files` (purpose `batch`), two ways:
 * - `uploadWholeBatchInput` sends a file held in memory in one body of known length (it has a
 *   Content-Length);
 * - `BatchInputUpload` uploads a file while its lines are still being written: the request body
 *   is a stream, so the file is never held in memory.
 */
import { UpstreamError } from "../../lib/errors";
import { closingDelimiter, multipartBody, multipartContentType, newBoundary, partHead } from "../../lib/multipart";
import { readUpstreamJson } from "../../lib/upstream";
import type { ProviderContext } from "../types";
import { PROVIDER, openaiFetch } from "./client";
import type { OpenAIConfig } from "./config";
import { JSONL_MIME_TYPE } from "./file-metadata";
import type { OpenAIFile } from "./wire";

const encoder = new TextEncoder();

/**
 * Uploads a whole batch input file, `lines` (each with its newline, `size` bytes in all), as
 * one multipart body built in memory. `lines` is emptied as it is copied, so that the copy and
 * the lines are not both kept.
 *
 * @example
 * const file = await uploadWholeBatchInput(ctx, config, "batchbridge-msgbatch_01-0.jsonl", lines, size);
 */
export async function uploadWholeBatchInput(
  ctx: ProviderContext,
  config: OpenAIConfig,
  filename: string,
  lines: Uint8Array[],
  size: number,
): Promise<OpenAIFile> {
  const boundary = newBoundary();
  const head = encoder.encode(
    partHead(boundary, { name: "purpose", value: "batch" }) + partHead(boundary, { name: "file", filename, contentType: JSONL_MIME_TYPE }),
  );
  const tail = encoder.encode(`\r\n${closingDelimiter(boundary)}`);
  const body = new Uint8Array(head.byteLength + size + tail.byteLength);
  body.set(head, 0);
  let offset = head.byteLength;
  for (const line of lines.splice(0)) {
    body.set(line, offset);
    offset += line.byteLength;
  }
  if (offset !== head.byteLength + size) throw new Error(`batch input file ${filename}: ${offset - head.byteLength} bytes, expected ${size}`);
  body.set(tail, offset);
  const response = await openaiFetch(ctx, config, "/files", {
    method: "POST",
    headers: { "content-type": multipartContentType(boundary) },
    body,
  });
  return readUpstreamJson<OpenAIFile>(PROVIDER, response);
}


/** Lines are sent in chunks of about this size: one stream write per line costs more than the line. */
const CHUNK_BYTES = 64 * 1024;

/**
 * A streaming upload of JSONL lines. The caller keeps to OpenAI's per-file limits.
 *
 * @example
 * const upload = new BatchInputUpload(ctx, config, "batchbridge-msgbatch_01-0.jsonl");
 * await upload.append(line);
 * const file = await upload.finish(); // the OpenAI File
 */
export class BatchInputUpload {
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly response: Promise<Response>;
  /** The chunk under way: each line is copied in as it comes (and let go while it is young). */
  private chunk = new Uint8Array(CHUNK_BYTES);
  private used = 0;

  constructor(ctx: ProviderContext, config: OpenAIConfig, filename: string) {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    this.writer = writable.getWriter();
    const { body, contentType } = multipartBody([
      { name: "purpose", value: "batch" },
      { name: "file", filename, contentType: JSONL_MIME_TYPE, body: readable },
    ]);
    this.response = openaiFetch(ctx, config, "/files", { method: "POST", headers: { "content-type": contentType }, body });
    // Awaited later; until then a rejection must not count as unhandled.
    this.response.catch(() => {});
  }

  /**
   * Appends bytes of the file (a line, or lines packed together, or part of one); a promise only
   * when a chunk is sent (see JobInput.write). The bytes are copied: the caller may reuse them
   * once this returns or its promise settles (see JobLimits.packLines).
   */
  append(bytes: Uint8Array): Promise<void> | undefined {
    if (this.used + bytes.byteLength < this.chunk.byteLength) {
      this.chunk.set(bytes, this.used);
      this.used += bytes.byteLength;
      return undefined;
    }
    return this.appendAcross(bytes);
  }

  /** Ends the file and returns what OpenAI made of it. */
  async finish(): Promise<OpenAIFile> {
    await this.flush();
    await this.untilUpstreamAnswers(this.writer.close(), true);
    return readUpstreamJson<OpenAIFile>(PROVIDER, await this.response);
  }

  /** Stops the upload; OpenAI never sees a complete file. */
  async abort(reason: unknown): Promise<void> {
    this.used = 0;
    this.stop(reason);
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const chunk = this.chunk.subarray(0, this.used);
    this.chunk = new Uint8Array(CHUNK_BYTES);
    this.used = 0;
    await this.untilUpstreamAnswers(this.writer.write(chunk), false);
  }

  // Bytes that fill the chunk under way: as many as fit complete it and it is sent, the rest
  // go into the next (the file is one stream of bytes: a chunk may end inside a line).
  private async appendAcross(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.byteLength) {
      const count = Math.min(bytes.byteLength - offset, this.chunk.byteLength - this.used);
      this.chunk.set(bytes.subarray(offset, offset + count), this.used);
      this.used += count;
      offset += count;
      if (this.used === this.chunk.byteLength) await this.flush();
    }
  }

  // Not awaited: an abort waits for the write in flight, which waits for a reader that may be
  // gone (OpenAI answered early). Nothing else holds the stream, so it is simply dropped.
  private stop(reason: unknown): void {
    this.writer.abort(reason).catch(() => {});
  }

  // OpenAI may answer before it has read the whole body (a 401, a 400 on the purpose); then
  // nobody reads the stream any more and a write would wait forever. The answer wins the race
  // and carries OpenAI's own error. Once the file is closed, a success may come first too.
  private async untilUpstreamAnswers(step: Promise<void>, closing: boolean): Promise<void> {
    const early = this.response.then(() => {
      if (!closing) throw new UpstreamError(PROVIDER, 502, "OpenAI answered the file upload before the file was complete");
    });
    try {
      await Promise.race([step, early]);
    } catch (error) {
      this.stop(error);
      if (error instanceof UpstreamError) throw error;
      // The stream itself broke; OpenAI's answer, if there is one, says why.
      await this.response;
      throw new UpstreamError(PROVIDER, 0, `the upload of a batch input file broke (${String(error)})`);
    } finally {
      early.catch(() => {});
    }
  }
}

/**
 * One batch input file, uploaded to `POST /files` (purpose `batch`) while its lines are still
 * being written: the request body is a stream, so the file is never held in memory.
 */
import { UpstreamError } from "../../lib/errors";
import { multipartBody } from "../../lib/multipart";
import { readUpstreamJson } from "../../lib/upstream";
import type { ProviderContext } from "../types";
import { PROVIDER, openaiFetch } from "./client";
import type { OpenAIConfig } from "./config";
import { JSONL_MIME_TYPE } from "./file-metadata";
import type { OpenAIFile } from "./wire";

/** Lines are sent in chunks of about this size: one stream write per line costs more than the line. */
const CHUNK_BYTES = 64 * 1024;

/**
 * A streaming upload of JSONL lines.
 *
 * @example
 * const upload = new BatchInputUpload(ctx, config, "batchbridge-msgbatch_01-gpt-4o-0.jsonl");
 * if (upload.fits(line.byteLength)) await upload.append(line);
 * const file = await upload.finish(); // the OpenAI File
 */
export class BatchInputUpload {
  /** Lines appended so far. */
  lines = 0;
  /** Bytes appended so far. */
  bytes = 0;
  private readonly config: OpenAIConfig;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly response: Promise<Response>;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(ctx: ProviderContext, config: OpenAIConfig, filename: string) {
    this.config = config;
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
   * Whether one more line of `lineBytes` stays within OpenAI's per-file limits. An empty
   * file takes any line, so that a line larger than the byte limit still goes somewhere.
   */
  fits(lineBytes: number): boolean {
    if (this.lines === 0) return true;
    return this.lines + 1 <= this.config.batchMaxLines && this.bytes + lineBytes <= this.config.batchMaxBytes;
  }

  /** Appends one encoded line (with its newline). */
  async append(line: Uint8Array): Promise<void> {
    this.pending.push(line);
    this.pendingBytes += line.byteLength;
    this.lines += 1;
    this.bytes += line.byteLength;
    if (this.pendingBytes >= CHUNK_BYTES) await this.flush();
  }

  /** Ends the file and returns what OpenAI made of it. */
  async finish(): Promise<OpenAIFile> {
    await this.flush();
    await this.untilUpstreamAnswers(this.writer.close(), true);
    return readUpstreamJson<OpenAIFile>(PROVIDER, await this.response);
  }

  /** Stops the upload; OpenAI never sees a complete file. */
  async abort(reason: unknown): Promise<void> {
    this.pending = [];
    this.stop(reason);
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const chunk = new Uint8Array(this.pendingBytes);
    let offset = 0;
    for (const part of this.pending) {
      chunk.set(part, offset);
      offset += part.byteLength;
    }
    this.pending = [];
    this.pendingBytes = 0;
    await this.untilUpstreamAnswers(this.writer.write(chunk), false);
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

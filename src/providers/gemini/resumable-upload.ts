/**
 * Gemini's resumable upload protocol (docs/reference/provider-apis.md §5.1), fed a piece at a time so that nothing
 * larger than one chunk is ever held: `start` opens a session, `write` sends every full chunk
 * (`X-Goog-Upload-Command: upload`, with `Content-Length` and `X-Goog-Upload-Offset`), and
 * `finish` sends the rest with `upload, finalize` and returns the File.
 *
 * Unknown sizes. Both official SDKs always know the size and send
 * `X-Goog-Upload-Header-Content-Length` at start (python-genai `files.py` `upload`,
 * js-genai `_cross_uploader.ts`); python-genai's `upload_file` says the chunks "will have to
 * match the size requested in the resumable upload request". No Google document found says
 * the header is required: Google's resumable protocol pages (Street View Publish, Photos) list
 * it among the start headers, and the protocol fixes the size at `finalize` from the bytes
 * received. So the header is sent when the size is known and left out otherwise (a multipart
 * upload rarely carries a size, and spooling it to learn the size is not possible in a
 * Worker). This is the one unconfirmed step of the upload; the fake accepts both forms and,
 * when the size was announced, rejects a finalize at any other size.
 */
import { UpstreamError } from "../../lib/errors";
import type { GeminiClient } from "./client";
import { PROVIDER } from "./client";
import type { GeminiFile } from "./wire";

/** What `start` announces about the file. */
export interface UploadStart {
  displayName: string;
  mimeType: string;
  /** Exact size when known; `null` leaves `X-Goog-Upload-Header-Content-Length` out. */
  sizeBytes: number | null;
}

/**
 * One upload session.
 *
 * @example
 * const upload = await ResumableUpload.start(gemini, { displayName: "a.pdf", mimeType: "application/pdf", sizeBytes: null });
 * for await (const piece of body) await upload.write(piece);
 * const file = await upload.finish();
 */
export class ResumableUpload {
  private readonly pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private offset = 0;
  private closed = false;

  private constructor(
    private readonly gemini: GeminiClient,
    private readonly sessionUrl: string,
  ) {}

  /** Opens a session (`X-Goog-Upload-Command: start`). */
  static async start(gemini: GeminiClient, start: UploadStart): Promise<ResumableUpload> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-goog-upload-protocol": "resumable",
      "x-goog-upload-command": "start",
      "x-goog-upload-header-content-type": start.mimeType,
    };
    const file: Record<string, string> = { displayName: start.displayName, mimeType: start.mimeType };
    if (start.sizeBytes !== null) {
      headers["x-goog-upload-header-content-length"] = String(start.sizeBytes);
      file.sizeBytes = String(start.sizeBytes);
    }
    const response = await gemini.fetch("/upload/v1beta/files", {
      method: "POST",
      headers,
      body: JSON.stringify({ file }),
    });
    await response.body?.cancel();
    const sessionUrl = response.headers.get("x-goog-upload-url");
    if (!sessionUrl) throw new UpstreamError(PROVIDER, 502, "upload start answered without an x-goog-upload-url header");
    return new ResumableUpload(gemini, sameOriginAs(gemini.config.baseUrl, sessionUrl));
  }

  /** Bytes written so far, sent or not. */
  get size(): number {
    return this.offset + this.pendingBytes;
  }

  /**
   * Buffers `bytes`; sends every chunk that is full, keeping at most one chunk pending. A
   * promise only when a chunk is sent (see JobInput.write).
   */
  write(bytes: Uint8Array): Promise<void> | undefined {
    if (bytes.byteLength === 0) return undefined;
    this.pending.push(bytes);
    this.pendingBytes += bytes.byteLength;
    // A chunk goes only when more bytes follow it, so the final one is never empty.
    if (this.pendingBytes > this.gemini.config.uploadChunkBytes) return this.sendFull();
    return undefined;
  }

  private async sendFull(): Promise<void> {
    const chunkSize = this.gemini.config.uploadChunkBytes;
    while (this.pendingBytes > chunkSize) {
      await this.send(this.take(chunkSize), "upload", "active");
    }
  }

  /** Sends what is left with `upload, finalize` and returns the File. */
  async finish(): Promise<GeminiFile> {
    const response = await this.send(this.take(this.pendingBytes), "upload, finalize", "final");
    this.closed = true;
    const body = (await response.json().catch(() => null)) as { file?: GeminiFile } | null;
    if (!body?.file?.name) throw new UpstreamError(PROVIDER, 502, "upload finalize answered without a file");
    return body.file;
  }

  /** Ends the session without a file (`X-Goog-Upload-Command: cancel`); failures are ignored. */
  async cancel(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pending.length = 0;
    this.pendingBytes = 0;
    try {
      const response = await this.gemini.fetch(this.sessionUrl, {
        method: "POST",
        headers: { "x-goog-upload-command": "cancel", "content-length": "0" },
      });
      await response.body?.cancel();
    } catch {
      // The session expires on its own; nothing was created.
    }
  }

  private async send(chunk: Uint8Array, command: string, expected: "active" | "final"): Promise<Response> {
    const response = await this.gemini.fetch(this.sessionUrl, {
      method: "POST",
      headers: {
        "x-goog-upload-command": command,
        "x-goog-upload-offset": String(this.offset),
        "content-length": String(chunk.byteLength),
      },
      body: chunk,
    });
    const status = response.headers.get("x-goog-upload-status");
    if (status !== expected) {
      await response.body?.cancel();
      throw new UpstreamError(PROVIDER, 502, `upload chunk at offset ${this.offset} answered x-goog-upload-status ${status ?? "(none)"}, expected ${expected}`);
    }
    this.offset += chunk.byteLength;
    if (expected === "active") await response.body?.cancel();
    return response;
  }

  // Removes exactly `size` pending bytes, as one array. The pieces are walked with an index
  // and dropped with one splice: a chunk holds thousands of request lines, and shifting them
  // one by one made each chunk quadratic.
  private take(size: number): Uint8Array {
    const first = this.pending[0];
    if (first && first.byteLength === size) {
      this.pending.shift();
      this.pendingBytes -= size;
      return first;
    }
    const chunk = new Uint8Array(size);
    let filled = 0;
    let index = 0;
    while (filled < size) {
      const piece = this.pending[index]!;
      const used = Math.min(piece.byteLength, size - filled);
      chunk.set(used === piece.byteLength ? piece : piece.subarray(0, used), filled);
      filled += used;
      if (used === piece.byteLength) index++;
      else this.pending[index] = piece.subarray(used);
    }
    this.pending.splice(0, index);
    this.pendingBytes -= size;
    return chunk;
  }
}

// The session URL names Google's own host; behind a proxy or a fake the configured base URL
// must be kept, as python-genai's `_upload_fd` does (it swaps in the base URL's scheme and host).
function sameOriginAs(baseUrl: string, sessionUrl: string): string {
  const session = new URL(sessionUrl, baseUrl);
  const base = new URL(baseUrl);
  session.protocol = base.protocol;
  session.host = base.host;
  return session.toString();
}

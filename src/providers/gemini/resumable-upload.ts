/**
 * Gemini's resumable upload protocol (docs/reference/provider-apis.md §5.1), fed a piece at a time so that nothing
 * larger than one chunk is ever held (two, one in flight and one filling, for one upload per isolate): `start` opens a session, `write` sends every full chunk
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
  /**
   * The chunk being filled: bytes are copied in as they are written and the chunk is sent from
   * it, then filled again (never joined from pieces at send time: holding the pieces and their
   * joined copy cost twice the chunk, and a 100,000-request create's heap showed it).
   */
  private chunk: Uint8Array = EMPTY;
  private filled = 0;
  /** Bytes handed to a send (answered or not): where the next chunk starts. */
  private offset = 0;
  private closed = false;
  /**
   * The full chunk being sent while the next one fills (its memory is not touched until Gemini
   * has answered): the writer no longer stops for a round trip per chunk, a wait that showed in
   * a 100,000-request create's profile. Memory holds two chunks once a file outgrows one.
   */
  private sending: { chunk: Uint8Array; answered: Promise<void> } | null = null;
  /** Whether this upload holds the isolate's one second chunk (see `uploadsWithSecondChunk`). */
  private second = false;

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
    return this.offset + this.filled;
  }

  /**
   * Copies `bytes` into the chunk; sends the chunk once it is full and more bytes follow (so
   * the final chunk is never empty). A promise only when a chunk is sent (see JobInput.write).
   */
  write(bytes: Uint8Array): Promise<void> | undefined {
    const fits = Math.min(bytes.byteLength, this.gemini.config.uploadChunkBytes - this.filled);
    if (fits > 0) this.append(fits === bytes.byteLength ? bytes : bytes.subarray(0, fits));
    if (fits === bytes.byteLength) return undefined;
    return this.sendAndWrite(bytes.subarray(fits));
  }

  // The chunk is full and `rest` follows it: the chunk goes, and `rest` fills the other chunk.
  private async sendAndWrite(rest: Uint8Array): Promise<void> {
    const chunkSize = this.gemini.config.uploadChunkBytes;
    for (let at = 0; at < rest.byteLength; ) {
      if (this.filled === chunkSize) await this.sendFull();
      const fits = Math.min(rest.byteLength - at, chunkSize - this.filled);
      this.append(rest.subarray(at, at + fits));
      at += fits;
    }
  }

  // Sends the full chunk without waiting for the answer; waits only for the chunk sent before
  // it (one chunk in flight: Gemini gets them in order), whose memory then takes the next bytes.
  private async sendFull(): Promise<void> {
    const previous = await this.answered();
    const full = this.chunk;
    const offset = this.offset;
    this.offset += full.byteLength;
    const answered = this.send(full, offset, "upload", "active").then(() => {});
    if (!previous && !this.second) {
      // Another upload holds the second chunk: this one waits for Gemini's answer and fills the
      // same memory again, as every upload did before chunks overlapped.
      if (uploadsWithSecondChunk > 0) {
        await answered;
        this.filled = 0;
        return;
      }
      uploadsWithSecondChunk++;
      this.second = true;
    }
    // Awaited by the next send, finish or cancel; until then a failure is not unhandled.
    answered.catch(() => {});
    this.sending = { chunk: full, answered };
    this.chunk = previous ?? new Uint8Array(full.byteLength);
    this.filled = 0;
  }

  // Waits for the chunk in flight to be answered (throwing its failure); returns its memory.
  private async answered(): Promise<Uint8Array | null> {
    const sending = this.sending;
    if (!sending) return null;
    this.sending = null;
    await sending.answered;
    return sending.chunk;
  }

  /** Sends what is left with `upload, finalize` and returns the File. */
  async finish(): Promise<GeminiFile> {
    await this.answered();
    const last = this.chunk.subarray(0, this.filled);
    const response = await this.send(last, this.offset, "upload, finalize", "final");
    this.offset += last.byteLength;
    this.closed = true;
    this.release();
    const body = (await response.json().catch(() => null)) as { file?: GeminiFile } | null;
    if (!body?.file?.name) throw new UpstreamError(PROVIDER, 502, "upload finalize answered without a file");
    return body.file;
  }

  /** Ends the session without a file (`X-Goog-Upload-Command: cancel`); failures are ignored. */
  async cancel(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A chunk still in flight is let finish first (the session is cancelled after it).
    await this.answered().catch(() => {});
    this.release();
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

  private async send(chunk: Uint8Array, offset: number, command: string, expected: "active" | "final"): Promise<Response> {
    const response = await this.gemini.fetch(this.sessionUrl, {
      method: "POST",
      headers: {
        "x-goog-upload-command": command,
        "x-goog-upload-offset": String(offset),
        "content-length": String(chunk.byteLength),
      },
      body: chunk,
    });
    const status = response.headers.get("x-goog-upload-status");
    if (status !== expected) {
      await response.body?.cancel();
      throw new UpstreamError(PROVIDER, 502, `upload chunk at offset ${offset} answered x-goog-upload-status ${status ?? "(none)"}, expected ${expected}`);
    }
    if (expected === "active") await response.body?.cancel();
    return response;
  }

  // Copies `piece` (which fits in a chunk) after the bytes filled. The chunk's memory grows by
  // doubling up to the chunk size, so that a small file never costs a whole chunk.
  private append(piece: Uint8Array): void {
    const needed = this.filled + piece.byteLength;
    if (needed > this.chunk.byteLength) {
      let capacity = Math.max(FIRST_CAPACITY, this.chunk.byteLength * 2);
      while (capacity < needed) capacity *= 2;
      const grown = new Uint8Array(Math.min(capacity, this.gemini.config.uploadChunkBytes));
      grown.set(this.chunk.subarray(0, this.filled));
      this.chunk = grown;
    }
    this.chunk.set(piece, this.filled);
    this.filled = needed;
  }

  private release(): void {
    this.chunk = EMPTY;
    this.filled = 0;
    if (this.second) uploadsWithSecondChunk--;
    this.second = false;
  }
}

/**
 * Uploads in this isolate that hold a second chunk (at most one). A create over several models
 * keeps up to four uploads open (./jobs.ts), and each one holding two chunks doubled their
 * memory to 64 MiB of a Worker's 128 MB; one second chunk keeps the overlap for one file.
 */
let uploadsWithSecondChunk = 0;

const EMPTY = new Uint8Array(0);

// Where the chunk's memory starts (it doubles from here up to the chunk size).
const FIRST_CAPACITY = 64 * 1024;

// The session URL names Google's own host; behind a proxy or a fake the configured base URL
// must be kept, as python-genai's `_upload_fd` does (it swaps in the base URL's scheme and host).
function sameOriginAs(baseUrl: string, sessionUrl: string): string {
  const session = new URL(sessionUrl, baseUrl);
  const base = new URL(baseUrl);
  session.protocol = base.protocol;
  session.host = base.host;
  return session.toString();
}

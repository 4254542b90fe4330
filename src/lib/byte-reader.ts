/**
 * Reads a byte stream in large pieces. A request body arrives in chunks of a few KiB; each chunk
 * read costs a call into the runtime and a pass through everything after it, so a byte stream
 * (a request or response body, an IdentityTransformStream) is read with a BYOB reader and
 * workerd's `readAtLeast`, which fills the caller's buffer with at least `min` bytes at once.
 * Any other stream (one built in JS) is read a chunk at a time as it comes.
 */

/** The smallest read worth a round trip: what `read` waits for unless the stream ends first. */
export const MIN_READ_BYTES = 256 * 1024;

/**
 * A reader of `stream`: large reads into caller-supplied buffers when it is a byte stream.
 *
 * @example
 * const reader = ByteReader.of(request.body);
 * let buffer = new ArrayBuffer(1024 * 1024);
 * for (let piece = await reader.read(buffer); piece; piece = await reader.read(buffer)) {
 *   consume(piece);
 *   buffer = piece.buffer; // the same memory, handed back (the old view is detached)
 * }
 */
export class ByteReader {
  /** The memory the last BYOB read took, handed back when it found the end (`read` gave null). */
  endBuffer: ArrayBuffer | null = null;

  private constructor(
    private readonly byob: ReadableStreamBYOBReader | null,
    private readonly plain: ReadableStreamDefaultReader<Uint8Array> | null,
  ) {}

  /** Locks `stream` to a new reader (BYOB when the stream supports it). */
  static of(stream: ReadableStream<Uint8Array>): ByteReader {
    const byob = ByteReader.tryByob(stream);
    return byob ? new ByteReader(byob, null) : new ByteReader(null, stream.getReader());
  }

  /**
   * A reader over a BYOB reader already taken (see `tryByob`).
   *
   * @example
   * const byob = ByteReader.tryByob(body);
   * if (byob) await ByteReader.from(byob).read(new ArrayBuffer(65536));
   */
  static from(byob: ReadableStreamBYOBReader): ByteReader {
    return new ByteReader(byob, null);
  }

  /**
   * A BYOB reader of `stream`, or null when it is not a byte stream (then it stays unlocked).
   *
   * @example
   * const byob = ByteReader.tryByob(body); // null for a stream built with `new ReadableStream({ pull })`
   */
  static tryByob(stream: ReadableStream<Uint8Array>): ReadableStreamBYOBReader | null {
    try {
      return stream.getReader({ mode: "byob" });
    } catch {
      return null;
    }
  }

  /** Whether reads fill the caller's buffer (false: the stream's own chunks are returned). */
  get fillsBuffers(): boolean {
    return this.byob !== null;
  }

  /**
   * The next piece, or null at the end. A BYOB read fills `buffer` (transferred: the caller
   * gets it back as the returned view's `buffer`) with at least `min` bytes, fewer only at the
   * end of the stream; otherwise `buffer` is untouched and the stream's next chunk comes back.
   * With `offset`, a BYOB read fills `buffer` from there (the bytes before it are kept).
   */
  async read(buffer: ArrayBuffer, min = Math.min(MIN_READ_BYTES, buffer.byteLength), offset = 0): Promise<Uint8Array | null> {
    if (this.byob) {
      const { done, value } = await this.byob.readAtLeast(min, new Uint8Array(buffer, offset));
      if (value && value.byteLength > 0) return value;
      if (done) {
        // The lib types say no value at the end; the runtime hands back the (empty) view all the same.
        this.endBuffer = ((value as Uint8Array | undefined)?.buffer as ArrayBuffer | undefined) ?? null;
        return null;
      }
      // An empty read that is not the end: read again into the same memory.
      return this.read(value ? (value.buffer as ArrayBuffer) : buffer, min, offset);
    }
    for (;;) {
      const { done, value } = await this.plain!.read();
      if (done) return null;
      if (value.byteLength > 0) return value;
    }
  }

  /** Unlocks the stream, unread. */
  release(): void {
    (this.byob ?? this.plain)!.releaseLock();
  }

  /** Cancels the stream (failures ignored: it may already be gone). */
  async cancel(reason?: unknown): Promise<void> {
    await (this.byob ?? this.plain)!.cancel(reason).catch(() => {});
  }
}

/**
 * JSON Lines over web streams, at constant memory: bytes are decoded and split as they come,
 * and only the current partial line is held.
 */
import { ByteReader } from "./byte-reader";

/**
 * Yields each non-empty line of a byte stream as a string, without its line ending.
 *
 * @example
 * for await (const line of readLines(response.body!)) console.log(line);
 */
export async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const lines = new LineReader(body);
  try {
    for (;;) {
      const line = lines.buffered();
      if (line !== undefined) yield line;
      else if (!(await lines.fill())) return;
    }
  } finally {
    lines.release();
  }
}

/**
 * Yields the lines of a byte stream a chunk at a time (the lines each read completed), each
 * without its line ending; blank and whitespace-only lines are left out. One suspension per
 * chunk rather than per line: a caller that handles lines in a loop of its own (the vault
 * writer parses, checks and writes thousands a second) pays no generator hop per line. A
 * byte stream is read at least `CHUNK_READ_BYTES` at a time (see there).
 *
 * @example
 * for await (const texts of readLineChunks(response.body!)) for (const text of texts) JSON.parse(text);
 */
export async function* readLineChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<string[]> {
  const lines = new LineReader(body, CHUNK_READ_BYTES);
  try {
    while (await lines.fill()) {
      const texts = lines.take();
      let kept = 0;
      for (let index = 0; index < texts.length; index++) {
        const text = texts[index]!;
        if (isBlank(text)) continue;
        texts[kept++] = text;
      }
      texts.length = kept;
      if (kept > 0) yield texts;
    }
  } finally {
    lines.release();
  }
}

/**
 * Yields each line of a JSONL byte stream, parsed. A line that is not JSON throws.
 *
 * Not an async generator: results flow through several generators line by line, and a plain
 * iterator that answers from the lines already read saves a generator's suspension per line.
 * It behaves as the generator did: lines in order, a malformed line throws where it stands,
 * and after the end, an error or `return()` the stream's lock is released.
 *
 * @example
 * for await (const row of readJsonLines<{ custom_id: string }>(body)) seen.add(row.custom_id);
 */
export function readJsonLines<T = unknown>(body: ReadableStream<Uint8Array>): AsyncGenerator<T> {
  const lines = new LineReader(body);
  let open = true;
  // The last call that had to wait for bytes, until it settles. A next(), return() or throw()
  // called meanwhile runs after it, as a generator queues calls, so that calls made at once are
  // answered in the order they were made.
  let queued: Promise<IteratorResult<T>> | null = null;
  const close = () => {
    if (open) {
      open = false;
      lines.release();
    }
  };
  const end: IteratorResult<T> = { done: true, value: undefined };

  // The next row among the lines already read; undefined when more bytes are needed.
  const buffered = (): IteratorResult<T> | undefined => {
    for (;;) {
      const line = lines.buffered();
      if (line === undefined) return undefined;
      if (isBlank(line)) continue;
      return { done: false, value: JSON.parse(line) as T };
    }
  };

  const read = async (): Promise<IteratorResult<T>> => {
    try {
      while (open) {
        const row = buffered();
        if (row) return row;
        if (!(await lines.fill())) break;
      }
    } catch (error) {
      close();
      throw error;
    }
    close();
    return end;
  };

  const enqueue = (call: Promise<IteratorResult<T>>): Promise<IteratorResult<T>> => {
    queued = call;
    const settled = () => {
      if (queued === call) queued = null;
    };
    call.then(settled, settled);
    return call;
  };

  const next = (): Promise<IteratorResult<T>> => {
    if (queued) return enqueue(queued.then(read, read));
    // Nothing pending: a line already read answers at once, without a queue entry.
    if (open) {
      try {
        const row = buffered();
        if (row) return Promise.resolve(row);
      } catch (error) {
        close();
        return Promise.reject(error);
      }
    }
    return enqueue(read());
  };

  const iterator: AsyncGenerator<T> = {
    next,
    async return(value?: T | PromiseLike<T>): Promise<IteratorResult<T>> {
      if (queued) await queued.catch(() => {});
      close();
      return { done: true, value: (await value) as T };
    },
    async throw(error?: unknown): Promise<IteratorResult<T>> {
      if (queued) await queued.catch(() => {});
      close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * A byte stream of JSONL from an async iterable of values, pulled on demand (backpressure:
 * nothing is produced faster than the consumer reads).
 *
 * @example
 * return new Response(toJsonLines(results), { headers: { "content-type": "application/x-jsonl" } });
 */
export function toJsonLines(values: AsyncIterable<unknown>, head: readonly unknown[] = []): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = values[Symbol.asyncIterator]();
  let pending = head;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Several lines per chunk: one enqueue per line costs more than the translation.
        let text = "";
        // Values already read from the iterator (a caller that read the first to see it fail early).
        for (const value of pending) text += JSON.stringify(value) + "\n";
        pending = [];
        while (text.length < 64 * 1024) {
          const next = await iterator.next();
          if (next.done) {
            if (text) controller.enqueue(encoder.encode(text));
            controller.close();
            return;
          }
          text += JSON.stringify(next.value) + "\n";
        }
        controller.enqueue(encoder.encode(text));
      },
      async cancel(reason) {
        await iterator.return?.(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * How much `readLineChunks` reads at once from a byte stream. workerd hands a fetched body to
 * a default reader about 4 KiB a read (a 95 MB body: about 23,500 reads), and each read, with
 * the chunk's trip through the generators above it, cost more than its lines' own work; a
 * BYOB read with `min` is filled by the runtime from as many of those pieces as it takes
 * (1,456 reads of 64 KiB; measured in workerd under `wrangler dev`: the same body read in
 * 0.2-0.3 s rather than 0.8-1.1 s, and larger reads gained nothing more). The buffer is reused.
 */
const CHUNK_READ_BYTES = 64 * 1024;

/**
 * Splits a byte stream into lines a chunk at a time: `fill()` reads one chunk and splits it,
 * `buffered()` hands out its lines. Holds one chunk's lines and the partial line after them.
 * With `readBytes`, a byte stream is read through a BYOB reader, at least that many bytes a
 * read (fewer only at the end); a stream that is not a byte stream is read as it comes.
 */
class LineReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | ByteReader;
  readonly #decoder = new TextDecoder();
  /** The buffer a `ByteReader` fills, handed back by each read (null: a default reader). */
  #buffer: ArrayBuffer | null = null;
  #pending = "";
  #lines: string[] = [];
  #index = 0;
  #finished = false;

  constructor(body: ReadableStream<Uint8Array>, readBytes = 0) {
    if (readBytes > 0) {
      this.#reader = ByteReader.of(body);
      this.#buffer = new ArrayBuffer(readBytes);
    } else {
      this.#reader = body.getReader();
    }
  }

  /** The next piece of the stream, or null at its end. */
  async #read(): Promise<Uint8Array | null> {
    const reader = this.#reader;
    if (!(reader instanceof ByteReader)) {
      const { done, value } = await reader.read();
      return done ? null : value;
    }
    const piece = await reader.read(this.#buffer!, this.#buffer!.byteLength);
    // A BYOB read took the buffer (transferred): the one it gave back is the next read's.
    if (piece && reader.fillsBuffers) this.#buffer = piece.buffer as ArrayBuffer;
    return piece;
  }

  /** The next non-empty line already read, without its line ending; undefined when none is left. */
  buffered(): string | undefined {
    return this.#index < this.#lines.length ? this.#lines[this.#index++] : undefined;
  }

  /** Every line already read and not yet handed out (handed over: the reader keeps no reference). */
  take(): string[] {
    const lines = this.#index === 0 ? this.#lines : this.#lines.slice(this.#index);
    this.#lines = [];
    this.#index = 0;
    return lines;
  }

  /** Reads and splits the next chunk; false once the stream has ended and every line was handed out. */
  async fill(): Promise<boolean> {
    this.#lines = [];
    this.#index = 0;
    while (this.#lines.length === 0) {
      if (this.#finished) return false;
      const piece = await this.#read();
      if (piece) this.#add(this.#decoder.decode(piece, { stream: true }));
      else {
        this.#finished = true;
        const last = trimCarriageReturn(this.#pending + this.#decoder.decode());
        this.#pending = "";
        if (last.trim().length > 0) this.#lines.push(last);
      }
    }
    return true;
  }

  /**
   * Keeps the lines a decoded chunk completes, and the partial line after them. The chunk is
   * split on its own, and the partial line before it joined only to the chunk's first line:
   * joining it to the whole chunk made a copy of every chunk.
   */
  #add(text: string): void {
    let newline = text.indexOf("\n");
    if (newline === -1) {
      this.#pending += text;
      return;
    }
    this.#push(this.#pending + text.slice(0, newline));
    let start = newline + 1;
    for (newline = text.indexOf("\n", start); newline !== -1; newline = text.indexOf("\n", start)) {
      this.#push(text.slice(start, newline));
      start = newline + 1;
    }
    this.#pending = text.slice(start);
  }

  /** Keeps one line (its carriage return removed) unless it is empty. */
  #push(line: string): void {
    const end = line.length - 1;
    if (end >= 0 && line.charCodeAt(end) === 13) line = line.slice(0, end);
    if (line.length > 0) this.#lines.push(line);
  }

  release(): void {
    if (this.#reader instanceof ByteReader) this.#reader.release();
    else this.#reader.releaseLock();
  }
}

/** Whether a line holds only whitespace; one that opens like a JSON object, array or string (nearly every line) is not, without a trim. */
function isBlank(line: string): boolean {
  const first = line.charCodeAt(0);
  if (first === 0x7b || first === 0x5b || first === 0x22) return false;
  return line.trim().length === 0;
}

function trimCarriageReturn(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/**
 * JSON Lines over web streams, at constant memory: bytes are decoded and split as they come,
 * and only one read's lines and the partial line after them are held.
 */
import { ByteReader } from "./byte-reader";

/**
 * Yields each line of a byte stream as a string, without its line ending; blank and
 * whitespace-only lines are left out.
 *
 * @example
 * for await (const line of readLines(response.body!)) console.log(line);
 */
export async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  for await (const { texts } of readLineChunks(body)) yield* texts;
}

/**
 * One read's lines (see `readLineChunks`). `bytes`, when set, are the bytes the lines were
 * read from, exactly the lines' UTF-8 with a line feed after each (no blank line, carriage
 * return before a line feed, byte-order mark or undecodable byte among them), so a writer may
 * copy them rather than encode the lines again. They live in the reader's buffer: valid until
 * the next chunk is asked for.
 *
 * @example
 * const chunk: LineChunk = { texts: ['{"a":1}'], bytes: new TextEncoder().encode('{"a":1}\n') };
 */
export interface LineChunk {
  texts: string[];
  bytes?: Uint8Array;
}

/**
 * Yields the lines of a byte stream a chunk at a time (the lines each read completed), each
 * without its line ending; blank and whitespace-only lines are left out. One suspension per
 * chunk rather than per line: a caller that handles lines in a loop of its own (the vault
 * writer parses, checks and writes thousands a second) pays no generator hop per line. A
 * byte stream is read at least `readBytes` at a time (see `CHUNK_READ_BYTES`).
 *
 * @example
 * for await (const { texts } of readLineChunks(response.body!)) for (const text of texts) JSON.parse(text);
 */
export async function* readLineChunks(body: ReadableStream<Uint8Array>, readBytes = CHUNK_READ_BYTES): AsyncGenerator<LineChunk> {
  const chunks = new ChunkReader(body, readBytes);
  try {
    for (let chunk = await chunks.next(); chunk; chunk = await chunks.next()) yield chunk;
  } finally {
    chunks.release();
  }
}

/**
 * Reads a byte stream into its lines a read at a time, into one buffer that keeps the partial
 * line before the bytes read after it: a read's complete lines are one run of bytes, decoded
 * at once (a line feed never falls inside a UTF-8 character) and handed out with their texts
 * (see `LineChunk`). The buffer grows only for a line longer than it.
 */
class ChunkReader {
  readonly #reader: ByteReader;
  // The byte-order mark is dropped by hand, at the stream's start only, as a streaming decode drops it.
  readonly #decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  // Tried first: an undecodable byte throws rather than leaving a U+FFFD to search for.
  readonly #strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  #buffer: ArrayBuffer;
  /** Bytes at the buffer's start: the last chunk's (up to `#end`), then a partial line. */
  #filled = 0;
  #end = 0;
  #start = true;

  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly size: number,
  ) {
    this.#reader = ByteReader.of(body);
    this.#buffer = new ArrayBuffer(2 * size);
  }

  /** The next read's lines (none is empty), or null at the end of the stream. */
  async next(): Promise<LineChunk | null> {
    const reader = this.#reader;
    for (;;) {
      // The caller is done with the last chunk's bytes: the partial line after them moves to the front.
      const held = this.#filled - this.#end;
      if (this.#end > 0) new Uint8Array(this.#buffer).copyWithin(0, this.#end, this.#filled);
      this.#filled = held;
      this.#end = 0;
      if (this.#buffer.byteLength - held < this.size) this.#buffer = grown(this.#buffer, held, held + this.size);
      let piece = await reader.read(this.#buffer, this.size, held);
      const last = piece === null;
      if (!piece) {
        if (held === 0) return null;
        // The last read took the buffer, the partial line with it: the end hands it back. The
        // last line gets the line feed it lacks (there is room: a read found it).
        if (reader.fillsBuffers) this.#buffer = reader.endBuffer!;
        piece = new Uint8Array(this.#buffer, held, 1);
        piece[0] = 0x0a;
      } else if (reader.fillsBuffers) this.#buffer = piece.buffer as ArrayBuffer;
      else {
        // A stream's own chunk: copied after the partial line.
        if (this.#buffer.byteLength - held < piece.byteLength) this.#buffer = grown(this.#buffer, held, held + piece.byteLength);
        const own = piece;
        piece = new Uint8Array(this.#buffer, held, own.byteLength);
        piece.set(own);
      }
      this.#filled = held + piece.byteLength;
      const newline = piece.lastIndexOf(0x0a);
      if (newline === -1) continue;
      this.#end = held + newline + 1;
      const bytes = new Uint8Array(this.#buffer, 0, this.#end);
      let text: string;
      let exact = !last;
      try {
        text = this.#strict.decode(bytes);
      } catch {
        text = this.#decoder.decode(bytes);
        exact = false;
      }
      if (this.#start && text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        exact = false;
      }
      this.#start = false;
      const texts: string[] = [];
      if (!splitLines(text, texts)) exact = false;
      if (texts.length > 0) return exact ? { texts, bytes } : { texts };
      if (last) return null;
    }
  }

  release(): void {
    this.#reader.release();
  }
}

/** A larger buffer holding the first `held` bytes of `buffer`. */
function grown(buffer: ArrayBuffer, held: number, least: number): ArrayBuffer {
  const larger = new ArrayBuffer(Math.max(2 * buffer.byteLength, least));
  new Uint8Array(larger).set(new Uint8Array(buffer, 0, held));
  return larger;
}

/**
 * Pushes the non-blank lines of `text` (which ends with a line feed) onto `lines`, each
 * without its carriage return; whether they are the text exactly (none left out, no carriage
 * return taken off).
 */
function splitLines(text: string, lines: string[]): boolean {
  let whole = true;
  let from = 0;
  for (let newline = text.indexOf("\n"); newline !== -1; newline = text.indexOf("\n", from)) {
    let to = newline;
    if (to > from && text.charCodeAt(to - 1) === 13) {
      to--;
      whole = false;
    }
    const line = text.slice(from, to);
    if (to > from && !isBlank(line)) lines.push(line);
    else whole = false;
    from = newline + 1;
  }
  return whole;
}

/**
 * Yields each line of a JSONL byte stream, parsed. A line that is not JSON throws.
 *
 * After the end, an error or `return()` the stream's lock is released. A generator again (it
 * was a hand-written iterator, to save a suspension per line): the paths that read many lines
 * (the vault, the results route) now take whole chunks through `readLineChunks`, and the
 * iterator's bytes did not fit the bundle's 100 KiB.
 *
 * @example
 * for await (const row of readJsonLines<{ custom_id: string }>(body)) seen.add(row.custom_id);
 */
export async function* readJsonLines<T = unknown>(body: ReadableStream<Uint8Array>): AsyncGenerator<T> {
  for await (const { texts } of readLineChunks(body)) for (const text of texts) yield JSON.parse(text) as T;
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
 * A caller whose every chunk costs more than its lines' own work (the vault's Anthropic
 * results) asks for larger reads.
 */
const CHUNK_READ_BYTES = 64 * 1024;

/** Whether a line holds only whitespace; one that opens like a JSON object, array or string (nearly every line) is not, without a trim. */
function isBlank(line: string): boolean {
  const first = line.charCodeAt(0);
  if (first === 0x7b || first === 0x5b || first === 0x22) return false;
  return line.trim().length === 0;
}

import { concatBytes } from "../lib/concat-bytes";

/**
 * The fast path of a streamed create body: a byte scan that finds each element of
 * `{"requests": [ … ]}` and `JSON.parse`s it alone, instead of a streaming JSON parser's token
 * by token walk (the parser took about a fifth of a create's CPU in issue 15's profiles).
 *
 * It knows only the well-formed shape. At anything else (another top-level key, an element
 * that is not valid JSON or not UTF-8, bytes after the end, a body that ends early), it stops
 * and says how to hand over to the streaming parser so that the parser sees exactly what it
 * would have seen from the first byte: `handover(chunk)` is a text as long as every byte before
 * `chunk` and in the same parser state (the elements already read stand as `{}`, the element
 * under way as its own bytes); the parser is then given `chunk` and the rest, and its answers
 * (errors with their positions included) are the ones it always gave. The caller skips the
 * values it had already taken from this path.
 *
 * Beside each value it keeps the element's own bytes and how many object members (`"key":`)
 * they hold (`raws`, `members`): a value with as many keys as its text has members had no
 * duplicate key, so its bytes say exactly what the value says and may be forwarded as they are.
 *
 * @example
 * const splitter = new RequestSplitter();
 * const values = splitter.write(chunk); // null: hand over to the parser (splitter.handover(), then chunk)
 * splitter.raws[0]; // the first value's bytes (a view of `chunk` when it ended there); splitter.members[0]: its members
 */
export class RequestSplitter {
  #decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  /**
   * The current chunk as text when every byte of it is ASCII (then a byte's offset is its
   * character's), "" when not, null until an element ends in it: one decode a chunk instead of
   * one an element.
   */
  #text: string | null = null;
  /** Where the scan is: before the prefix, in the array, after `]`, after `}`. */
  #state: "prefix" | "array" | "closed" | "done" = "prefix";
  /** Bytes before the current chunk. */
  #consumed = 0;
  /** Elements read before the current chunk. */
  #elementsBefore = 0;
  /** Elements read so far. */
  #elements = 0;
  /** In the array: whether an element has ended and its comma (or `]`) is still to come. */
  #afterElement = false;
  /** The element under way: its bytes from earlier chunks, and the scan's position in it. */
  #pieces: Uint8Array[] = [];
  #inElement = false;
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** Members (colons outside strings) of the element under way. */
  #members = 0;
  /** The bytes of each value the last `write` returned, in its order. */
  raws: Uint8Array[] = [];
  /** The members of each value the last `write` returned (colons outside strings in its bytes). */
  members: number[] = [];
  /** State at the start of the current chunk, for `handover`. */
  #chunkStart: { state: "prefix" | "array" | "closed" | "done"; afterElement: boolean; pieces: Uint8Array[]; piecesBytes: number } = {
    state: "prefix",
    afterElement: false,
    pieces: [],
    piecesBytes: 0,
  };

  /** The elements that end in `chunk`, parsed; null when the fast path cannot go on (then `handover`). */
  write(chunk: Uint8Array): unknown[] | null {
    const piecesBytes = this.#pieces.reduce((sum, piece) => sum + piece.byteLength, 0);
    this.#chunkStart = { state: this.#state, afterElement: this.#afterElement, pieces: this.#pieces.slice(), piecesBytes };
    this.#elementsBefore = this.#elements;
    const values: unknown[] = [];
    this.raws = [];
    this.members = [];
    let index = 0;
    if (this.#state === "prefix") {
      // The prefix must be whole in the first chunk (it is, but for a hostile split).
      const end = prefixEnd(chunk);
      if (end === -1) return null;
      index = end;
      this.#state = "array";
    }
    let start = this.#inElement ? 0 : -1;
    // The scan's state in locals (the loop runs once per byte outside strings; a private field
    // read is a brand check each time). `#endElement` and the return paths see them written back.
    let state = this.#state;
    let inElement = this.#inElement;
    let inString = this.#inString;
    let escaped = this.#escaped;
    let depth = this.#depth;
    let members = this.#members;
    this.#text = null;
    const length = chunk.length;
    for (; index < length; index++) {
      if (state === "array") {
        if (inElement) {
          if (inString) {
            // Jump to the closing quote: one that follows an even run of backslashes.
            if (escaped) {
              escaped = false;
              continue;
            }
            const quote = chunk.indexOf(0x22, index);
            const end = quote === -1 ? length : quote;
            let run = 0;
            while (end - 1 - run >= index && chunk[end - 1 - run] === 0x5c) run++;
            if (quote === -1) {
              escaped = run % 2 === 1;
              index = length;
              break;
            }
            index = quote;
            if (run % 2 === 0) inString = false;
            continue;
          }
          const byte = chunk[index]!;
          if (byte === 0x22) inString = true;
          else if (byte === 0x7b || byte === 0x5b) depth++;
          else if (byte === 0x7d || byte === 0x5d) {
            if (depth === 0) {
              // `]` right after an element closes the array.
              if (byte === 0x7d || !this.#endElement(chunk, start, index, values, members)) return null;
              inElement = false;
              state = this.#state = "closed";
              continue;
            }
            depth--;
          } else if (byte === 0x3a) members++;
          else if (byte === 0x2c && depth === 0) {
            if (!this.#endElement(chunk, start, index, values, members)) return null;
            inElement = false;
          }
          continue;
        }
        const byte = chunk[index]!;
        if (isSpace(byte)) continue;
        if (this.#afterElement) {
          if (byte === 0x2c) this.#afterElement = false;
          else if (byte === 0x5d) state = this.#state = "closed";
          else return null;
          continue;
        }
        // An element begins (a `]` here is an empty array or a trailing comma: the parser's call).
        if (byte === 0x5d || byte === 0x2c) return null;
        inElement = this.#inElement = true;
        depth = 0;
        members = 0;
        inString = false;
        escaped = false;
        start = index;
        index--; // scan the first byte as part of the element
        continue;
      }
      const byte = chunk[index]!;
      if (isSpace(byte)) continue;
      if (state === "closed" && byte === 0x7d) {
        state = this.#state = "done";
        continue;
      }
      return null;
    }
    this.#inString = inString;
    this.#escaped = escaped;
    this.#depth = depth;
    this.#members = members;
    this.#inElement = inElement;
    this.#text = null;
    if (inElement) this.#pieces.push(chunk.subarray(Math.max(start, 0)));
    this.#consumed += chunk.byteLength;
    return values;
  }

  /**
   * What the streaming parser is given before the chunk the fast path stopped at: as many
   * bytes as came before it, in the same state. Null when nothing came before (the parser
   * then starts from the chunk itself).
   */
  handover(): Uint8Array[] | null {
    if (this.#consumed === 0) return null;
    const at = this.#chunkStart;
    const elements = this.#elementsBefore;
    // Elements read stand as `{}` (each ended on a comma, but the last when one is still due).
    let shape = at.afterElement || at.state === "closed" || at.state === "done" ? `${"{},".repeat(elements - 1)}{}` : "{},".repeat(elements);
    if (at.state === "closed") shape += "]";
    if (at.state === "done") shape += "]}";
    const head = '{"requests":[';
    const padding = this.#consumed - at.piecesBytes - head.length - shape.length;
    const text = head + " ".repeat(Math.max(0, padding)) + shape;
    return [new TextEncoder().encode(text), ...at.pieces];
  }

  /** The values the caller has taken: those of every chunk before the one handed over. */
  get taken(): number {
    return this.#elementsBefore;
  }

  /**
   * The body has ended: true when it closed as it should; false when the parser must have
   * its say (`handover` then describes every byte read).
   */
  end(): boolean {
    if (this.#state === "done") return true;
    this.write(new Uint8Array(0));
    return false;
  }

  #endElement(chunk: Uint8Array, start: number, end: number, values: unknown[], members: number): boolean {
    const tail = chunk.subarray(Math.max(start, 0), end);
    let text: string;
    let raw = tail;
    try {
      if (this.#pieces.length === 0) {
        this.#text ??= asciiText(chunk);
        text = this.#text === "" ? this.#decoder.decode(tail) : this.#text.slice(Math.max(start, 0), end);
      } else {
        const bytes = concatBytes([...this.#pieces, tail]);
        raw = bytes;
        text = this.#decoder.decode(bytes);
      }
      values.push(JSON.parse(text));
      this.raws.push(raw);
      this.members.push(members);
    } catch {
      return false;
    }
    this.#pieces = [];
    this.#inElement = false;
    this.#afterElement = true;
    if (chunk[end] === 0x2c) this.#afterElement = false;
    this.#elements++;
    return true;
  }
}

const looseDecoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/**
 * `bytes` as text when they are all ASCII, else "". Decoded without `fatal` (a bad byte becomes
 * U+FFFD, one character): the text has as many characters as bytes, none of them U+FFFD, only
 * when no byte was part of a longer sequence or invalid.
 */
function asciiText(bytes: Uint8Array): string {
  const text = looseDecoder.decode(bytes);
  return text.length === bytes.byteLength && !text.includes("\uFFFD") ? text : "";
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

const PREFIX_KEY = new TextEncoder().encode('"requests"');

/** Where `{ "requests" : [` (JSON whitespace anywhere between) ends in `chunk`, or -1. */
function prefixEnd(chunk: Uint8Array): number {
  let index = 0;
  const skip = () => {
    while (index < chunk.length && isSpace(chunk[index]!)) index++;
  };
  skip();
  if (chunk[index] !== 0x7b) return -1;
  index++;
  skip();
  for (const byte of PREFIX_KEY) {
    if (chunk[index] !== byte) return -1;
    index++;
  }
  skip();
  if (chunk[index] !== 0x3a) return -1;
  index++;
  skip();
  if (chunk[index] !== 0x5b) return -1;
  return index + 1;
}

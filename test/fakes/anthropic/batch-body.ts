/**
 * Reads a batch create body, `{"requests":[...]}`, as it streams in: each element of `requests`
 * is cut out and parsed on its own, so a 256 MB body never sits in memory. The scanner tracks
 * only what it must to find element boundaries (string, escape and bracket state); each element
 * is then checked by `JSON.parse`, so malformed JSON inside an element is still caught.
 *
 * Errors use the API's pydantic wording ("requests: Field required", "<key>: Extra inputs are
 * not permitted", docs/reference/provider-apis.md §2.2 and the brief); the message for a body that is not JSON is not
 * confirmed, so chosen.
 */
import { ApiError } from "./http.ts";

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

type Phase = "start" | "key" | "nextKey" | "keyString" | "colon" | "value" | "array" | "afterArray" | "end";

export class BatchBodyScanner {
  #phase: Phase = "start";
  #key = "";
  #keyEscaped = false;
  #element = "";
  #elementOpen = false;
  #nesting = 0;
  #inString = false;
  #escaped = false;
  #afterComma = false;
  #sawRequests = false;
  /** Elements of `requests` read so far. */
  count = 0;

  /**
   * Feeds the next piece of the body; returns the elements of `requests` it completed, parsed.
   *
   * @example
   * const scanner = new BatchBodyScanner();
   * scanner.push('{"requests":[{"custom_id":"a"},'); // [{ custom_id: "a" }]
   * scanner.push('{"custom_id":"b"}]}');             // [{ custom_id: "b" }]
   * scanner.end();
   */
  push(text: string): unknown[] {
    const items: unknown[] = [];
    let i = 0;
    while (i < text.length) {
      if (this.#phase === "array") {
        i = this.#scanArray(text, i, items);
        continue;
      }
      const char = text[i]!;
      i += 1;
      if (this.#phase === "keyString") {
        this.#readKey(char);
        continue;
      }
      if (char === " " || char === "\n" || char === "\r" || char === "\t") continue;
      this.#step(char);
    }
    return items;
  }

  /** The body is complete: throws when it stopped short. */
  end(): void {
    if (this.#phase !== "end") throw invalidJson();
  }

  #step(char: string): void {
    switch (this.#phase) {
      case "start":
        if (char !== "{") throw ApiError.invalid("Input should be a valid dictionary or object to extract fields from");
        this.#phase = "key";
        return;
      case "key":
      case "nextKey":
        // Only `{}` closes before a key: `requests` is missing.
        if (char === "}" && this.#phase === "key") throw ApiError.invalid("requests: Field required");
        if (char !== '"') throw invalidJson();
        this.#key = "";
        this.#phase = "keyString";
        return;
      case "colon": {
        if (char !== ":") throw invalidJson();
        const key = JSON.parse(`"${this.#key}"`) as string;
        if (key !== "requests" || this.#sawRequests) throw ApiError.invalid(`${key}: Extra inputs are not permitted`);
        this.#phase = "value";
        return;
      }
      case "value":
        if (char !== "[") throw ApiError.invalid("requests: Input should be a valid list");
        this.#sawRequests = true;
        this.#phase = "array";
        return;
      case "afterArray":
        if (char === "}") this.#phase = "end";
        else if (char === ",") this.#phase = "nextKey";
        else throw invalidJson();
        return;
      default:
        throw invalidJson();
    }
  }

  #readKey(char: string): void {
    if (this.#keyEscaped) this.#keyEscaped = false;
    else if (char === "\\") this.#keyEscaped = true;
    else if (char === '"') {
      this.#phase = "colon";
      return;
    }
    this.#key += char;
  }

  /**
   * Scans inside `requests` from `i`; returns where it stopped (the chunk's end, or past `]`).
   * State lives in locals while scanning (this loop sees every byte of the batch), and strings,
   * most of a batch, are skipped with `indexOf` rather than char by char.
   */
  #scanArray(text: string, i: number, items: unknown[]): number {
    let inString = this.#inString;
    let escaped = this.#escaped;
    let nesting = this.#nesting;
    let segmentStart = this.#elementOpen ? i : -1;
    const length = text.length;
    try {
      while (i < length) {
        if (inString) {
          if (escaped) {
            escaped = false;
            i += 1;
            continue;
          }
          const quote = text.indexOf('"', i);
          if (quote < 0) {
            // The string goes on in the next chunk; an odd run of backslashes escapes its first char.
            escaped = backslashesBefore(text, length, i) % 2 === 1;
            i = length;
            break;
          }
          if (backslashesBefore(text, quote, i) % 2 === 0) inString = false;
          i = quote + 1;
          continue;
        }
        const code = text.charCodeAt(i);
        if (nesting === 0 && (code === COMMA || code === CLOSE_BRACKET)) {
          if (segmentStart >= 0) {
            items.push(this.#parse(this.#element + text.slice(segmentStart, i)));
            this.#element = "";
            segmentStart = -1;
          } else if (code === COMMA || this.#afterComma) {
            throw invalidJson();
          }
          this.#afterComma = code === COMMA;
          if (code === CLOSE_BRACKET) {
            this.#phase = "afterArray";
            return i + 1;
          }
        } else if (segmentStart >= 0 || !(code === 32 || code === 10 || code === 13 || code === 9)) {
          if (segmentStart < 0) segmentStart = i;
          if (code === QUOTE) inString = true;
          else if (code === OPEN_BRACE || code === OPEN_BRACKET) nesting += 1;
          else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) nesting -= 1;
        }
        i += 1;
      }
      if (segmentStart >= 0) this.#element += text.slice(segmentStart);
      return i;
    } finally {
      this.#inString = inString;
      this.#escaped = escaped;
      this.#nesting = nesting;
      this.#elementOpen = segmentStart >= 0;
    }
  }

  #parse(raw: string): unknown {
    this.count += 1;
    try {
      return JSON.parse(raw);
    } catch {
      throw invalidJson();
    }
  }
}

/** How many backslashes stand right before `end`, not looking before `start`. */
function backslashesBefore(text: string, end: number, start: number): number {
  let count = 0;
  for (let at = end - 1; at >= start && text.charCodeAt(at) === BACKSLASH; at--) count += 1;
  return count;
}

function invalidJson(): ApiError {
  return ApiError.invalid("The request body is not valid JSON");
}

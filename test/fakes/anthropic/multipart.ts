/**
 * A streaming `multipart/form-data` reader for uploads: it learns each part's name, filename,
 * content type and size without holding file bytes (a 500 MB upload passes through in constant
 * memory). Only small text fields keep their value.
 */
import { ApiError } from "./http.ts";

export interface PartInfo {
  name: string;
  filename: string | null;
  contentType: string | null;
  size: number;
  /** The text of a part that is not a file. */
  value: string | null;
}

const CRLF = new Uint8Array([13, 10]);
const HEADER_END = new Uint8Array([13, 10, 13, 10]);
const DASH = 45;
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_FIELD_BYTES = 64 * 1024;

/**
 * The boundary of a multipart content type, or `null` when it is not multipart/form-data.
 *
 * @example
 * boundaryOf('multipart/form-data; boundary="abc"') // "abc"
 */
export function boundaryOf(contentType: string | null): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

/**
 * Reads every part of `body`. Throws `ApiError` 400 for a malformed body and 413 past `maxBytes`.
 *
 * @example
 * const parts = await readParts(request.body!, boundary, 500 * 1024 * 1024);
 * parts[0] // { name: "file", filename: "a.txt", contentType: "text/plain", size: 5, value: null }
 */
export async function readParts(body: ReadableStream<Uint8Array>, boundary: string, maxBytes: number): Promise<PartInfo[]> {
  // The first delimiter has no CRLF before it; pretending it had one makes every delimiter alike.
  const delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
  const decoder = new TextDecoder();
  const parts: PartInfo[] = [];
  let part: PartInfo | null = null;
  let fieldBytes: Uint8Array[] = [];
  let phase: "preamble" | "afterDelimiter" | "headers" | "body" | "done" = "preamble";
  let buffer: Uint8Array = CRLF;
  let total = 0;

  const append = (data: Uint8Array) => {
    if (!part || data.length === 0) return;
    part.size += data.length;
    if (part.filename === null && part.size <= MAX_FIELD_BYTES) fieldBytes.push(data.slice());
  };

  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) throw new ApiError(413, "request_too_large", `Request exceeds the maximum allowed size of ${maxBytes} bytes`);
      buffer = concat(buffer, value);
      for (;;) {
        if (phase === "preamble" || phase === "body") {
          const at = indexOf(buffer, delimiter);
          if (at < 0) {
            const keep = delimiter.length - 1;
            if (phase === "body") append(buffer.subarray(0, Math.max(0, buffer.length - keep)));
            buffer = buffer.subarray(Math.max(0, buffer.length - keep));
            break;
          }
          if (phase === "body" && part) {
            append(buffer.subarray(0, at));
            if (part.filename === null) part.value = decoder.decode(concatAll(fieldBytes));
            parts.push(part);
            part = null;
          }
          buffer = buffer.subarray(at + delimiter.length);
          phase = "afterDelimiter";
        } else if (phase === "afterDelimiter") {
          if (buffer.length < 2) break;
          if (buffer[0] === DASH && buffer[1] === DASH) {
            phase = "done";
            break;
          }
          if (buffer[0] !== CRLF[0] || buffer[1] !== CRLF[1]) throw malformed();
          buffer = buffer.subarray(2);
          phase = "headers";
        } else if (phase === "headers") {
          const at = indexOf(buffer, HEADER_END);
          if (at < 0) {
            if (buffer.length > MAX_HEADER_BYTES) throw malformed();
            break;
          }
          part = partFromHeaders(decoder.decode(buffer.subarray(0, at)));
          fieldBytes = [];
          buffer = buffer.subarray(at + HEADER_END.length);
          phase = "body";
        } else {
          break;
        }
      }
      if (phase === "done") break;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  if (phase !== "done") throw malformed();
  return parts;
}

function partFromHeaders(text: string): PartInfo {
  let disposition = "";
  let contentType: string | null = null;
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = value;
    if (name === "content-type") contentType = value;
  }
  if (!/^form-data\s*;/i.test(disposition)) throw malformed();
  const name = parameterOf(disposition, "name");
  if (name === null) throw malformed();
  return { name, filename: parameterOf(disposition, "filename"), contentType, size: 0, value: null };
}

function parameterOf(disposition: string, key: string): string | null {
  const match = new RegExp(`;\\s*${key}=(?:"([^"]*)"|([^;\\s]*))`, "i").exec(disposition);
  return match ? (match[1] ?? match[2] ?? "") : null;
}

function malformed(): ApiError {
  return ApiError.invalid("Invalid multipart/form-data body");
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0]!;
  for (let at = haystack.indexOf(first); at >= 0 && at <= haystack.length - needle.length; at = haystack.indexOf(first, at + 1)) {
    let matches = true;
    for (let k = 1; k < needle.length; k++) {
      if (haystack[at + k] !== needle[k]) {
        matches = false;
        break;
      }
    }
    if (matches) return at;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

function concatAll(chunks: Uint8Array[]): Uint8Array {
  return chunks.reduce(concat, new Uint8Array(0));
}

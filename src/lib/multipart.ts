/**
 * Streaming `multipart/form-data` request bodies: text fields and one or more file parts whose
 * bytes come from a stream, so an upload is passed upstream without being held in memory.
 */
import { ByteReader } from "./byte-reader";
import { canTakeDirect, takeDirect } from "./direct-bytes";

export type MultipartField =
  | { name: string; value: string }
  | {
      name: string;
      filename: string;
      contentType: string;
      body: ReadableStream<Uint8Array>;
      /** The file's exact size when known: then the whole body has a Content-Length. */
      size?: number | null;
    };

export interface MultipartBody {
  body: ReadableStream<Uint8Array>;
  contentType: string;
}

/**
 * Encodes `fields` as a streamed multipart body, in order.
 *
 * @example
 * const { body, contentType } = multipartBody([
 *   { name: "purpose", value: "batch" },
 *   { name: "file", filename: "input.jsonl", contentType: "application/jsonl", body: jsonl },
 * ]);
 * await fetch(url, { method: "POST", body, headers: { "content-type": contentType }, duplex: "half" } as RequestInit);
 */
export function multipartBody(fields: readonly MultipartField[]): MultipartBody {
  const boundary = newBoundary();
  const encoder = new TextEncoder();
  const heads = fields.map((field) => encoder.encode(partHead(boundary, field)));
  const tail = encoder.encode(closingDelimiter(boundary));
  const contentType = multipartContentType(boundary);
  const length = knownLength(fields, heads, tail);
  const native = nativeBody(fields, heads, tail, length);
  if (native) return { body: native, contentType };
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const pump = async () => {
    const writer = writable.getWriter();
    try {
      for (const [index, field] of fields.entries()) {
        await writer.write(heads[index]!);
        if ("value" in field) continue;
        const reader = field.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          await writer.write(value);
        }
        await writer.write(encoder.encode("\r\n"));
      }
      await writer.write(tail);
      await writer.close();
    } catch (error) {
      // Not awaited: an abort waits for the write in flight, whose reader may be gone.
      writer.abort(error).catch(() => {});
    }
  };
  void pump();
  // With every size known the body gets a Content-Length instead of chunked encoding.
  return { body: length === null ? readable : readable.pipeThrough(new FixedLengthStream(length)), contentType };
}

/** Size of the buffer a file part's byte stream is read into. */
const COPY_BUFFER_BYTES = 1024 * 1024;

/**
 * The body as a runtime-native stream, when every file's body is a byte stream: `fetch` then
 * reads it without a JS stream between. An uploaded file (src/lib/multipart-upload.ts) writes
 * its bytes straight into it (src/lib/direct-bytes.ts); another byte stream is copied in large
 * reads through one reused buffer (a write to an IdentityTransformStream resolves once its bytes
 * have been taken). Null for bodies built in JS, which keep the TransformStream above.
 */
function nativeBody(fields: readonly MultipartField[], heads: Uint8Array[], tail: Uint8Array, length: number | null): ReadableStream<Uint8Array> | null {
  const readers: (ByteReader | null)[] = [];
  for (const field of fields) {
    // Fields and files whose producer writes into this body directly need no reader.
    if ("value" in field || canTakeDirect(field.body)) {
      readers.push(null);
      continue;
    }
    const byob = ByteReader.tryByob(field.body);
    if (!byob) {
      for (const reader of readers) reader?.release();
      return null;
    }
    readers.push(ByteReader.from(byob));
  }
  const { readable, writable } = length === null ? new IdentityTransformStream() : new FixedLengthStream(length);
  const writer = writable.getWriter();
  writer.closed.catch(() => {});
  const pump = async () => {
    try {
      for (const [index, field] of fields.entries()) {
        await writer.write(heads[index]!);
        if ("value" in field) continue;
        const reader = readers[index];
        if (reader) {
          let buffer = new ArrayBuffer(COPY_BUFFER_BYTES);
          for (let piece = await reader.read(buffer); piece; piece = await reader.read(buffer)) {
            await writer.write(piece);
            buffer = piece.buffer as ArrayBuffer;
          }
        } else {
          const write = takeDirect(field.body);
          if (!write) throw new Error("the file's stream was read by someone else");
          await write(writer as WritableStreamDefaultWriter<Uint8Array>);
        }
        await writer.write(CRLF);
      }
      await writer.write(tail);
      await writer.close();
    } catch (error) {
      writer.abort(error).catch(() => {});
      await Promise.all(readers.map((reader) => reader?.cancel(error)));
    }
  };
  void pump();
  return readable;
}

const CRLF = new TextEncoder().encode("\r\n");

function knownLength(fields: readonly MultipartField[], heads: Uint8Array[], tail: Uint8Array): number | null {
  let length = tail.byteLength;
  for (const [index, field] of fields.entries()) {
    length += heads[index]!.byteLength;
    if ("value" in field) continue;
    if (field.size === undefined || field.size === null) return null;
    length += field.size + 2;
  }
  return length;
}

/**
 * A fresh boundary for one multipart body: random, so that no file's bytes can contain it.
 *
 * @example
 * const boundary = newBoundary(); // "----batchbridge3f2a…"
 */
export function newBoundary(): string {
  return `----batchbridge${crypto.randomUUID().replaceAll("-", "")}`;
}

/**
 * The `content-type` of a multipart body with `boundary`.
 *
 * @example
 * headers: { "content-type": multipartContentType(boundary) }
 */
export function multipartContentType(boundary: string): string {
  return `multipart/form-data; boundary=${boundary}`;
}

/**
 * What comes before a part's bytes: its delimiter and headers; a text field's value and its
 * line break too. A file part's bytes must be followed by `\r\n`.
 *
 * @example
 * partHead(boundary, { name: "purpose", value: "batch" })
 */
export function partHead(boundary: string, field: { name: string; value: string } | { name: string; filename: string; contentType: string }): string {
  return "value" in field
    ? `--${boundary}\r\nContent-Disposition: form-data; name="${quote(field.name)}"\r\n\r\n${field.value}\r\n`
    : `--${boundary}\r\nContent-Disposition: form-data; name="${quote(field.name)}"; filename="${quote(field.filename)}"\r\nContent-Type: ${field.contentType}\r\n\r\n`;
}

/**
 * The close of a multipart body, after the last part's `\r\n`.
 *
 * @example
 * encoder.encode(closingDelimiter(boundary))
 */
export function closingDelimiter(boundary: string): string {
  return `--${boundary}--\r\n`;
}

// Quotes and line breaks would end the header value early (RFC 7578 §2 escapes them).
function quote(value: string): string {
  return value.replaceAll('"', "%22").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

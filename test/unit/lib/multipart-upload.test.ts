/**
 * Uploaded files read out of multipart requests (src/lib/multipart-upload.ts) and passed on in
 * a multipart body (src/lib/multipart.ts): every byte arrives, in order, however the request is
 * cut, whether its body is a byte stream (large BYOB reads into reused buffers) or a stream built
 * in JS; and a body that goes wrong fails the file's stream with the error the client must see.
 */
import { describe, expect, it } from "vitest";
import { ByteReader } from "../../../src/lib/byte-reader";
import { multipartBody } from "../../../src/lib/multipart";
import { readFilePart } from "../../../src/lib/multipart-upload";
import { rejectionOf } from "../support/helpers";

const BOUNDARY = "----testboundary7f3a";
const encoder = new TextEncoder();

/** Bytes full of near-boundaries (`\r\n--` and most of the boundary), so that reads cut them. */
function trickyBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let seed = 7;
  for (let index = 0; index < size; index++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    bytes[index] = seed >>> 24;
  }
  const near = encoder.encode(`\r\n--${BOUNDARY.slice(0, -1)}`);
  for (let offset = 1000; offset + near.length < size; offset += 65_521) {
    bytes.set(near, offset);
    // Never the boundary's last character: a near-boundary, not a real one.
    bytes[offset + near.length] = 0x62;
  }
  return bytes;
}

function multipartOf(file: Uint8Array, { tail = true } = {}): Uint8Array {
  const head = encoder.encode(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nuser_data\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const end = tail ? encoder.encode(`\r\n--${BOUNDARY}--\r\n`) : new Uint8Array(0);
  const body = new Uint8Array(head.length + file.length + end.length);
  body.set(head);
  body.set(file, head.length);
  body.set(end, head.length + file.length);
  return body;
}

/** A byte stream (as a request body is) that hands over `bytes` in pieces of `piece` bytes. */
function byteStreamOf(bytes: Uint8Array, piece: number): ReadableStream<Uint8Array> {
  const { readable, writable } = new IdentityTransformStream();
  void (async () => {
    const writer = writable.getWriter();
    for (let offset = 0; offset < bytes.length; offset += piece) await writer.write(bytes.slice(offset, offset + piece));
    await writer.close();
  })().catch(() => {});
  return readable;
}

/** A stream built in JS (no BYOB reads) with the same pieces. */
function jsStreamOf(bytes: Uint8Array, piece: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + piece));
      offset += piece;
    },
  });
}

function requestOf(body: ReadableStream<Uint8Array>): Request {
  return new Request("https://gateway.test/v1/files", {
    method: "POST",
    headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
    body,
  });
}

/** The first index where `a` and `b` differ, or -1 (`toEqual` on megabytes is slow). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) if (a[index] !== b[index]) return index;
  return a.length === b.length ? -1 : length;
}

/** Reads a stream slowly (a pause per read), as an upstream that takes its time. */
async function readSlowly(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pieces.push(value);
    if (pieces.length % 64 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const out = new Uint8Array(pieces.reduce((total, piece) => total + piece.length, 0));
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}

describe("readFilePart", () => {
  const file = trickyBytes(5 * 1024 * 1024 + 17);
  const sources = [
    { name: "a byte stream in 1 KiB pieces", stream: () => byteStreamOf(multipartOf(file), 1024) },
    { name: "a byte stream in 300,007-byte pieces", stream: () => byteStreamOf(multipartOf(file), 300_007) },
    { name: "a stream built in JS in 4 KiB pieces", stream: () => jsStreamOf(multipartOf(file), 4096) },
  ];

  it.each(sources)("passes a file larger than the prefetch on byte for byte, from $name", async ({ stream }) => {
    const part = await readFilePart(requestOf(stream()), "file", { maxFileBytes: 10 * 1024 * 1024, prefetchBytes: 64 * 1024 });
    expect(part).toMatchObject({ filename: "a.bin", contentType: "application/octet-stream", sizeBytes: null });
    const received = await readSlowly(part.body);
    expect(received.length).toBe(file.length);
    expect(firstDifference(received, file)).toBe(-1);
    expect(part.failure()).toBeNull();
  }, 60_000);

  it("knows the size of a file that ends within the prefetch, and hands it on whole", async () => {
    const small = trickyBytes(200_000);
    const part = await readFilePart(requestOf(byteStreamOf(multipartOf(small), 5000)), "file", { maxFileBytes: 1024 * 1024 });
    expect(part.sizeBytes).toBe(small.length);
    expect(firstDifference(await readSlowly(part.body), small)).toBe(-1);
  });

  it("hands the file on as a byte stream: a BYOB reader gets large pieces", async () => {
    const part = await readFilePart(requestOf(byteStreamOf(multipartOf(file), 1024)), "file", { maxFileBytes: 10 * 1024 * 1024, prefetchBytes: 64 * 1024 });
    const reader = ByteReader.of(part.body);
    expect(reader.fillsBuffers).toBe(true);
    let total = 0;
    let reads = 0;
    for (let piece = await reader.read(new ArrayBuffer(1 << 20)); piece; piece = await reader.read(new ArrayBuffer(1 << 20))) {
      total += piece.length;
      reads++;
    }
    expect(total).toBe(file.length);
    expect(reads).toBeLessThan(file.length / (128 * 1024));
  });

  it("fails the file's stream with a 400 when the body ends in the middle of the file, after the prefetch", async () => {
    const part = await readFilePart(requestOf(byteStreamOf(multipartOf(file, { tail: false }), 65_536)), "file", {
      maxFileBytes: 10 * 1024 * 1024,
      prefetchBytes: 64 * 1024,
    });
    await rejectionOf(readSlowly(part.body));
    expect(part.failure()).toMatchObject({ status: 400, message: "The multipart body ended before its closing boundary." });
  });

  it("fails the file's stream with a 413 when the file goes over the limit after the prefetch", async () => {
    const part = await readFilePart(requestOf(byteStreamOf(multipartOf(file), 65_536)), "file", { maxFileBytes: 1024 * 1024, prefetchBytes: 64 * 1024 });
    await rejectionOf(readSlowly(part.body));
    expect(part.failure()).toMatchObject({ status: 413, type: "request_too_large", message: "File too large: the limit is 1048576 bytes." });
  });

  it("refuses a file over the limit within the prefetch at once with a 413", async () => {
    const error = await rejectionOf(readFilePart(requestOf(byteStreamOf(multipartOf(file), 65_536)), "file", { maxFileBytes: 1024 * 1024 }));
    expect(error).toMatchObject({ status: 413, message: "File too large: the limit is 1048576 bytes." });
  });

  it("stops reading the request when the file's reader cancels", async () => {
    let pulled = 0;
    const whole = multipartOf(file);
    const { readable, writable } = new IdentityTransformStream();
    const writer = writable.getWriter();
    const writing = (async () => {
      for (let offset = 0; offset < whole.length; offset += 65_536) {
        await writer.write(whole.slice(offset, offset + 65_536));
        pulled += 65_536;
      }
      await writer.close();
    })();
    const part = await readFilePart(requestOf(readable), "file", { maxFileBytes: 10 * 1024 * 1024, prefetchBytes: 64 * 1024 });
    await part.body.cancel();
    await rejectionOf(writing);
    expect(pulled).toBeLessThan(whole.length);
  });
});

describe("multipartBody with an uploaded file", () => {
  it("sends the fields, then the file byte for byte, then the closing delimiter, with a Content-Length when the size is known", async () => {
    const file = trickyBytes(3 * 1024 * 1024 + 5);
    for (const size of [null, file.length]) {
      const { body, contentType } = multipartBody([
        { name: "purpose", value: "user_data" },
        { name: "file", filename: "a.bin", contentType: "application/octet-stream", body: byteStreamOf(file, 7000), size },
      ]);
      const boundary = contentType.split("boundary=")[1]!;
      const sent = new Uint8Array(await new Response(body).arrayBuffer());
      const head = encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nuser_data\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      );
      const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
      expect(sent.length).toBe(head.length + file.length + tail.length);
      expect(sent.subarray(0, head.length)).toEqual(head);
      expect(firstDifference(sent.subarray(head.length, head.length + file.length), file)).toBe(-1);
      expect(sent.subarray(head.length + file.length)).toEqual(tail);
    }
  }, 60_000);

  it("takes an uploaded file's bytes straight from the request, byte for byte, and fails when the request does", async () => {
    const file = trickyBytes(4 * 1024 * 1024 + 3);
    const limits = { maxFileBytes: 10 * 1024 * 1024, prefetchBytes: 64 * 1024 };
    const part = await readFilePart(requestOf(byteStreamOf(multipartOf(file), 1500)), "file", limits);
    const { body, contentType } = multipartBody([{ name: "file", filename: part.filename, contentType: part.contentType, body: part.body, size: part.sizeBytes }]);
    const boundary = contentType.split("boundary=")[1]!;
    const sent = new Uint8Array(await new Response(body).arrayBuffer());
    const head = encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    expect(sent.length).toBe(head.length + file.length + `\r\n--${boundary}--\r\n`.length);
    expect(firstDifference(sent.subarray(head.length, head.length + file.length), file)).toBe(-1);
    // The file's own stream was never read: its bytes went straight into the multipart body.
    expect(part.body.locked).toBe(false);

    const truncated = await readFilePart(requestOf(byteStreamOf(multipartOf(file, { tail: false }), 1500)), "file", limits);
    const failing = multipartBody([{ name: "file", filename: "a.bin", contentType: "application/octet-stream", body: truncated.body }]);
    await rejectionOf(new Response(failing.body).arrayBuffer());
    expect(truncated.failure()).toMatchObject({ status: 400, message: "The multipart body ended before its closing boundary." });
  }, 60_000);

  it("fails its body when the file's stream fails", async () => {
    const { readable, writable } = new IdentityTransformStream();
    const writer = writable.getWriter();
    void writer.write(new Uint8Array(1000)).then(() => writer.abort(new Error("truncated")));
    const { body } = multipartBody([{ name: "file", filename: "a.bin", contentType: "application/octet-stream", body: readable }]);
    await rejectionOf(new Response(body).arrayBuffer());
  });
});

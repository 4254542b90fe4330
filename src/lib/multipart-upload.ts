/**
 * Reads one file field out of a `multipart/form-data` request as a stream, with backpressure:
 * the request body is read only as fast as the file's consumer (the upstream upload) reads, so
 * a 500 MB upload passes through holding what was prefetched and then two read buffers.
 * The request is read in pieces of a few hundred KiB (src/lib/byte-reader.ts), and the file's
 * bytes are handed on as views of those pieces, without copies, through an
 * IdentityTransformStream: a write there resolves once the reader has taken the bytes, so the
 * two buffers are reused while streaming. The upstream multipart body (src/lib/multipart.ts)
 * takes the writing over (src/lib/direct-bytes.ts), so that the bytes go from the request's
 * reads into the stream `fetch` reads natively, with no stream between. Parsing is multipasta's.
 */
import * as Multipart from "multipasta";
import { ByteReader } from "./byte-reader";
import { offerDirect } from "./direct-bytes";
import { GatewayError } from "./errors";

export interface UploadedFilePart {
  filename: string;
  contentType: string;
  /** A byte stream (it supports BYOB reads); each chunk read is the reader's own. */
  body: ReadableStream<Uint8Array>;
  /** Known when the whole file arrived within the prefetch; null for larger files. */
  sizeBytes: number | null;
  /**
   * Why `body` failed, if it did (truncated, over the limit): the upstream call reading it
   * then fails too, but this is the error the client should see.
   */
  failure(): GatewayError | null;
}

export interface UploadLimits {
  /** Largest file accepted, in bytes (a larger one errors the stream with 413). */
  maxFileBytes: number;
  /**
   * Bytes of the file read before returning (default 8 MiB): a file that ends within them
   * is known complete, well-formed and of known size before anything is sent upstream.
   */
  prefetchBytes?: number;
}

/** Why the file's own stream is aborted when its bytes are taken directly (nobody reads it). */
const HANDED_OVER = new Error("the file's bytes were taken directly");

/** Size of each read of the request body. */
const READ_BUFFER_BYTES = 1024 * 1024;

/**
 * Finds the file part named `field` and returns it as a stream.
 *
 * @example
 * const file = await readFilePart(request, "file", { maxFileBytes: 500 * 1024 * 1024 });
 * await fetch(upstream, { method: "POST", body: file.body, duplex: "half" } as RequestInit);
 */
export async function readFilePart(request: Request, field: string, limits: UploadLimits): Promise<UploadedFilePart> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data/i.test(contentType) || !/boundary=/i.test(contentType)) {
    throw GatewayError.invalid("The upload must be multipart/form-data with a boundary, holding the file in a field named file.");
  }
  if (!request.body) throw GatewayError.invalid(`${field}: Field required`);
  const reader = ByteReader.of(request.body);

  let failure: GatewayError | null = null;
  let ended = false;
  let part: { info: Multipart.PartInfo; chunks: Uint8Array[]; done: boolean; size: number } | null = null;

  const parser = Multipart.make({
    headers: { "content-type": contentType },
    maxParts: 100,
    maxPartSize: limits.maxFileBytes,
    maxFieldSize: 1024 * 1024,
    maxTotalSize: limits.maxFileBytes + 100 * 1024 * 1024,
    onField() {},
    onFile(info) {
      if (part !== null || info.name !== field) return () => {};
      const current = { info, chunks: [] as Uint8Array[], done: false, size: 0 };
      part = current;
      return (chunk) => {
        if (chunk === null) current.done = true;
        else {
          current.chunks.push(chunk);
          current.size += chunk.byteLength;
        }
      };
    },
    onError(error) {
      failure ??= multipartError(error, limits);
    },
    onDone() {
      ended = true;
    },
  });

  // Until the prefetch is over every read gets fresh memory: what it holds of the file is kept.
  // While streaming two buffers take turns: the parser keeps at most a view of the previous
  // read (a boundary cut in two), and the file's views of a buffer have been taken by the
  // consumer before the buffer is read into again.
  const spare: (ArrayBuffer | null)[] = [null, null];
  let turn = 0;
  let streaming = false;
  const nextBuffer = (): ArrayBuffer => {
    if (!streaming) return new ArrayBuffer(READ_BUFFER_BYTES);
    turn = 1 - turn;
    return spare[turn] ?? new ArrayBuffer(READ_BUFFER_BYTES);
  };

  // Feeds one read of the request to the parser; false once the request is over.
  const pump = async (): Promise<boolean> => {
    if (ended || failure) return false;
    // Reads fill their buffer: fewer, larger pieces (and held prefetched bytes waste little of it).
    const buffer = nextBuffer();
    const piece = await reader.read(buffer, buffer.byteLength);
    try {
      if (piece === null) {
        parser.end();
        ended = true;
        return false;
      }
      if (streaming && reader.fillsBuffers) spare[turn] = piece.buffer as ArrayBuffer;
      parser.write(piece);
    } catch (error) {
      // The parser throws on some malformed headers (a `filename*` that is not valid
      // percent-encoded UTF-8 throws URIError): the client's fault, a 400, never a 500.
      failure ??= thrownByParser(error);
      return false;
    }
    return true;
  };

  while (part === null && !failure && (await pump()));
  if (failure) throw failure;
  if (part === null) throw GatewayError.invalid(`${field}: Field required (the multipart body has no file part named ${field})`);
  const found: { info: Multipart.PartInfo; chunks: Uint8Array[]; done: boolean; size: number } = part;

  const prefetch = limits.prefetchBytes ?? 8 * 1024 * 1024;
  // Bytes of the file received so far (all of them still held while prefetching).
  const buffered = () => found.size;
  while (!found.done && !failure && buffered() < prefetch && (await pump()));
  if (failure) throw failure;
  if (!found.done && ended) throw GatewayError.invalid("The multipart body ended in the middle of the file.");
  streaming = true;

  // No queue: each write waits until the consumer has read its bytes, which is the
  // backpressure on the request and what lets a read buffer be reused. A consumer that copies
  // the file into a native stream of its own may take the writing over (src/lib/direct-bytes.ts):
  // then the bytes go straight there, and this stream is never read.
  const { readable, writable } = new IdentityTransformStream();
  const own = writable.getWriter();
  own.closed.catch(() => {});
  let sink: WritableStreamDefaultWriter<Uint8Array> = own;
  const forward = async (): Promise<void> => {
    for (;;) {
      while (found.chunks.length > 0) {
        const chunk = found.chunks[0]!;
        const target = sink;
        try {
          if (chunk.byteLength > 0) await target.write(chunk);
        } catch (error) {
          // Handed over while this write waited (unread): the same bytes go to the new sink.
          if (sink !== target) continue;
          throw error;
        }
        found.chunks.shift();
      }
      if (failure) throw failure;
      if (found.done) return;
      if (ended) throw GatewayError.invalid("The multipart body ended in the middle of the file.");
      await pump();
    }
  };
  const finished = forward().then(
    async () => {
      if (sink === own) await own.close();
    },
    async (error: unknown) => {
      // Not awaited: an abort waits for the write in flight, whose reader may be gone.
      if (sink === own) own.abort(error).catch(() => {});
      await reader.cancel();
      throw error;
    },
  );
  finished.catch(() => {});
  offerDirect(readable, (writer) => {
    sink = writer;
    own.abort(HANDED_OVER).catch(() => {});
    return finished;
  });
  return {
    filename: found.info.filename ?? "upload",
    contentType: found.info.contentType || "application/octet-stream",
    body: readable,
    sizeBytes: found.done ? buffered() : null,
    failure: () => failure,
  };
}

function thrownByParser(error: unknown): GatewayError {
  if (error instanceof URIError) {
    return GatewayError.invalid("A part of the multipart body has a malformed Content-Disposition: its filename* is not valid percent-encoded UTF-8.");
  }
  return GatewayError.invalid("The multipart body is malformed and could not be parsed.");
}

function multipartError(error: Multipart.MultipartError, limits: UploadLimits): GatewayError {
  switch (error._tag) {
    case "ReachedLimit":
      if (error.limit === "MaxPartSize" || error.limit === "MaxTotalSize") {
        return new GatewayError(413, "request_too_large", `File too large: the limit is ${limits.maxFileBytes} bytes.`);
      }
      return GatewayError.invalid(`The multipart body is over a limit (${error.limit}).`);
    case "InvalidBoundary":
      return GatewayError.invalid("The multipart body does not match its boundary.");
    case "BadHeaders":
      return GatewayError.invalid("A part of the multipart body has malformed headers.");
    case "InvalidDisposition":
      return GatewayError.invalid("A part of the multipart body has no valid Content-Disposition.");
    case "EndNotReached":
      return GatewayError.invalid("The multipart body ended before its closing boundary.");
  }
}

/**
 * Reads one file field out of a `multipart/form-data` request as a stream, with backpressure:
 * the request body is read only as fast as the file's consumer (the upstream upload) pulls,
 * so a 500 MB upload passes through holding what was prefetched and then about 64 KiB at a time
 * (request chunks of a few KiB are handed on merged). Parsing is multipasta's.
 */
import * as Multipart from "multipasta";
import { GatewayError } from "./errors";

export interface UploadedFilePart {
  filename: string;
  contentType: string;
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
  const reader = request.body.getReader();

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

  // Feeds one chunk of the request to the parser; false once the request is over.
  const pump = async (): Promise<boolean> => {
    if (ended || failure) return false;
    const { done, value } = await reader.read();
    try {
      if (done) {
        parser.end();
        ended = true;
        return false;
      }
      parser.write(value);
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

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Requests arrive in chunks of a few KiB; each chunk handed on costs a hop through every
        // stream after this one (the multipart encoder, the upstream fetch), so they are handed
        // on merged, about OUT_CHUNK_BYTES at a time (the prefetched ones too).
        while (!reaches(found.chunks, OUT_CHUNK_BYTES) && !found.done && !failure && (await pump()));
        if (failure) {
          controller.error(failure);
          return;
        }
        if (found.chunks.length > 0) controller.enqueue(takeMerged(found.chunks, OUT_CHUNK_BYTES));
        if (found.done) {
          if (found.chunks.length === 0) controller.close();
        } else if (ended) controller.error(GatewayError.invalid("The multipart body ended in the middle of the file."));
      },
      async cancel() {
        await reader.cancel().catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
  return {
    filename: found.info.filename ?? "upload",
    contentType: found.info.contentType || "application/octet-stream",
    body,
    sizeBytes: found.done ? buffered() : null,
    failure: () => failure,
  };
}

/** Size of the chunks the file part is handed on in (the last one may be smaller). */
const OUT_CHUNK_BYTES = 64 * 1024;

/** Whether `chunks` hold at least `size` bytes (counting no further than needed). */
function reaches(chunks: readonly Uint8Array[], size: number): boolean {
  let total = 0;
  for (const chunk of chunks) {
    total += chunk.byteLength;
    if (total >= size) return true;
  }
  return false;
}

/** Removes chunks from the front of `chunks` until they make `size` bytes (or none is left), and returns them as one. */
function takeMerged(chunks: Uint8Array[], size: number): Uint8Array {
  let count = 0;
  let total = 0;
  while (count < chunks.length && total < size) total += chunks[count++]!.byteLength;
  const taken = chunks.splice(0, count);
  if (taken.length === 1) return taken[0]!;
  const merged = new Uint8Array(total);
  let offset = 0;
  for (const chunk of taken) {
    merged.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return merged;
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

/**
 * A batch create body as a `BatchSource`: each request validated as it is read. Bodies up to
 * 4 MiB are read whole and can be replayed (so the service checks every request before any
 * upstream call); larger ones are parsed as a stream, at constant memory, by a streaming
 * JSON parser, and read once.
 */
import { JSONParser, TokenType } from "@streamparser/json";
import type { BatchSource } from "../core/batch-create";
import { ByteReader } from "../lib/byte-reader";
import { concatBytes } from "../lib/concat-bytes";
import { GatewayError } from "../lib/errors";
import type { BatchRequest } from "../domain/batch-request";
import { RequestSplitter } from "./request-splitter";
import { MAX_BATCH_BYTES, MAX_BATCH_REQUESTS, parseBatchRequest } from "./schemas";

const REPLAYABLE_BYTES = 4 * 1024 * 1024;
/** A streamed request is held whole until it ends; Anthropic's own per-request limit bounds it. */
const MAX_REQUEST_BYTES = 32 * 1024 * 1024;
/**
 * A read of the body: at least this many bytes (fewer only at its end). workerd hands a default
 * reader a request body a few KiB a read, and each read costs a call into the runtime and a pass
 * through the splitter's per-chunk work (in issue 15's profiles of a 100,000-request create,
 * `read` was a tenth of the CPU). The floor of a create (bench/README.md, parse-body) reads so too.
 */
const READ_BYTES = 64 * 1024;

/** How a body is read: `hashed` (default true) keeps its SHA-256 for an Idempotency-Key. */
export interface SourceOptions {
  hashed?: boolean;
}

const tooLarge = () =>
  new GatewayError(413, "request_too_large", `Request too large: a message batch may be at most ${MAX_BATCH_BYTES} bytes (256 MB).`);

/**
 * @example
 * const source = await batchSource(request.body, null, { hashed: false });
 * await services.batches.create(caller, provider, source, { idempotencyKey: null, origin });
 */
export async function batchSource(body: ReadableStream<Uint8Array> | null, declaredLength: number | null = null, options: SourceOptions = {}): Promise<BatchSource> {
  // A declared length over the limit is refused before a byte is read.
  if (declaredLength !== null && declaredLength > MAX_BATCH_BYTES) throw tooLarge();
  if (!body) throw GatewayError.invalid("requests: Field required");
  const reader = ByteReader.of(body);
  const head: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const value = await readPiece(reader);
    if (!value) break;
    head.push(value);
    size += value.byteLength;
    if (size > REPLAYABLE_BYTES) return streamedSource(head, reader, size, options.hashed ?? true);
  }
  const bytes = concatBytes(head, size);
  const requests = parseWhole(bytes);
  return {
    replayable: true,
    async *requests() {
      yield* requests;
    },
    async *runs() {
      yield requests;
    },
    async digest() {
      return hex(await crypto.subtle.digest("SHA-256", bytes));
    },
  };
}

function parseWhole(bytes: Uint8Array): BatchRequest[] {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw GatewayError.invalid("The request body is not valid JSON.");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw GatewayError.invalid("The request body must be a JSON object with a requests array.");
  }
  const { requests, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw GatewayError.invalid(`${extra}: Extra inputs are not permitted`);
  if (requests === undefined) throw GatewayError.invalid("requests: Field required");
  if (!Array.isArray(requests)) throw GatewayError.invalid("requests: Input should be a valid list");
  checkCount(requests.length);
  const seen = new Set<string>();
  return requests.map((value, index) => unique(parseBatchRequest(value, index), index, seen));
}

/**
 * The body's next piece, or null at its end. Each read fills a buffer of its own: a request's
 * bytes are kept as a view of the piece they came in (`BatchRequest.raw`, forwarded as they
 * are), so a piece's memory is never read into again.
 */
function readPiece(reader: ByteReader): Promise<Uint8Array | null> {
  return reader.read(new ArrayBuffer(READ_BYTES));
}

function streamedSource(head: Uint8Array[], reader: ByteReader, headSize: number, hashed: boolean): BatchSource {
  let used = false;
  // Every byte read is hashed on the way (Workers' incremental SHA-256, see
  // docs/sources/cloudflare.md § Incremental SHA-256 (DigestStream)), for Idempotency-Key; a
  // body sent without one is not (hashing took a twentieth of a create's CPU).
  const hasher = hashed ? new crypto.DigestStream("SHA-256") : null;
  const hashing = hasher?.getWriter() ?? null;
  if (hashing) for (const chunk of head) void hashing.write(chunk);
  let readToEnd = false;
  const digest = async (hashing: WritableStreamDefaultWriter<Uint8Array>, hasher: DigestStream): Promise<string> => {
    if (!readToEnd) {
      if (used) throw new Error("the body was not read to its end");
      used = true;
      // Read instead of requests(): hashed, bounded as requests() bounds it, sent nowhere.
      let size = headSize;
      try {
        for (let value = await readPiece(reader); value; value = await readPiece(reader)) {
          size += value.byteLength;
          if (size > MAX_BATCH_BYTES) throw tooLarge();
          await hashing.write(value);
        }
      } finally {
        await reader.cancel();
      }
      readToEnd = true;
    }
    await hashing.close();
    return hex(await hasher.digest);
  };
  // Requests come in runs, those that ended in one chunk of the body: one await per chunk, not
  // one per request (per-request awaits were a tenth of a create's CPU).
  async function* runs(): AsyncGenerator<BatchRequest[]> {
    if (used) throw new Error("a streamed batch body can be read once");
    used = true;
    let ready: BatchRequest[] = [];
    const seen = new Set<string>();
    let index = 0;
    let failure: unknown = null;
    const take = (value: unknown, key: unknown, raw?: Uint8Array, members?: number) => {
      if (failure) return;
      try {
        if (typeof key !== "number") throw GatewayError.invalid("requests: Input should be a valid list");
        checkCount(index + 1);
        ready.push(unique(parseBatchRequest(value, index, raw, members), index, seen));
        index++;
      } catch (error) {
        failure = error;
      }
    };
    const taken = (): BatchRequest[] => {
      const run = ready;
      ready = [];
      return run;
    };
    // The well-formed body is split by a byte scan; anything else goes to the streaming
    // parser, which then sees what it would have seen from the first byte (see RequestSplitter).
    const splitter = new RequestSplitter();
    let parser: JSONParser | null = null;
    const handOver = (): JSONParser => {
      const handed = new JSONParser({ paths: ["$.requests.*"], keepStack: false });
      let skip = splitter.taken;
      handed.onValue = ({ value, key }) => {
        if (skip > 0) skip--;
        else take(value, key);
      };
      handed.onError = (error) => {
        failure ??= GatewayError.invalid(`The request body is not valid JSON (${error.message}).`);
      };
      handed.onToken = topLevelKeysOnly((error) => (failure ??= error));
      for (const piece of splitter.handover() ?? []) handed.write(piece);
      return handed;
    };
    let size = headSize;
    let sinceLastRequest = 0;
    const feed = (chunk: Uint8Array) => {
      const before = index;
      const values = parser ? null : splitter.write(chunk);
      if (values) {
        // The splitter's values come with their bytes (forwarded as they are where they may be).
        const { raws, members } = splitter;
        for (let at = 0; at < values.length; at++) take(values[at], index, raws[at], members[at]);
      } else {
        parser ??= handOver();
        parser.write(chunk);
      }
      if (failure) throw failure;
      sinceLastRequest = index === before ? sinceLastRequest + chunk.byteLength : 0;
      if (sinceLastRequest > MAX_REQUEST_BYTES) {
        throw new GatewayError(413, "request_too_large", `requests.${index}: a single request may be at most ${MAX_REQUEST_BYTES} bytes (32 MB).`);
      }
    };
    try {
      for (const chunk of head) {
        feed(chunk);
        if (ready.length > 0) yield taken();
      }
      head.length = 0;
      for (let value = await readPiece(reader); value; value = await readPiece(reader)) {
        size += value.byteLength;
        if (size > MAX_BATCH_BYTES) throw tooLarge();
        if (hashing) await hashing.write(value);
        feed(value);
        if (ready.length > 0) yield taken();
      }
      readToEnd = true;
      // The parser ends by itself once the top-level value closes; end() checks that it did.
      if (!parser && !splitter.end()) parser = handOver();
      if (parser && !parser.isEnded) parser.end();
      if (failure) throw failure;
      if (ready.length > 0) yield taken();
      if (index === 0) throw GatewayError.invalid("requests: must be a list of at least 1 request");
    } finally {
      await reader.cancel();
    }
  }
  return {
    replayable: false,
    runs,
    async *requests() {
      for await (const run of runs()) yield* run;
    },
    ...(hashing && hasher ? { digest: () => digest(hashing, hasher) } : {}),
  };
}

/**
 * Watches the tokens of a streamed body for what the path filter cannot see: a body that is
 * not an object, and top-level keys other than `requests`.
 */
function topLevelKeysOnly(fail: (error: GatewayError) => void): (token: { token: TokenType; value: unknown }) => void {
  let depth = 0;
  let expectKey = false;
  let started = false;
  return ({ token, value }) => {
    if (!started) {
      started = true;
      if (token !== TokenType.LEFT_BRACE) fail(GatewayError.invalid("The request body must be a JSON object with a requests array."));
    }
    switch (token) {
      case TokenType.LEFT_BRACE:
        depth++;
        if (depth === 1) expectKey = true;
        break;
      case TokenType.LEFT_BRACKET:
        depth++;
        break;
      case TokenType.RIGHT_BRACE:
      case TokenType.RIGHT_BRACKET:
        depth--;
        break;
      case TokenType.COMMA:
        if (depth === 1) expectKey = true;
        break;
      case TokenType.STRING:
        if (depth === 1 && expectKey) {
          expectKey = false;
          if (value !== "requests") fail(GatewayError.invalid(`${String(value)}: Extra inputs are not permitted`));
        }
        break;
    }
  };
}

function checkCount(count: number): void {
  if (count > MAX_BATCH_REQUESTS) {
    throw GatewayError.invalid(`requests: a message batch may hold at most ${MAX_BATCH_REQUESTS} requests`);
  }
  if (count === 0) throw GatewayError.invalid("requests: must be a list of at least 1 request");
}

function unique(request: BatchRequest, index: number, seen: Set<string>): BatchRequest {
  // One lookup, not has() then add(): this runs for every request of a create body.
  const before = seen.size;
  seen.add(request.custom_id);
  if (seen.size === before) {
    throw GatewayError.invalid(`requests.${index}.custom_id: duplicate custom_id "${request.custom_id}"; each custom_id must be unique within the batch`);
  }
  return request;
}

function hex(digest: ArrayBuffer): string {
  let text = "";
  for (const byte of new Uint8Array(digest)) text += byte.toString(16).padStart(2, "0");
  return text;
}

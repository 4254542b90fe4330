/**
 * How a gateway batch becomes ONE Anthropic Message Batch, for the planner in core
 * (core/batch-planner.ts): every request is in one group, and the job's input is the create
 * body itself, `{"requests":[...]}`, so closing the input is creating the job.
 *
 * A batch that fits in one chunk (1 MiB) is sent whole, with a Content-Length; a larger one is
 * streamed upstream in 1 MiB writes as the requests arrive (one write per request costs more
 * than the JSON), so a 100,000-request batch never sits in memory. Nothing is sent before the
 * first request has been translated, so a batch whose first request is refused never reaches
 * Anthropic.
 */
import { concatBytes } from "../../lib/concat-bytes";
import { UpstreamError } from "../../lib/errors";
import { readUpstreamJson } from "../../lib/upstream";
import type { ClosedInput, JobInput, JobLimits, ProviderContext, ProviderJobs } from "../types";
import { cancelBatch } from "./batch-calls";
import { anthropicFetch, PROVIDER } from "./client";
import { withNativeFileIds } from "./translate-request";
import type { AnthropicMessageBatch } from "./wire";

/** The one group: every request goes to the one upstream batch. */
export const ALL_REQUESTS = "all";

/** The artifact kind of an upstream Message Batch. */
export const MESSAGE_BATCH = "message_batch";

/** Bytes written upstream at once, and the most a batch sent whole may hold. */
export const CHUNK_BYTES = 1024 * 1024;

const encoder = new TextEncoder();
const OPEN = encoder.encode('{"requests":[');
const COMMA = encoder.encode(",");
const CLOSE = encoder.encode("]}");

/**
 * Anthropic's part in planning a batch. Anthropic takes every Messages parameter itself, so
 * the only check is that each file a request names was resolved by the gateway.
 *
 * @example
 * const line = anthropicJobs.translate({ custom_id: "a", params }, files, ctx); // {"custom_id":"a","params":{…}}
 */
export const anthropicJobs: ProviderJobs = {
  limits(): JobLimits {
    return {
      maxLines: Number.MAX_SAFE_INTEGER,
      maxBytes: Number.MAX_SAFE_INTEGER,
      bufferBytes: CHUNK_BYTES,
      lineOverheadBytes: 0,
      streamFromBytes: 0,
      maxOpenInputs: 1,
      createJobs: "close",
      closeConcurrency: 1,
      groupIsModel: false,
    };
  },

  translate(request, files) {
    const params = withNativeFileIds(request.params, files);
    // Unchanged (no file to rename), the request is the client's own bytes (issue 15: "for
    // Anthropic, forward its lines with only the IDs rewritten"): no serialising it again.
    const bytes = params === request.params && request.raw ? request.raw : encoder.encode(JSON.stringify({ custom_id: request.custom_id, params }));
    return { customId: request.custom_id, group: ALL_REQUESTS, model: params.model, bytes };
  },

  session(ctx, start) {
    void start;
    let createdId: string | undefined;
    let aborted = false;
    const created = async (response: Response): Promise<ClosedInput> => {
      const batch = await readUpstreamJson<AnthropicMessageBatch>(PROVIDER, response);
      if (typeof batch?.id !== "string") {
        throw new UpstreamError(PROVIDER, 502, `unexpected message batch: ${JSON.stringify(batch).slice(0, 200)}`);
      }
      createdId = batch.id;
      // An abort while the create was in flight: the batch it made is cancelled too.
      if (aborted) await cancelBatch(ctx, batch.id).catch(() => {});
      return { artifact: { kind: MESSAGE_BATCH, nativeId: batch.id }, data: { id: batch.id } };
    };
    return {
      async openInput() {
        return streamedCreate(ctx, created);
      },
      async sendWhole(_job, lines) {
        return created(await createBatch(ctx, joined(lines)));
      },
      async createJob(_job, input) {
        return { nativeId: input.data.id as string, data: {} };
      },
      // Best effort: the service also deletes the recorded batch, which cancels it first.
      async abort() {
        aborted = true;
        if (createdId !== undefined) await cancelBatch(ctx, createdId).catch(() => {});
      },
    };
  },
};

function createBatch(ctx: ProviderContext, body: BodyInit): Promise<Response> {
  return anthropicFetch(ctx, { surface: "batches", method: "POST", path: "/v1/messages/batches", headers: { "content-type": "application/json" }, body });
}

// The whole create body, `{"requests":[a,b,…]}`; `lines` is emptied as it is copied.
function joined(lines: Uint8Array[]): Uint8Array {
  const parts = [OPEN, ...lines.splice(0).flatMap((line, index) => (index === 0 ? [line] : [COMMA, line])), CLOSE];
  return concatBytes(parts);
}

/**
 * The create call with a streamed body: requests are written in chunks of `CHUNK_BYTES`; the
 * close ends the body and reads Anthropic's answer.
 */
function streamedCreate(ctx: ProviderContext, created: (response: Response) => Promise<ClosedInput>): JobInput {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const response = createBatch(ctx, readable);
  // Upstream may only answer after the whole body: an early answer is an error.
  const answeredEarly = response.then((): never => {
    throw new UpstreamError(PROVIDER, 502, "answered before the whole batch was sent");
  });
  // Both settle whether or not anyone still waits on them (after an abort, or once finished).
  response.catch(() => {});
  answeredEarly.catch(() => {});
  // Each request is copied at once into the chunk under way (no list of lines to join later,
  // and the line, often a view of the client's body, is let go while it is young).
  let chunk = new Uint8Array(CHUNK_BYTES);
  chunk.set(OPEN);
  let used = OPEN.byteLength;
  let first = true;
  const send = async (bytes: Uint8Array) => {
    // A write fails when upstream gave up on the body; its answer then says why.
    await Promise.race([writer.write(bytes).catch(() => answeredEarly), answeredEarly]);
  };
  const flush = async () => {
    if (used === 0) return;
    const full = chunk.subarray(0, used);
    chunk = new Uint8Array(CHUNK_BYTES);
    used = 0;
    await send(full);
  };
  const append = (bytes: Uint8Array) => {
    if (!first) chunk[used++] = COMMA[0]!;
    first = false;
    chunk.set(bytes, used);
    used += bytes.byteLength;
  };
  const appendAfterFlush = async (bytes: Uint8Array) => {
    await flush();
    if (bytes.byteLength + 1 <= chunk.byteLength) return append(bytes);
    // A request larger than a chunk is sent as it is.
    if (!first) await send(COMMA);
    first = false;
    await send(bytes);
  };
  return {
    // A promise only when a chunk is sent (see JobInput.write).
    write(bytes) {
      if (used + 1 + bytes.byteLength <= chunk.byteLength) return append(bytes);
      return appendAfterFlush(bytes);
    },
    async close() {
      if (used + CLOSE.byteLength > chunk.byteLength) await flush();
      chunk.set(CLOSE, used);
      used += CLOSE.byteLength;
      await flush();
      // Closing waits for upstream to read the rest; an upstream that stopped reading has
      // answered, and its answer (not the stream's state) says what happened.
      await Promise.race([writer.close().catch(() => {}), response]);
      return created(await response);
    },
    // Not awaited: an abort waits for the write in flight, which waits for a reader (the
    // upstream fetch) that may be gone.
    async abort(reason) {
      writer.abort(reason).catch(() => {});
    },
  };
}

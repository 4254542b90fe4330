/**
 * A gateway batch becomes ONE Anthropic Message Batch. Its create body, `{"requests":[...]}`, is
 * streamed upstream as the requests arrive, so a 100,000-request batch never sits in memory.
 */
import { GatewayError, UpstreamError } from "../../lib/errors";
import { readUpstreamJson } from "../../lib/upstream";
import type { BatchStart, BatchWriter, ProviderContext } from "../types";
import type { BatchRequest } from "../../domain/batch-request";
import type { JobRef } from "../../domain/job-record";
import { cancelBatch } from "./batch-calls";
import { anthropicFetch, PROVIDER } from "./client";
import { withNativeFileIds } from "./file-sources";
import type { AnthropicMessageBatch } from "./wire";

/** Every request goes to the one upstream batch. */
export const ALL_REQUESTS = "all";

/**
 * Requests are written upstream in chunks of about this many characters: one write per
 * request costs more than the JSON. A batch that never fills one chunk is sent whole, with a
 * Content-Length, rather than as a stream.
 */
const CHUNK_CHARS = 1024 * 1024;

/**
 * Starts writing a Message Batch. Nothing is sent before the first request has been translated,
 * so a batch whose first request is refused never reaches Anthropic.
 *
 * @example
 * const writer = beginMessageBatch(ctx, { batchId, sink, files });
 * for (const request of requests) await writer.add(request);
 * const [job] = await writer.finish(); // { slot: "all", nativeId: "msgbatch_…", … }
 */
export function beginMessageBatch(ctx: ProviderContext, start: BatchStart): BatchWriter {
  return new MessageBatchWriter(ctx, start);
}

/** The streamed create call: where the body goes, and the answer once upstream gives it. */
interface Upload {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  response: Promise<Response>;
  /** Rejects as soon as upstream answers, which it may only do after the whole body: an early answer is an error. */
  answeredEarly: Promise<never>;
}

class MessageBatchWriter implements BatchWriter {
  readonly #ctx: ProviderContext;
  readonly #start: BatchStart;
  readonly #encoder = new TextEncoder();
  #upload: Upload | undefined;
  #pending = "";
  #count = 0;
  /** The one model every request names, `null` once two differ. */
  #model: string | null | undefined;
  #createdId: string | undefined;
  #aborted = false;

  constructor(ctx: ProviderContext, start: BatchStart) {
    this.#ctx = ctx;
    this.#start = start;
  }

  async add(request: BatchRequest): Promise<string> {
    if (this.#aborted) throw GatewayError.invalid("the batch was aborted");
    const params = withNativeFileIds(request.params, this.#start.files);
    this.#pending += (this.#count === 0 ? '{"requests":[' : ",") + JSON.stringify({ custom_id: request.custom_id, params });
    this.#count += 1;
    this.#model = this.#model === undefined || this.#model === params.model ? params.model : null;
    if (this.#pending.length >= CHUNK_CHARS) await this.#flush();
    return ALL_REQUESTS;
  }

  async finish(): Promise<JobRef[]> {
    if (this.#count === 0) throw GatewayError.invalid("requests: at least one request is required");
    this.#pending += "]}";
    const batch = await readUpstreamJson<AnthropicMessageBatch>(PROVIDER, await (this.#upload ? this.#finishStream() : this.#sendWhole()));
    if (typeof batch?.id !== "string") {
      throw new UpstreamError(PROVIDER, 502, `unexpected message batch: ${JSON.stringify(batch).slice(0, 200)}`);
    }
    this.#createdId = batch.id;
    await this.#start.sink.record({ kind: "message_batch", nativeId: batch.id });
    if (this.#aborted) await this.#cancelCreated();
    return [{ slot: ALL_REQUESTS, nativeId: batch.id, model: this.#model ?? null, requestCount: this.#count, data: {} }];
  }

  async #finishStream(): Promise<Response> {
    await this.#flush();
    const upload = this.#upload!;
    // Closing waits for upstream to read the rest; an upstream that stopped reading has answered,
    // and its answer (not the stream's state) says what happened.
    await Promise.race([upload.writer.close().catch(() => {}), upload.response]);
    return upload.response;
  }

  #sendWhole(): Promise<Response> {
    const body = this.#pending;
    this.#pending = "";
    return anthropicFetch(this.#ctx, { surface: "batches", method: "POST", path: "/v1/messages/batches", headers: { "content-type": "application/json" }, body });
  }

  async abort(reason: unknown): Promise<void> {
    this.#aborted = true;
    // Not awaited: an abort waits for the write in flight, which waits for a reader (the
    // upstream fetch) that may be gone.
    this.#upload?.writer.abort(reason).catch(() => {});
    await this.#cancelCreated();
  }

  async #flush(): Promise<void> {
    const upload = (this.#upload ??= this.#open());
    const chunk = this.#encoder.encode(this.#pending);
    this.#pending = "";
    // A write fails when upstream gave up on the body; its answer then says why.
    await Promise.race([upload.writer.write(chunk).catch(() => upload.answeredEarly), upload.answeredEarly]);
  }

  #open(): Upload {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const response = anthropicFetch(this.#ctx, {
      surface: "batches",
      method: "POST",
      path: "/v1/messages/batches",
      headers: { "content-type": "application/json" },
      body: readable,
    });
    const answeredEarly = response.then((): never => {
      throw new UpstreamError(PROVIDER, 502, "answered before the whole batch was sent");
    });
    // Both settle whether or not anyone still waits on them (after an abort, or once finished).
    response.catch(() => {});
    answeredEarly.catch(() => {});
    return { writer: writable.getWriter(), response, answeredEarly };
  }

  /** Best effort: the service also deletes the recorded batch, which cancels it first. */
  async #cancelCreated(): Promise<void> {
    if (this.#createdId !== undefined) await cancelBatch(this.#ctx, this.#createdId).catch(() => {});
  }
}

/**
 * Turns a gateway batch into Gemini batch jobs, one per model (the model is part of
 * Gemini's batch URL), as the requests arrive.
 *
 * Every model with more than one request goes as a JSONL file of `{key, request}` lines,
 * streamed up in chunks through a resumable upload: the result lines of a file job carry
 * their key, while inline responses carry neither their key nor their request's position
 * (see docs/sources/gemini.md § Inline batch responses carry no key and lose request order).
 * Only a model's single request goes inline, and its result is matched by being the only one
 * (its `custom_id` is kept with the job). A model's first request is held until a second one
 * arrives, then both start its file.
 * Memory stays bounded whatever the batch size:
 * - the single requests held, with their per-request overhead, stay under 4 MiB together
 *   (the largest one moves to a file when they would not), and one larger than that goes as
 *   a one-line file;
 * - an upload holds at most one chunk;
 * - at most 4 uploads are open at once (a Worker has 6 connections): opening a fifth closes
 *   the least recently written one, whose model continues in a new job (a new slot).
 */
import { GatewayError, UpstreamError } from "../../lib/errors";
import type { BatchStart, BatchWriter, ProviderContext } from "../types";
import type { BatchRequest } from "../../domain/batch-request";
import type { JobRef } from "../../domain/job-record";
import { geminiClient, PROVIDER, type GeminiClient } from "./client";
import { ResumableUpload } from "./resumable-upload";
import { toGenerateContentRequest } from "./translate-request";

const MAX_OPEN_UPLOADS = 4;

/**
 * The most bytes of single requests held for inline jobs, together (a Worker has 128 MB, and
 * Gemini takes inline bodies up to 20 MiB, reference §5.3).
 */
export const INLINE_HELD_MAX_BYTES = 4 * 1024 * 1024;

// What an entry costs in memory beyond its bytes (an object and two typed arrays with their
// buffers), counted so that many small requests cannot outgrow the buffer budget.
const ENTRY_OVERHEAD_BYTES = 200;

const encoder = new TextEncoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);

// Inline item: {"request":R,"metadata":{"key":K}}; file line: {"key":K,"request":R}\n.
const INLINE_ITEM = [bytes('{"request":'), bytes(',"metadata":{"key":'), bytes("}}")] as const;
const FILE_LINE = [bytes('{"key":'), bytes(',"request":'), bytes("}\n")] as const;
const COMMA = bytes(",");

/** One translated request, kept encoded until it is written. */
interface Entry {
  /** The `custom_id`, as a JSON string. */
  key: Uint8Array;
  request: Uint8Array;
}

/** The requests of one future job. */
interface Segment {
  slot: string;
  model: string;
  count: number;
  /** The segment's first request, held while it is the only one (an inline job). */
  entries: Entry[];
  /** Bytes of the held inline item. */
  inlineBytes: number;
  /** The held request's `custom_id`: its inline result carries no key. */
  customId?: string;
  /** Set once the segment moved to a file. */
  upload?: ResumableUpload;
  /** The finished input file. */
  inputFile?: string;
  lastWrite: number;
}

/**
 * Model name as Gemini's URL wants it: `models/gemini-2.5-flash` and `gemini-2.5-flash` are the same model.
 *
 * @example
 * geminiModelOf("models/gemini-2.5-flash") // "gemini-2.5-flash"
 */
export function geminiModelOf(model: unknown): string {
  if (typeof model !== "string" || model.trim() === "") throw GatewayError.invalid("params.model: must be a non-empty string");
  const name = model.trim().replace(/^models\//, "");
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw GatewayError.invalid(`params.model: ${JSON.stringify(model)} is not a Gemini model name (like gemini-2.5-flash)`);
  }
  return name;
}

/**
 * The writer for one gateway batch.
 *
 * @example
 * const writer = beginGeminiBatch(ctx, { batchId, sink, files });
 * for (const request of requests) await writer.add(request);
 * const jobs = await writer.finish();
 */
export function beginGeminiBatch(ctx: ProviderContext, start: BatchStart): BatchWriter {
  return new GeminiBatchWriter(geminiClient(ctx), start);
}

class GeminiBatchWriter implements BatchWriter {
  private readonly gemini: GeminiClient;
  private readonly start: BatchStart;
  private readonly bodyOverhead: number;
  /** Every segment, in the order they were opened. */
  private readonly segments: Segment[] = [];
  /** The segment each model's next request goes to. */
  private readonly current = new Map<string, Segment>();
  private readonly slotsPerModel = new Map<string, number>();
  private clock = 0;
  private state: "open" | "finished" | "aborted" = "open";

  constructor(gemini: GeminiClient, start: BatchStart) {
    this.gemini = gemini;
    this.start = start;
    const { head, tail } = inlineBodyEnds(this.displayName);
    this.bodyOverhead = head.byteLength + tail.byteLength;
  }

  private get displayName(): string {
    return `batchbridge-${this.start.batchId}`;
  }

  async add(request: BatchRequest): Promise<string> {
    if (this.state !== "open") throw new Error(`add() after the batch writer was ${this.state}`);
    const model = geminiModelOf(request.params.model);
    const native = toGenerateContentRequest(request.params, this.start.files);
    const entry: Entry = { key: bytes(JSON.stringify(request.custom_id)), request: bytes(JSON.stringify(native)) };
    const segment = this.segmentFor(model);
    segment.count += 1;
    segment.lastWrite = ++this.clock;

    if (segment.upload) {
      await writeLine(segment.upload, entry);
      return segment.slot;
    }
    // A second request, or a first one too large to hold: the segment goes as a file.
    const itemBytes = inlineItemSize(entry);
    if (segment.entries.length > 0 || this.bodyOverhead + itemBytes > INLINE_HELD_MAX_BYTES) {
      await this.moveToFile(segment);
      await writeLine(segment.upload!, entry);
      return segment.slot;
    }
    segment.entries.push(entry);
    segment.inlineBytes = itemBytes;
    segment.customId = request.custom_id;
    await this.keepInlineBuffersBounded();
    return segment.slot;
  }

  async finish(): Promise<JobRef[]> {
    if (this.state !== "open") throw new Error(`finish() after the batch writer was ${this.state}`);
    this.state = "finished";
    const jobs: JobRef[] = [];
    for (const segment of this.segments) {
      if (segment.upload && !segment.inputFile) await this.closeUpload(segment);
      jobs.push(await this.createJob(segment));
    }
    return jobs;
  }

  async abort(_reason: unknown): Promise<void> {
    this.state = "aborted";
    await Promise.all(this.segments.map((segment) => (segment.inputFile ? undefined : segment.upload?.cancel())));
    for (const segment of this.segments) segment.entries = [];
  }

  private segmentFor(model: string): Segment {
    const open = this.current.get(model);
    if (open) return open;
    const number = (this.slotsPerModel.get(model) ?? 0) + 1;
    this.slotsPerModel.set(model, number);
    const segment: Segment = {
      slot: number === 1 ? model : `${model}#${number}`,
      model,
      count: 0,
      entries: [],
      inlineBytes: 0,
      lastWrite: this.clock,
    };
    this.segments.push(segment);
    this.current.set(model, segment);
    return segment;
  }

  // The single requests held for inline jobs stay within INLINE_HELD_MAX_BYTES together.
  private async keepInlineBuffersBounded(): Promise<void> {
    const held = (segment: Segment): number => segment.inlineBytes + segment.entries.length * ENTRY_OVERHEAD_BYTES;
    for (;;) {
      const inline = this.segments.filter((segment) => !segment.upload && !segment.inputFile && segment.entries.length > 0);
      const total = inline.reduce((sum, segment) => sum + held(segment), 0);
      if (total <= INLINE_HELD_MAX_BYTES) return;
      const largest = inline.reduce((a, b) => (held(b) > held(a) ? b : a));
      await this.moveToFile(largest);
    }
  }

  private async moveToFile(segment: Segment): Promise<void> {
    const open = this.segments.filter((other) => other.upload && !other.inputFile);
    if (open.length >= MAX_OPEN_UPLOADS) {
      const leastRecent = open.reduce((a, b) => (b.lastWrite < a.lastWrite ? b : a));
      await this.closeUpload(leastRecent);
    }
    segment.upload = await ResumableUpload.start(this.gemini, {
      displayName: `${this.displayName}-${segment.slot}.jsonl`,
      mimeType: "application/jsonl",
      sizeBytes: null,
    });
    const entries = segment.entries;
    segment.entries = [];
    segment.inlineBytes = 0;
    segment.customId = undefined;
    for (const entry of entries) await writeLine(segment.upload, entry);
  }

  // Finishes a segment's file; its model's next request starts a new segment (and job).
  private async closeUpload(segment: Segment): Promise<void> {
    const file = await segment.upload!.finish();
    segment.inputFile = file.name;
    await this.start.sink.record({ kind: "file", nativeId: file.name, data: { purpose: "batch-input", slot: segment.slot } });
    if (this.current.get(segment.model) === segment) this.current.delete(segment.model);
  }

  private async createJob(segment: Segment): Promise<JobRef> {
    const path = `/v1beta/models/${encodeURIComponent(segment.model)}:batchGenerateContent`;
    let body: BodyInit;
    if (segment.inputFile) {
      body = JSON.stringify({ batch: { display_name: this.displayName, input_config: { file_name: segment.inputFile } } });
    } else {
      body = inlineBody(this.displayName, segment.entries);
      segment.entries = [];
    }
    const operation = await this.gemini.json<{ name?: string }>(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    if (typeof operation.name !== "string" || !operation.name.startsWith("batches/")) {
      throw new UpstreamError(PROVIDER, 502, "batchGenerateContent answered without a batch name");
    }
    await this.start.sink.record({ kind: "batch", nativeId: operation.name, data: { model: segment.model, slot: segment.slot } });
    return {
      slot: segment.slot,
      nativeId: operation.name,
      model: segment.model,
      requestCount: segment.count,
      data: segment.inputFile ? { input: "file", inputFile: segment.inputFile } : { input: "inline", key: segment.customId },
    };
  }
}

function inlineItemSize(entry: Entry): number {
  return INLINE_ITEM[0].byteLength + entry.request.byteLength + INLINE_ITEM[1].byteLength + entry.key.byteLength + INLINE_ITEM[2].byteLength;
}

async function writeLine(upload: ResumableUpload, entry: Entry): Promise<void> {
  await upload.write(FILE_LINE[0]);
  await upload.write(entry.key);
  await upload.write(FILE_LINE[1]);
  await upload.write(entry.request);
  await upload.write(FILE_LINE[2]);
}

/**
 * The inline create body, `{"batch":{"display_name":…,"input_config":{"requests":{"requests":[…]}}}}`,
 * as a stream that lets go of each entry once it is sent.
 */
function inlineBody(displayName: string, entries: Entry[]): ReadableStream<Uint8Array> {
  const { head, tail } = inlineBodyEnds(displayName);
  let index = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(head);
    },
    pull(controller) {
      const entry = entries[index];
      if (!entry) {
        controller.enqueue(tail);
        controller.close();
        return;
      }
      // Fresh copies of the shared separators: a consumer may take ownership of a chunk.
      if (index > 0) controller.enqueue(COMMA.slice());
      controller.enqueue(INLINE_ITEM[0].slice());
      controller.enqueue(entry.request);
      controller.enqueue(INLINE_ITEM[1].slice());
      controller.enqueue(entry.key);
      controller.enqueue(INLINE_ITEM[2].slice());
      (entries as Array<Entry | undefined>)[index] = undefined;
      index += 1;
    },
  });
}

function inlineBodyEnds(displayName: string): { head: Uint8Array; tail: Uint8Array } {
  return {
    head: bytes(`{"batch":{"display_name":${JSON.stringify(displayName)},"input_config":{"requests":{"requests":[`),
    tail: bytes("]}}}}"),
  };
}

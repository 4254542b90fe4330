/**
 * Writes a gateway batch as OpenAI batches: per model, JSONL files of `/v1/chat/completions`
 * lines sent to `POST /files` (purpose `batch`), each within OpenAI's per-file limits and run
 * as one `POST /batches` job (reference §4.1, §4.2).
 *
 * Every file costs a `POST /files`, a `POST /batches`, a job to poll and the records that
 * track it, and requests often come interleaved over many models (an eval running each prompt
 * on N models), so files are made as few and as full as memory allows:
 * - A model's lines are buffered. All buffers together stay within `OPENAI_BATCH_BUFFER_BYTES`
 *   (8 MiB; each line counted with its overhead in memory). A batch that fits is sent at
 *   `finish`, one file per model, each as one body with a Content-Length; nothing goes upstream
 *   before.
 * - Past the budget, the largest buffer moves to a streaming upload, which from then on takes
 *   its model's lines as they come. Only a buffer holding at least an eighth of the budget
 *   (1 MiB) gets an upload, and at most 4 uploads are open at once (a Worker may hold 6
 *   outgoing connections: this leaves room for the `POST /batches` that closes a file, and one
 *   spare). Opening a fifth finishes the least recently written one, which holds at least that
 *   eighth, so no file is tiny; its model continues in a new file.
 * - With more than 8 models buffering, the largest buffer can be under that eighth: it is sent
 *   whole as its own file rather than take an upload from a model that fills one.
 * - A file that reaches `OPENAI_BATCH_MAX_LINES` or `OPENAI_BATCH_MAX_BYTES` is finished at
 *   once; its model's next line starts another file.
 * Memory thus holds the budget, one chunk (64 KiB) per open upload, and the copy of the one file
 * being sent whole.
 */
import type { BatchStart, BatchWriter, ProviderContext } from "../types";
import type { BatchRequest } from "../../domain/batch-request";
import type { JobRef } from "../../domain/job-record";
import { BatchInputUpload, uploadWholeBatchInput } from "./batch-input-upload";
import { cancelOpenAIBatch } from "./batch-jobs";
import { openaiPostJson } from "./client";
import type { OpenAIConfig } from "./config";
import { deleteOpenAIFile } from "./files";
import { toChatCompletion } from "./translate-request";
import type { OpenAIBatch, OpenAIFile } from "./wire";

/**
 * How long OpenAI keeps a job's output and error files: 30 days (its maximum) from their
 * creation, so results outlive the 29 days Anthropic promises them for. See
 * docs/sources/openai.md § output_expires_after sets when a batch's output and error files expire.
 */
export const OUTPUT_EXPIRES_AFTER = { anchor: "created_at", seconds: 30 * 24 * 3600 } as const;

/** The batch endpoint, and the `url` of every line (they must be equal). */
export const CHAT_COMPLETIONS_URL = "/v1/chat/completions";

/**
 * A Worker may hold 6 outgoing connections at once and every open upload holds one; 4 leaves
 * room for the `POST /batches` that closes a file, and one spare.
 */
export const MAX_OPEN_UPLOADS = 4;

/** What a buffered line costs in memory beyond its bytes (a typed array and its buffer). */
export const LINE_OVERHEAD_BYTES = 200;

/** The lines of one future input file (one job, one slot). */
interface FileSegment {
  model: string;
  /** `model#n`: the n-th file of that model in this batch. */
  slot: string;
  filename: string;
  /** Lines and bytes in the file so far, buffered or uploaded. */
  lines: number;
  bytes: number;
  /** The buffered lines, while the file has no upload. */
  buffer: Uint8Array[];
  /** What `buffer` costs in memory: its bytes plus `LINE_OVERHEAD_BYTES` a line. */
  held: number;
  /** Set once the file streams upstream. */
  upload: BatchInputUpload | null;
  lastWrite: number;
}

/**
 * `BatchWriter` for OpenAI. Each file's slot is its JobRef's slot.
 *
 * @example
 * const writer = new OpenAIBatchWriter(ctx, config, start);
 * await writer.add({ custom_id: "a", params }); // "gpt-4o-mini#0"
 * const jobs = await writer.finish();          // one JobRef per file
 */
export class OpenAIBatchWriter implements BatchWriter {
  private readonly ctx: ProviderContext;
  private readonly config: OpenAIConfig;
  private readonly start: BatchStart;
  /** The fewest bytes a buffer must hold to move to a streaming upload. */
  private readonly uploadThreshold: number;
  /** Files not finished yet, in the order they were started. */
  private readonly live: FileSegment[] = [];
  /** The file taking each model's next line. */
  private readonly current = new Map<string, FileSegment>();
  private readonly filesPerModel = new Map<string, number>();
  private filesStarted = 0;
  /** `held` of every buffer together. */
  private held = 0;
  private clock = 0;
  private state: "open" | "finished" | "aborted" = "open";
  private readonly jobs: JobRef[] = [];
  private readonly createdFiles: string[] = [];
  private readonly createdBatches: string[] = [];
  private readonly encoder = new TextEncoder();

  constructor(ctx: ProviderContext, config: OpenAIConfig, start: BatchStart) {
    this.ctx = ctx;
    this.config = config;
    this.start = start;
    this.uploadThreshold = Math.max(1, Math.floor(config.batchBufferBytes / 8));
  }

  async add(request: BatchRequest): Promise<string> {
    if (this.state !== "open") throw new Error(`add() after the batch writer was ${this.state}`);
    const body = toChatCompletion(request.params, this.start.files);
    const line = this.encoder.encode(
      `${JSON.stringify({ custom_id: request.custom_id, method: "POST", url: CHAT_COMPLETIONS_URL, body })}\n`,
    );
    let file = this.current.get(body.model);
    if (file && !this.fits(file, line.byteLength)) {
      await this.finishFile(file);
      file = undefined;
    }
    file ??= this.startFile(body.model);
    file.lines += 1;
    file.bytes += line.byteLength;
    file.lastWrite = ++this.clock;
    if (file.upload) {
      await file.upload.append(line);
      return file.slot;
    }
    file.buffer.push(line);
    const cost = line.byteLength + LINE_OVERHEAD_BYTES;
    file.held += cost;
    this.held += cost;
    await this.keepWithinBudget();
    return file.slot;
  }

  async finish(): Promise<JobRef[]> {
    if (this.state !== "open") throw new Error(`finish() after the batch writer was ${this.state}`);
    this.state = "finished";
    for (const file of [...this.live]) await this.finishFile(file);
    return this.jobs;
  }

  async abort(reason: unknown): Promise<void> {
    this.state = "aborted";
    const live = this.live.splice(0);
    this.current.clear();
    this.held = 0;
    for (const file of live) file.buffer = [];
    await Promise.allSettled(live.map((file) => file.upload?.abort(reason)));
    // Batches first: a batch may still be reading its input file. Best effort: the service
    // also deletes every recorded artifact.
    for (const id of this.createdBatches) {
      await cancelOpenAIBatch(this.ctx, this.config, id).catch(() => {});
    }
    for (const id of this.createdFiles) await deleteOpenAIFile(this.ctx, id).catch(() => {});
  }

  // Whether one more line stays within OpenAI's per-file limits. An empty file takes any line,
  // so that a line larger than the byte limit still goes somewhere (and OpenAI says why not).
  private fits(file: FileSegment, lineBytes: number): boolean {
    if (file.lines === 0) return true;
    return file.lines + 1 <= this.config.batchMaxLines && file.bytes + lineBytes <= this.config.batchMaxBytes;
  }

  private startFile(model: string): FileSegment {
    const index = this.filesPerModel.get(model) ?? 0;
    this.filesPerModel.set(model, index + 1);
    const file: FileSegment = {
      model,
      slot: `${model}#${index}`,
      filename: `batchbridge-${this.start.batchId}-${this.filesStarted}.jsonl`,
      lines: 0,
      bytes: 0,
      buffer: [],
      held: 0,
      upload: null,
      lastWrite: this.clock,
    };
    this.filesStarted += 1;
    this.live.push(file);
    this.current.set(model, file);
    return file;
  }

  private async keepWithinBudget(): Promise<void> {
    while (this.held > this.config.batchBufferBytes) {
      let largest: FileSegment | undefined;
      for (const file of this.live) {
        if (!file.upload && file.held > (largest?.held ?? 0)) largest = file;
      }
      if (!largest) return;
      if (largest.bytes >= this.uploadThreshold) await this.moveToUpload(largest);
      else await this.finishFile(largest);
    }
  }

  // The file's buffer goes to a new streaming upload, which then takes the model's next lines.
  private async moveToUpload(file: FileSegment): Promise<void> {
    let leastRecent: FileSegment | undefined;
    let open = 0;
    for (const other of this.live) {
      if (!other.upload) continue;
      open += 1;
      if (!leastRecent || other.lastWrite < leastRecent.lastWrite) leastRecent = other;
    }
    if (leastRecent && open >= MAX_OPEN_UPLOADS) await this.finishFile(leastRecent);
    const upload = new BatchInputUpload(this.ctx, this.config, file.filename);
    file.upload = upload;
    const lines = file.buffer;
    file.buffer = [];
    this.held -= file.held;
    file.held = 0;
    for (const line of lines) await upload.append(line);
  }

  // Sends the file (closing its upload, or whole from its buffer) and creates its job. Every ID
  // is recorded as soon as it exists, so that a failure after it still cleans it up.
  private async finishFile(file: FileSegment): Promise<void> {
    if (this.current.get(file.model) === file) this.current.delete(file.model);
    let inputFile: OpenAIFile;
    if (file.upload) {
      inputFile = await file.upload.finish();
    } else {
      this.held -= file.held;
      file.held = 0;
      inputFile = await uploadWholeBatchInput(this.ctx, this.config, file.filename, file.buffer, file.bytes);
    }
    this.live.splice(this.live.indexOf(file), 1);
    this.createdFiles.push(inputFile.id);
    await this.start.sink.record({ kind: "file", nativeId: inputFile.id });
    const batch = await openaiPostJson<OpenAIBatch>(this.ctx, this.config, "/batches", {
      input_file_id: inputFile.id,
      endpoint: CHAT_COMPLETIONS_URL,
      completion_window: "24h",
      metadata: { batchbridge_batch_id: this.start.batchId },
      output_expires_after: OUTPUT_EXPIRES_AFTER,
    });
    this.createdBatches.push(batch.id);
    await this.start.sink.record({ kind: "batch", nativeId: batch.id, data: { inputFileId: inputFile.id } });
    this.jobs.push({
      slot: file.slot,
      nativeId: batch.id,
      model: file.model,
      requestCount: file.lines,
      data: { inputFileId: inputFile.id },
    });
  }
}

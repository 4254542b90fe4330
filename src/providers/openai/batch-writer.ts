/**
 * Writes a gateway batch as OpenAI batches: per model, JSONL files of `/v1/chat/completions`
 * lines streamed to `POST /files` (purpose `batch`) while requests arrive, each closed at
 * OpenAI's per-file limits and run as one `POST /batches` job (reference §4.1, §4.2).
 */
import type { BatchRequest, BatchStart, BatchWriter, JobRef, ProviderContext } from "../types";
import { BatchInputUpload } from "./batch-input-upload";
import { cancelOpenAIBatch } from "./batch-jobs";
import { openaiPostJson } from "./client";
import type { OpenAIConfig } from "./config";
import { deleteOpenAIFile } from "./files";
import { toChatCompletion } from "./translate-request";
import type { OpenAIBatch } from "./wire";

/** The batch endpoint, and the `url` of every line (they must be equal). */
export const CHAT_COMPLETIONS_URL = "/v1/chat/completions";

/**
 * A Worker may hold 6 outgoing connections at once and every open file is a streaming upload
 * that holds one; 4 leaves room for the `POST /batches` that closes a file, and one spare.
 */
export const MAX_OPEN_FILES = 4;

interface OpenFile {
  model: string;
  /** `model#n`: the n-th file of that model in this batch. */
  slot: string;
  upload: BatchInputUpload;
  requestCount: number;
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
  /** Open files by model, least recently used first (a Map keeps insertion order). */
  private readonly open = new Map<string, OpenFile>();
  private readonly filesPerModel = new Map<string, number>();
  private filesStarted = 0;
  private readonly jobs: JobRef[] = [];
  private readonly createdFiles: string[] = [];
  private readonly createdBatches: string[] = [];
  private readonly encoder = new TextEncoder();

  constructor(ctx: ProviderContext, config: OpenAIConfig, start: BatchStart) {
    this.ctx = ctx;
    this.config = config;
    this.start = start;
  }

  async add(request: BatchRequest): Promise<string> {
    const body = toChatCompletion(request.params, this.start.files);
    const line = this.encoder.encode(
      `${JSON.stringify({ custom_id: request.custom_id, method: "POST", url: CHAT_COMPLETIONS_URL, body })}\n`,
    );
    const file = await this.fileFor(body.model, line.byteLength);
    await file.upload.append(line);
    file.requestCount += 1;
    return file.slot;
  }

  async finish(): Promise<JobRef[]> {
    for (const file of [...this.open.values()]) {
      this.open.delete(file.model);
      await this.complete(file);
    }
    return this.jobs;
  }

  async abort(reason: unknown): Promise<void> {
    const open = [...this.open.values()];
    this.open.clear();
    await Promise.allSettled(open.map((file) => file.upload.abort(reason)));
    // Batches first: a batch may still be reading its input file. Best effort: the service
    // also deletes every recorded artifact.
    for (const id of this.createdBatches) {
      await cancelOpenAIBatch(this.ctx, this.config, id).catch(() => {});
    }
    for (const id of this.createdFiles) await deleteOpenAIFile(this.ctx, id).catch(() => {});
  }

  // The model's open file if the line fits in it; else a new one, after closing the full file
  // or, when MAX_OPEN_FILES are open, the least recently used one.
  private async fileFor(model: string, lineBytes: number): Promise<OpenFile> {
    const current = this.open.get(model);
    if (current) {
      this.open.delete(model);
      if (current.upload.fits(lineBytes)) {
        this.open.set(model, current);
        return current;
      }
      await this.complete(current);
    }
    if (this.open.size >= MAX_OPEN_FILES) {
      const leastRecent = this.open.values().next().value as OpenFile;
      this.open.delete(leastRecent.model);
      await this.complete(leastRecent);
    }
    const index = this.filesPerModel.get(model) ?? 0;
    this.filesPerModel.set(model, index + 1);
    const filename = `batchbridge-${this.start.batchId}-${this.filesStarted}.jsonl`;
    this.filesStarted += 1;
    const file: OpenFile = {
      model,
      slot: `${model}#${index}`,
      upload: new BatchInputUpload(this.ctx, this.config, filename),
      requestCount: 0,
    };
    this.open.set(model, file);
    return file;
  }

  // Every ID is recorded as soon as it exists, so that a failure after it still cleans it up.
  private async complete(file: OpenFile): Promise<void> {
    const inputFile = await file.upload.finish();
    this.createdFiles.push(inputFile.id);
    await this.start.sink.record({ kind: "file", nativeId: inputFile.id });
    const batch = await openaiPostJson<OpenAIBatch>(this.ctx, this.config, "/batches", {
      input_file_id: inputFile.id,
      endpoint: CHAT_COMPLETIONS_URL,
      completion_window: "24h",
      metadata: { batchbridge_batch_id: this.start.batchId },
    });
    this.createdBatches.push(batch.id);
    await this.start.sink.record({ kind: "batch", nativeId: batch.id, data: { inputFileId: inputFile.id } });
    this.jobs.push({
      slot: file.slot,
      nativeId: batch.id,
      model: file.model,
      requestCount: file.requestCount,
      data: { inputFileId: inputFile.id },
    });
  }
}

/**
 * The Message Batches API on OpenAI's Batch API: status, results, cancel and clean-up of the
 * jobs planned from ./jobs.ts.
 */
import { UpstreamError } from "../../lib/errors";
import { readJsonLines, readLineChunks } from "../../lib/jsonl";
import type { BatchesAdapter, JobStatus, ProviderContext, UpstreamFile } from "../types";
import type { BatchResultChunk, BatchResultLine } from "../../domain/batch-result";
import type { JobRef } from "../../domain/job-record";
import { cancelBatch, retrieveBatch } from "./batch-calls";
import { type ErrorFileTally, isTerminal, toJobStatus } from "./job-status";
import { PROVIDER, isUpstreamStatus, openaiFetch, openaiJson } from "./client";
import { type OpenAIConfig, readConfig } from "./config";
import { JSONL_MIME_TYPE, toUpstreamFile } from "./file-metadata";
import { deleteOpenAIFile } from "./files";
import { chunkLines } from "../../lib/chunk-lines";
import { openaiJobs } from "./jobs";
import { toResultLine, unrunKindOf } from "./translate-result";
import type { OpenAIBatch, OpenAIBatchOutputLine, OpenAIFile } from "./wire";

/**
 * `BatchesAdapter` for OpenAI. `JobRef.data` / `JobStatus.data` carry `inputFileId`,
 * `outputFileId`, `errorFileId` and, for a cancelled or expired batch, `errorTally`.
 *
 * @example
 * const status = await openaiBatches.retrieve(ctx, job); // { state: "ended", counts, outputFiles, … }
 * for await (const line of openaiBatches.results(ctx, job)) console.log(line.custom_id);
 */
export const openaiBatches: BatchesAdapter = {
  jobs: openaiJobs,

  async retrieve(ctx, job) {
    const config = readConfig(ctx.env);
    const batch = await retrieveBatch(ctx, config, job.nativeId);
    const data: Record<string, unknown> = {
      ...job.data,
      outputFileId: batch.output_file_id ?? null,
      errorFileId: batch.error_file_id ?? null,
    };
    let tally: ErrorFileTally | null = null;
    if ((batch.status === "cancelled" || batch.status === "expired") && batch.error_file_id) {
      tally = cachedTally(job.data, batch.error_file_id) ?? (await tallyErrorFile(ctx, config, batch.error_file_id));
      data.errorTally = { fileId: batch.error_file_id, ...tally };
    }
    const status: JobStatus = { ...toJobStatus(batch, job.requestCount, tally), data };
    if (status.state === "ended") status.outputFiles = await outputFilesOf(ctx, config, batch, job.slot);
    return status;
  },

  async cancel(ctx, job) {
    await cancelBatch(ctx, readConfig(ctx.env), job.nativeId);
  },

  results(ctx, job) {
    return chunkLines(resultChunks(ctx, job));
  },

  resultChunks(ctx, job) {
    return resultChunks(ctx, job);
  },

  async deleteArtifact(ctx, artifact) {
    switch (artifact.kind) {
      case "file":
        await deleteOpenAIFile(ctx, artifact.nativeId);
        return;
      case "batch":
        // OpenAI has no batch delete; a batch that still runs is cancelled so it stops costing.
        await cancelIfRunning(ctx, readConfig(ctx.env), artifact.nativeId);
        return;
      default:
        throw new Error(`openai adapter: unknown artifact kind ${artifact.kind}`);
    }
  },
};

/** The job's results a chunk at a time (its `results` are these lines one by one): no suspension per line. */
async function* resultChunks(ctx: ProviderContext, job: JobRef): AsyncGenerator<BatchResultChunk> {
  const config = readConfig(ctx.env);
  for (const fileId of await resultFileIds(ctx, config, job)) {
    const response = await outputFile(ctx, config, fileId);
    if (!response.body) continue;
    try {
      for await (const { texts } of readLineChunks(response.body)) {
        const lines: BatchResultLine[] = [];
        for (let index = 0; index < texts.length; index++) {
          let line: OpenAIBatchOutputLine;
          try {
            line = JSON.parse(texts[index]!) as OpenAIBatchOutputLine;
          } catch (error) {
            throw new UpstreamError(PROVIDER, 502, `malformed line in batch result file ${fileId} (${(error as Error).message})`);
          }
          // A line without a custom_id (or not an object at all) names no request, as Gemini's
          // reader skips a line without its key: the request it answered gets the line of a
          // request no line mentions.
          if (typeof line?.custom_id === "string" && line.custom_id !== "") lines.push(toResultLine(line));
        }
        yield { lines };
      }
    } finally {
      // A consumer that stops early (or a bad line) must not leave the file's body open.
      await response.body.cancel().catch(() => {});
    }
  }
}

/** The job's output and error files (either may be absent). */
async function resultFileIds(ctx: ProviderContext, config: OpenAIConfig, job: JobRef): Promise<string[]> {
  let fileIds = [job.data.outputFileId, job.data.errorFileId];
  if (!("outputFileId" in job.data)) {
    const batch = await retrieveBatch(ctx, config, job.nativeId);
    fileIds = [batch.output_file_id, batch.error_file_id];
  }
  return fileIds.filter((fileId): fileId is string => typeof fileId === "string" && fileId.length > 0);
}

function outputFile(ctx: ProviderContext, config: OpenAIConfig, fileId: string): Promise<Response> {
  return openaiFetch(ctx, config, `/files/${encodeURIComponent(fileId)}/content`, {
    headers: { accept: "application/binary" },
  });
}

async function* outputLines(ctx: ProviderContext, config: OpenAIConfig, fileId: string): AsyncGenerator<OpenAIBatchOutputLine> {
  const response = await outputFile(ctx, config, fileId);
  if (!response.body) return;
  try {
    yield* readJsonLines<OpenAIBatchOutputLine>(response.body);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new UpstreamError(PROVIDER, 502, `malformed line in batch result file ${fileId} (${error.message})`);
    }
    throw error;
  }
}

// Streams the error file once, at constant memory, to split its lines into real errors and
// requests that never ran.
async function tallyErrorFile(ctx: ProviderContext, config: OpenAIConfig, fileId: string): Promise<ErrorFileTally> {
  const tally: ErrorFileTally = { errored: 0, expired: 0, canceled: 0 };
  for await (const line of outputLines(ctx, config, fileId)) {
    const unrun = unrunKindOf(line);
    tally[unrun ?? "errored"] += 1;
  }
  return tally;
}

function cachedTally(data: Record<string, unknown>, fileId: string): ErrorFileTally | null {
  const cached = data.errorTally as (ErrorFileTally & { fileId?: string }) | undefined;
  if (!cached || cached.fileId !== fileId) return null;
  return { errored: cached.errored, expired: cached.expired, canceled: cached.canceled };
}

// The output and error files, which the batch's owner may download.
// OpenAI names these files after its own batch ID; clients never see native IDs, so they are
// named after the gateway batch and the job's slot instead.
async function outputFilesOf(ctx: ProviderContext, config: OpenAIConfig, batch: OpenAIBatch, slot: string): Promise<UpstreamFile[]> {
  const files: UpstreamFile[] = [];
  const owner = batch.metadata?.batchbridge_batch_id ?? "batch";
  const part = slot.replace(/[^A-Za-z0-9._-]+/g, "-");
  for (const [kind, fileId] of [["output", batch.output_file_id], ["errors", batch.error_file_id]] as const) {
    if (!fileId) continue;
    const file = await openaiJson<OpenAIFile>(ctx, config, `/files/${encodeURIComponent(fileId)}`);
    files.push(toUpstreamFile(file, { filename: `${owner}_${part}_${kind}.jsonl`, mimeType: JSONL_MIME_TYPE }));
  }
  return files;
}

async function cancelIfRunning(ctx: ProviderContext, config: OpenAIConfig, batchId: string): Promise<void> {
  let batch: OpenAIBatch;
  try {
    batch = await retrieveBatch(ctx, config, batchId);
  } catch (error) {
    if (isUpstreamStatus(error, 404)) return;
    throw error;
  }
  if (isTerminal(batch.status) || batch.status === "cancelling") return;
  await cancelBatch(ctx, config, batchId);
}

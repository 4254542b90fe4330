/**
 * Message Batches on Gemini Batch Mode (docs/reference/provider-apis.md §5.3): one `batchGenerateContent` job per
 * model, polled, cancelled and read back as Anthropic results.
 */
import { UpstreamError } from "../../lib/errors";
import { readLineChunks } from "../../lib/jsonl";
import type { BatchesAdapter, JobStatus, ProviderContext } from "../types";
import type { Artifact } from "../../domain/artifact";
import type { BatchResultChunk, BatchResultLine } from "../../domain/batch-result";
import type { JobRef } from "../../domain/job-record";
import { readBatchSummary, readInlinedResponses } from "./batch-reader";
import { toJobStatus } from "./job-status";
import { geminiJobs } from "./jobs";
import { cancelBatch, deleteBatch, retrieveBatchBody } from "./batch-calls";
import { PROVIDER } from "./client";
import { chunkLines } from "../../lib/chunk-lines";
import { deleteFile, downloadFile } from "./files";
import { resultLineText } from "./result-text";
import { toBatchResult, type IdSource } from "./translate-result";
import type { GeminiBatchResultLine, GeminiBatchSummary } from "./wire";

/**
 * Gemini batch jobs behind the Anthropic Message Batches API.
 *
 * @example
 * geminiBatches.jobs.translate({ custom_id: "a", params }, files, ctx); // throws GatewayError 400 for what Gemini cannot take
 */
export const geminiBatches: BatchesAdapter = {
  jobs: geminiJobs,

  async retrieve(ctx, job): Promise<JobStatus> {
    return toJobStatus(await readBatchSummary(await retrieveBatchBody(ctx, job.nativeId)), job);
  },

  async cancel(ctx, job): Promise<void> {
    await cancelBatch(ctx, job.nativeId);
  },

  results(ctx, job): AsyncIterable<BatchResultLine> {
    return chunkLines(readResultChunks(ctx, job));
  },

  resultChunks(ctx, job): AsyncIterable<BatchResultChunk> {
    return readResultChunks(ctx, job);
  },

  async deleteArtifact(ctx, artifact: Artifact): Promise<void> {
    if (artifact.kind === "file") return deleteFile(ctx, artifact.nativeId);
    await deleteBatch(ctx, artifact.nativeId);
  },
};

/**
 * A job's results, a chunk at a time (its `results` are these lines one by one): the lines of
 * its responses file, or its inlined response, translated, each with its JSON text (see
 * `BatchResultChunk`). A file line is matched by its `key` (the `custom_id`), whatever its
 * position; a line without a usable key cannot be matched and is skipped. An inline job holds a single
 * request (see jobs.ts), whose `custom_id` the job keeps: its response is matched by
 * being the only one, since Gemini returns inline responses without their metadata (see
 * docs/sources/gemini.md § Inline batch responses carry no key and lose request order).
 * A request left without a result gets the job's `unrun` result (job-status.ts).
 */
async function* readResultChunks(ctx: ProviderContext, job: JobRef): AsyncGenerator<BatchResultChunk> {
  const ids = randomIds();
  const model = job.model ?? "gemini";
  const inline = inlineResults(ctx, job, model, ids);
  let next = await inline.next();
  for (; !next.done; next = await inline.next()) yield { lines: [next.value], texts: [resultLineText(next.value)] };
  const responsesFile = next.value;
  if (!responsesFile) return;
  const { body } = await downloadFile(ctx, responsesFile);
  let index = 0;
  try {
    for await (const { texts } of readLineChunks(body)) {
      const chunk = translateChunk(texts, index, model, ids);
      index += texts.length;
      if (chunk.lines.length > 0) yield chunk;
    }
  } finally {
    // A consumer that stops early (or a bad line) must not leave the file's body open.
    await body.cancel().catch(() => {});
  }
}

/**
 * One read's lines of a responses file, parsed and translated, each with its JSON text
 * (written directly, result-text.ts: the vault then need not serialise it); a line without a
 * usable key is skipped. `first` is the number of lines before these, for the error that names
 * a malformed line. A plain function, not the generator's own loop: the per-line work runs in
 * code of its own (a profile of the vault write charged the generator's loop line as much as the
 * `JSON.parse` in it).
 */
function translateChunk(texts: string[], first: number, model: string, ids: IdSource): Required<Omit<BatchResultChunk, "bytes">> {
  const lines: BatchResultLine[] = [];
  const written: string[] = [];
  for (let index = 0; index < texts.length; index++) {
    let line: GeminiBatchResultLine;
    try {
      line = JSON.parse(texts[index]!) as GeminiBatchResultLine;
    } catch (error) {
      throw new UpstreamError(PROVIDER, 502, `malformed responses file line ${first + index + 1} (${(error as Error).message})`);
    }
    if (!isKey(line.key)) continue;
    const result: BatchResultLine = { custom_id: line.key, result: toBatchResult(line, model, ids) };
    lines.push(result);
    written.push(resultLineText(result));
  }
  return { lines, texts: written };
}

/**
 * The job's inlined response, translated, when it has no responses file; returns the
 * responses file's name when it has one.
 */
async function* inlineResults(ctx: ProviderContext, job: JobRef, model: string, ids: IdSource): AsyncGenerator<BatchResultLine, string | undefined> {
  const output = job.data.output as { responsesFile?: string } | undefined;
  const responsesFile = output?.responsesFile;
  if (responsesFile) return responsesFile;
  const body = await retrieveBatchBody(ctx, job.nativeId);
  const summary: GeminiBatchSummary = {};
  let first = true;
  for await (const item of readInlinedResponses(body, summary)) {
    // Jobs made before inline jobs kept their key fall back to the metadata Gemini may send.
    const key = typeof job.data.key === "string" ? (first ? job.data.key : undefined) : item.metadata?.key;
    first = false;
    if (isKey(key)) yield { custom_id: key, result: toBatchResult(item, model, ids) };
  }
  return summary.responsesFile;
}

function isKey(key: unknown): key is string {
  return typeof key === "string" && key !== "";
}

function randomIds(): IdSource {
  return {
    message: () => `msg_${randomToken()}`,
    toolUse: () => `toolu_${randomToken()}`,
  };
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function randomToken(): string {
  const random = crypto.getRandomValues(new Uint8Array(24));
  let token = "";
  for (const byte of random) token += ALPHABET[byte % ALPHABET.length];
  return token;
}

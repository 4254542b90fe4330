/** Message Batches on Anthropic: one upstream batch per gateway batch, results passed through. */
import { GatewayError, UpstreamError } from "../../lib/errors";
import { readLineChunks } from "../../lib/jsonl";
import { chunkLines } from "../../lib/chunk-lines";
import type { BatchesAdapter, ProviderContext } from "../types";
import type { BatchResultChunk, BatchResultLine } from "../../domain/batch-result";
import type { JobRef } from "../../domain/job-record";
import { cancelBatch, deleteBatch, retrieveBatch } from "./batch-calls";
import { toJobStatus } from "./job-status";
import { anthropicJobs, MESSAGE_BATCH } from "./jobs";
import { anthropicFetch, PROVIDER } from "./client";
import { readConfig } from "./config";
import { resultsUrlFor, toResultLine } from "./translate-result";

/**
 * The Anthropic `BatchesAdapter`; its one job per batch is planned from ./jobs.ts.
 *
 * @example
 * for await (const line of anthropicBatches.results(ctx, job)) console.log(line.custom_id);
 */
export const anthropicBatches: BatchesAdapter = {
  jobs: anthropicJobs,

  async retrieve(ctx, job) {
    return toJobStatus(await retrieveBatch(ctx, job.nativeId));
  },

  async cancel(ctx, job) {
    await cancelBatch(ctx, job.nativeId);
  },

  results: (ctx, job) => chunkLines(readResultChunks(ctx, job)),

  resultChunks: readResultChunks,

  async deleteArtifact(ctx, artifact) {
    if (artifact.kind !== MESSAGE_BATCH) {
      throw new GatewayError(500, "api_error", `anthropic has no artifact of kind ${artifact.kind}`);
    }
    await deleteBatch(ctx, artifact.nativeId);
  },
};

async function resultsResponse(ctx: ProviderContext, job: JobRef): Promise<Response> {
  const url = resultsUrlFor(readConfig(ctx.env).baseUrl, job);
  // The SDK asks for `application/binary`; the API answers `application/x-jsonl`.
  return anthropicFetch(ctx, { surface: "batches", method: "GET", path: url, headers: { accept: "application/binary" } });
}

/**
 * The results a chunk at a time (`results` hands out their lines one by one), each line parsed,
 * its shape checked (`toResultLine`) and kept with its own text, and the chunk with the bytes it
 * was read from: Anthropic's lines are already the gateway's format, so they are written as
 * they came rather than serialised and encoded again.
 */
async function* readResultChunks(ctx: ProviderContext, job: JobRef): AsyncGenerator<BatchResultChunk> {
  const response = await resultsResponse(ctx, job);
  if (!response.body) return;
  try {
    for await (const { texts, bytes } of readLineChunks(response.body, READ_BYTES)) {
      const lines = new Array<BatchResultLine>(texts.length);
      // The read's own bytes are the lines as written while every line is forwarded as is.
      let whole = bytes !== undefined;
      for (let index = 0; index < texts.length; index++) {
        const text = texts[index]!;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (error) {
          throw new UpstreamError(PROVIDER, 502, `malformed results line (${(error as Error).message})`);
        }
        lines[index] = toResultLine(value);
        // Only a line as compact as a serialiser writes it is forwarded as is (a line with
        // whitespace around it is serialised again, as every line used to be).
        if (!isObjectText(text)) {
          texts[index] = "";
          whole = false;
        }
      }
      yield whole ? { lines, texts, bytes } : { lines, texts };
    }
  } finally {
    // A consumer that stops early (or a bad line) must not leave the upstream body open.
    await response.body.cancel().catch(() => {});
  }
}

function isObjectText(text: string): boolean {
  return text.charCodeAt(0) === 0x7b && text.charCodeAt(text.length - 1) === 0x7d;
}

/**
 * How much of the results body is read at once: four times `readLineChunks`' own, since each
 * chunk costs a read, a trip through the generators above it and a copy into the vault's part
 * (bench/README.md, "The R2 write": the vault's CPU time against the raw copy's). These lines
 * are copied as bytes, never joined into one text again (each read is still decoded as one string
 * of up to this size).
 */
const READ_BYTES = 256 * 1024;

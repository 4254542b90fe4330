/** Message Batches on Anthropic: one upstream batch per gateway batch, results passed through. */
import { GatewayError, UpstreamError } from "../../lib/errors";
import { readJsonLines } from "../../lib/jsonl";
import type { BatchesAdapter, ProviderContext } from "../types";
import type { BatchResultLine } from "../../domain/batch-result";
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

  results: readResults,

  async deleteArtifact(ctx, artifact) {
    if (artifact.kind !== MESSAGE_BATCH) {
      throw new GatewayError(500, "api_error", `anthropic has no artifact of kind ${artifact.kind}`);
    }
    await deleteBatch(ctx, artifact.nativeId);
  },
};

async function* readResults(ctx: ProviderContext, job: JobRef): AsyncGenerator<BatchResultLine> {
  const url = resultsUrlFor(readConfig(ctx.env).baseUrl, job);
  // The SDK asks for `application/binary`; the API answers `application/x-jsonl`.
  const response = await anthropicFetch(ctx, { surface: "batches", method: "GET", path: url, headers: { accept: "application/binary" } });
  if (!response.body) return;
  const lines = readJsonLines(response.body);
  try {
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await lines.next();
      } catch (error) {
        if (error instanceof SyntaxError) throw new UpstreamError(PROVIDER, 502, `malformed results line (${error.message})`);
        throw error;
      }
      if (next.done) return;
      yield toResultLine(next.value);
    }
  } finally {
    // A consumer that stops early (or a bad line) must not leave the upstream body open.
    await lines.return(undefined);
    await response.body.cancel().catch(() => {});
  }
}

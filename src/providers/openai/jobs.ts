/**
 * How a gateway batch becomes OpenAI batches (docs/reference/provider-apis.md §4.1, §4.2), for the planner in core
 * (core/batch-planner.ts): per model, JSONL files of `/v1/chat/completions` lines sent to
 * `POST /files` (purpose `batch`), each within OpenAI's per-file limits and run as one
 * `POST /batches` job, created as soon as its file is complete.
 *
 * Every file costs a `POST /files`, a `POST /batches`, a job to poll and the records that
 * track it, so files are made as few and as full as memory allows: lines are buffered within
 * `OPENAI_BATCH_BUFFER_BYTES` (8 MiB) and a batch that fits is sent at the end, one file per
 * model, each as one body with a Content-Length. Past the budget the largest buffer streams
 * (a multipart upload whose body is a stream) if it holds at least an eighth of the budget, and
 * is sent whole otherwise. At most 4 uploads stream at once: a Worker may hold 6 outgoing
 * connections, which leaves room for the `POST /batches` that closes a file, and one spare.
 */
import type { JobLimits, ProviderJobs, ProviderContext, PlannedJob } from "../types";
import { BatchInputUpload, uploadWholeBatchInput } from "./batch-input-upload";
import { cancelBatch } from "./batch-calls";
import { openaiPostJson } from "./client";
import { readConfig, type OpenAIConfig } from "./config";
import { deleteOpenAIFile } from "./files";
import { toChatCompletion } from "./translate-request";
import type { OpenAIBatch } from "./wire";

/**
 * How long OpenAI keeps a job's output and error files: 30 days (its maximum) from their
 * creation, so results outlive the 29 days Anthropic promises them for. See
 * docs/sources/openai.md § output_expires_after sets when a batch's output and error files expire.
 */
export const OUTPUT_EXPIRES_AFTER = { anchor: "created_at", seconds: 30 * 24 * 3600 } as const;

/** The batch endpoint, and the `url` of every line (they must be equal). */
export const CHAT_COMPLETIONS_URL = "/v1/chat/completions";

/** Streaming uploads open at once: 4 of a Worker's 6 outgoing connections. */
export const MAX_OPEN_UPLOADS = 4;

/**
 * What a buffered line is counted as beyond its bytes. Lines are packed into shared slabs
 * (`packLines`), which cost less than this a line; it stays as it was (a typed array and its
 * buffer a line) so that the budget splits batches into the same files as before.
 */
export const LINE_OVERHEAD_BYTES = 200;

/**
 * OpenAI's part in planning a batch.
 *
 * @example
 * const line = openaiJobs.translate({ custom_id: "a", params }, files, ctx); // group "gpt-4o-mini"
 */
export const openaiJobs: ProviderJobs = {
  limits(env): JobLimits {
    const config = readConfig(env);
    return {
      maxLines: config.batchMaxLines,
      maxBytes: config.batchMaxBytes,
      bufferBytes: config.batchBufferBytes,
      lineOverheadBytes: LINE_OVERHEAD_BYTES,
      streamFromBytes: Math.max(1, Math.floor(config.batchBufferBytes / 8)),
      maxOpenInputs: MAX_OPEN_UPLOADS,
      createJobs: "close",
      closeConcurrency: 1,
      groupIsModel: true,
      // A JSONL file: buffered lines are packed into pooled slabs, not kept one buffer each (a
      // 100,000-request create's heap held two budgets' worth of line buffers).
      packLines: true,
    };
  },

  translate(request, files) {
    const body = toChatCompletion(request.params, files);
    // The line's fixed part as text, the body serialised once (no wrapper object to walk); the
    // planner encodes it straight into the job's buffer or upload (packLines).
    const text = `{"custom_id":${JSON.stringify(request.custom_id)},"method":"POST","url":"${CHAT_COMPLETIONS_URL}","body":${JSON.stringify(body)}}\n`;
    return { customId: request.custom_id, group: body.model, model: body.model, text };
  },

  session(ctx, start) {
    const config = readConfig(ctx.env);
    const createdFiles: string[] = [];
    const createdBatches: string[] = [];
    const filename = (job: PlannedJob) => `batchbridge-${start.batchId}-${job.ordinal}.jsonl`;
    const closed = (id: string) => {
      createdFiles.push(id);
      return { artifact: { kind: "file", nativeId: id }, data: { inputFileId: id } };
    };
    return {
      async openInput(job) {
        const upload = new BatchInputUpload(ctx, config, filename(job));
        return {
          write: (bytes) => upload.append(bytes),
          close: async () => closed((await upload.finish()).id),
          abort: (reason) => upload.abort(reason),
        };
      },
      async sendWhole(job, lines) {
        return closed((await uploadWholeBatchInput(ctx, config, filename(job), lines, job.bytes)).id);
      },
      async createJob(_job, input) {
        const inputFileId = input.data.inputFileId as string;
        const batch = await createOpenAIBatch(ctx, config, start.batchId, inputFileId);
        createdBatches.push(batch.id);
        return { nativeId: batch.id, data: { inputFileId }, artifact: { kind: "batch", nativeId: batch.id, data: { inputFileId } } };
      },
      // Batches first: a batch may still be reading its input file.
      async abort() {
        for (const id of createdBatches) await cancelBatch(ctx, config, id).catch(() => {});
        for (const id of createdFiles) await deleteOpenAIFile(ctx, id).catch(() => {});
      },
    };
  },
};

function createOpenAIBatch(ctx: ProviderContext, config: OpenAIConfig, batchId: string, inputFileId: string): Promise<OpenAIBatch> {
  return openaiPostJson<OpenAIBatch>(ctx, config, "/batches", {
    input_file_id: inputFileId,
    endpoint: CHAT_COMPLETIONS_URL,
    completion_window: "24h",
    metadata: { batchbridge_batch_id: batchId },
    output_expires_after: OUTPUT_EXPIRES_AFTER,
  });
}

/**
 * How a gateway batch becomes Gemini batch jobs (docs/reference/provider-apis.md §5.3), for the planner in core
 * (core/batch-planner.ts): one `batchGenerateContent` job per model and input (the model is
 * part of Gemini's batch URL), all created once the batch has been read.
 *
 * A job of more than one request goes as a JSONL file of `{key, request}` lines, sent through a
 * resumable upload: the result lines of a file job carry their key, while inline responses
 * carry neither their key nor their request's position (see docs/sources/gemini.md § Inline
 * batch responses carry no key and lose request order). Only a job of a single request goes
 * inline, and its result is matched by being the only one (its `custom_id` is kept with the job).
 *
 * Lines are buffered within 4 MiB across models (a Worker has 128 MB, and Gemini takes inline
 * bodies up to 20 MiB, docs/reference/provider-apis.md §5.3); past it, the largest buffer streams to its file, an
 * upload holding at most one chunk (two for the one upload of the isolate that sends a chunk while
 * the next fills, ./resumable-upload.ts). At most 4 uploads are open at once (a Worker has 6
 * connections): opening a fifth closes the least recently written one, whose model continues
 * in a new job (a new slot).
 */
import { concatBytes } from "../../lib/concat-bytes";
import { GatewayError, UpstreamError } from "../../lib/errors";
import type { ClosedInput, JobLimits, ProviderJobs } from "../types";
import { geminiClient, PROVIDER } from "./client";
import { ResumableUpload } from "./resumable-upload";
import { toGenerateContentRequest } from "./translate-request";
import { rememberLast } from "../../lib/remember-last";

/** Bytes of lines held in memory across models before the largest streams to its file. */
export const BUFFER_BYTES = 4 * 1024 * 1024;

const MAX_OPEN_UPLOADS = 4;

// What a line costs in memory beyond its bytes (a typed array and its buffer), counted so that
// many small requests cannot outgrow the budget.
const LINE_OVERHEAD_BYTES = 200;

const decoder = new TextDecoder();

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

// Checking the model with its patterns for every request showed in a 100,000-request create's
// profile; a batch mostly names one model.
const urlModelOf = rememberLast(geminiModelOf);

/**
 * Gemini's part in planning a batch.
 *
 * @example
 * const line = geminiJobs.translate({ custom_id: "a", params }, files, ctx); // {"key":"a","request":{…}}\n
 */
export const geminiJobs: ProviderJobs = {
  limits(): JobLimits {
    return {
      maxLines: Number.MAX_SAFE_INTEGER,
      maxBytes: Number.MAX_SAFE_INTEGER,
      bufferBytes: BUFFER_BYTES,
      lineOverheadBytes: LINE_OVERHEAD_BYTES,
      streamFromBytes: 0,
      maxOpenInputs: MAX_OPEN_UPLOADS,
      createJobs: "finish",
      closeConcurrency: 1,
      groupIsModel: true,
      // A JSONL file: buffered lines are packed into pooled slabs and each line is encoded into
      // one reused buffer, not a new buffer per line (garbage for the collector a line).
      packLines: true,
    };
  },

  translate(request, files) {
    const model = urlModelOf(request.params.model);
    const native = toGenerateContentRequest(request.params, files);
    // As text: the planner encodes it into the job's buffer or upload (packLines).
    const text = `{"key":${JSON.stringify(request.custom_id)},"request":${JSON.stringify(native)}}\n`;
    return { customId: request.custom_id, group: model, model, text };
  },

  session(ctx, start) {
    const gemini = geminiClient(ctx);
    const displayName = `batchbridge-${start.batchId}`;
    return {
      async openInput(job) {
        // Named after the batch and the model (and the job's number within the model after the first).
        const fileName = `${displayName}-${job.group}${job.n === 0 ? "" : `-${job.n}`}.jsonl`;
        const upload = await ResumableUpload.start(gemini, { displayName: fileName, mimeType: "application/jsonl", sizeBytes: null });
        return {
          write: (bytes) => upload.write(bytes),
          async close(): Promise<ClosedInput> {
            const file = await upload.finish();
            return { artifact: { kind: "file", nativeId: file.name, data: { purpose: "batch-input", slot: job.slot } }, data: { inputFile: file.name } };
          },
          abort: () => upload.cancel(),
        };
      },
      // A job of one request goes inline: nothing is sent before its job is created.
      async sendWhole(job, lines) {
        if (job.lines !== 1) {
          const input = await this.openInput(job);
          for (const line of lines.splice(0)) await input.write(line);
          return input.close();
        }
        // The pieces are views of pooled slabs (packLines), reused once this returns: the line is
        // copied out, whole, for createJob.
        return { data: { inline: concatBytes(lines) } };
      },
      async createJob(job, input) {
        const inputFile = input.data.inputFile as string | undefined;
        let body: string;
        let data: Record<string, unknown>;
        if (inputFile) {
          body = JSON.stringify({ batch: { display_name: displayName, input_config: { file_name: inputFile } } });
          data = { input: "file", inputFile };
        } else {
          const { key, request } = JSON.parse(decoder.decode(input.data.inline as Uint8Array)) as { key: string; request: unknown };
          body = JSON.stringify({ batch: { display_name: displayName, input_config: { requests: { requests: [{ request, metadata: { key } }] } } } });
          data = { input: "inline", key };
        }
        const operation = await gemini.json<{ name?: string }>(`/v1beta/models/${encodeURIComponent(job.group)}:batchGenerateContent`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        if (typeof operation.name !== "string" || !operation.name.startsWith("batches/")) {
          throw new UpstreamError(PROVIDER, 502, "batchGenerateContent answered without a batch name");
        }
        return { nativeId: operation.name, data, artifact: { kind: "batch", nativeId: operation.name, data: { model: job.group, slot: job.slot } } };
      },
      async abort() {},
    };
  },
};

/**
 * How a gateway batch becomes Bedrock jobs, for the planner in core (core/batch-planner.ts):
 * per Bedrock model, a JSONL input object in S3 (./slot-upload.ts: one PUT under 5 MiB,
 * a multipart upload with 5 MiB parts above) and one model invocation job, every job created
 * once the batch has been read.
 *
 * Bedrock's records-per-job quotas shape the jobs. A model's job is full at
 * `BEDROCK_BATCH_MAX_RECORDS`; its next requests start another. A job below
 * `BEDROCK_BATCH_MIN_RECORDS` would fail Bedrock's validation after it was created: it becomes
 * an invoke job instead, whose records the gateway runs one by one with InvokeModel
 * (./invoke-job.ts), unless `BEDROCK_SMALL_BATCHES=refuse`: then the batch is refused before
 * any job exists (and what was written to S3 is removed).
 *
 * Memory: lines are buffered within 8 MiB across models; past it, the largest buffer streams to
 * its object, which holds at most one 5 MiB part (S3's minimum part size) and cannot send less
 * without ending the job early. So the number of open objects is what must be bounded: a batch
 * may use at most `MAX_MODELS_PER_BATCH` (8) distinct Bedrock models, each with at most one
 * open object (a 9th model is refused with a 400 before anything is sent for it), and at most
 * 4 parts are in flight at once (`CONCURRENT_UPLOADS`, 4 of a Worker's 6 connections).
 */
import { GatewayError } from "../../lib/errors";
import type { JobLimits, JobLine, PlannedJob, ProviderJobs } from "../types";
import { awsCalls } from "./client";
import { readConfig } from "./config";
import { createModelInvocationJob, stopModelInvocationJob } from "./batch-calls";
import { newInvokeJobData } from "./invoke-job";
import { Limiter } from "./limiter";
import { bedrockModelId } from "./models";
import { clientRequestToken, inputKey, jobName, outputFolder, outputKeys, s3Uri } from "./names";
import { SlotUpload } from "./slot-upload";
import { toBedrockRecord } from "./translate-request";

/** How many objects may be sending parts, or be committed, at once. */
const CONCURRENT_UPLOADS = 4;

/**
 * Distinct Bedrock models (model IDs, profile IDs or ARNs) one batch may use. Each may have an
 * open input object holding up to 5 MiB until it sends a part; 8 keep that to 40 MiB of a
 * Worker's 128 MB.
 */
export const MAX_MODELS_PER_BATCH = 8;

/** Bytes of lines held in memory across models before the largest streams to its object. */
export const BUFFER_BYTES = 8 * 1024 * 1024;

/** What a line costs in memory beyond its bytes (a typed array and its buffer). */
const LINE_OVERHEAD_BYTES = 200;

/** What the gateway keeps for a Bedrock job (`JobRef.data`). */
export interface BedrockJobData {
  [key: string]: unknown;
  bucket: string;
  inputKey: string;
  /** Exactly where Bedrock writes this job's results, fixed when the job was created. */
  outputKey: string;
  manifestKey: string;
}

const encoder = new TextEncoder();

/**
 * Bedrock's part in planning a batch.
 *
 * @example
 * const line = bedrockJobs.translate({ custom_id: "a", params }, files, ctx); // group "anthropic.claude-3-haiku-20240307-v1:0"
 */
export const bedrockJobs: ProviderJobs = {
  limits(env): JobLimits {
    const config = readConfig(env);
    return {
      maxLines: config.maxRecords,
      maxBytes: Number.MAX_SAFE_INTEGER,
      bufferBytes: BUFFER_BYTES,
      lineOverheadBytes: LINE_OVERHEAD_BYTES,
      streamFromBytes: 0,
      maxOpenInputs: MAX_MODELS_PER_BATCH,
      maxGroups: { count: MAX_MODELS_PER_BATCH, refuse: tooManyModels },
      createJobs: "finish",
      closeConcurrency: CONCURRENT_UPLOADS,
      groupIsModel: true,
    };
  },

  translate(request, _files, ctx) {
    const modelId = bedrockModelId(request.params.model);
    const bytes = encoder.encode(`${JSON.stringify(toBedrockRecord(request, ctx.clientBetas))}\n`);
    return { customId: request.custom_id, group: modelId, model: request.params.model, bytes };
  },

  session(ctx, start) {
    const config = readConfig(ctx.env);
    const aws = awsCalls(ctx, config);
    const uploads = new Limiter(CONCURRENT_UPLOADS);
    const objects: SlotUpload[] = [];
    const jobArns: string[] = [];
    const { bucket, prefix, roleArn, minRecords, maxRecords } = config;
    const newObject = (job: PlannedJob): SlotUpload => {
      const key = inputKey(prefix, start.batchId, job.ordinal + 1, job.group);
      const object = new SlotUpload({ slot: job.slot, modelId: job.group, bucket, key, aws, sink: start.sink, uploads });
      objects.push(object);
      return object;
    };
    return {
      async openInput(job) {
        const object = newObject(job);
        const key = object.key;
        return {
          write: (bytes) => object.append(bytes),
          async close() {
            await object.commit();
            return { data: { key } };
          },
          abort: () => object.discard(),
        };
      },

      // One PUT under 5 MiB (a multipart upload above), the whole buffer appended at once.
      async sendWhole(job, lines) {
        const object = newObject(job);
        await object.append(...lines.splice(0));
        await object.commit();
        return { data: { key: object.key } };
      },

      beforeCreate(jobs) {
        if (config.smallBatches !== "refuse") return;
        const small = jobs.filter((job) => job.lines < minRecords);
        if (small.length === 0) return;
        const groups = small.map((job) =>
          job.n === 0 ? `${job.lines} for model ${job.group}` : `${job.lines} for model ${job.group} beyond the ${maxRecords} per job of BEDROCK_BATCH_MAX_RECORDS`,
        );
        throw GatewayError.invalid(
          `Bedrock batch inference needs at least ${minRecords} requests per job (BEDROCK_BATCH_MIN_RECORDS=${minRecords}), but this batch has ${groups.join(", ")}. ` +
            `Send at least ${minRecords} requests per model, or lower BEDROCK_BATCH_MIN_RECORDS if your account's Bedrock quota allows it, ` +
            "or unset BEDROCK_SMALL_BATCHES=refuse to have the gateway run smaller groups itself (at on-demand prices).",
        );
      },

      async createJob(job, input) {
        const key = input.data.key as string;
        const uri = s3Uri(bucket, key);
        // Below Bedrock's minimum: the gateway runs the records itself. Their output objects are
        // recorded now (before any exists) so that deleting the batch removes them.
        if (job.lines < minRecords) {
          return {
            nativeId: uri,
            data: newInvokeJobData(bucket, key),
            artifact: { kind: "invoke_results", nativeId: s3Uri(bucket, `${key}.invoke/`), data: { bucket, inputKey: key, count: job.lines } },
          };
        }
        const folder = outputFolder(prefix, start.batchId);
        const jobArn = await createModelInvocationJob(aws, {
          jobName: jobName(start.batchId, job.ordinal + 1),
          roleArn,
          clientRequestToken: clientRequestToken(start.batchId, job.ordinal + 1),
          modelId: job.group,
          inputS3Uri: uri,
          outputS3Uri: s3Uri(bucket, folder),
        });
        jobArns.push(jobArn);
        const { outputKey, manifestKey } = outputKeys(folder, jobArn, key);
        const data: BedrockJobData = { bucket, inputKey: key, outputKey, manifestKey };
        return { nativeId: jobArn, data, artifact: { kind: "job", nativeId: jobArn, data: { bucket, outputKey, manifestKey } } };
      },

      async abort() {
        await Promise.allSettled([...objects.map((object) => object.discard()), ...jobArns.splice(0).map((jobArn) => stopModelInvocationJob(aws, jobArn))]);
      },
    };
  },
};

function tooManyModels(line: JobLine, number: number): Error {
  return GatewayError.invalid(
    `params.model: ${line.model} would be Bedrock model number ${number} of this batch, but provider bedrock takes at most ${MAX_MODELS_PER_BATCH} distinct models per batch ` +
      "(each model's input file is gathered in memory while the batch is created). Send the requests of the other models in another batch.",
  );
}

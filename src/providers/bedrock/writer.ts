/**
 * Creates a gateway batch on Bedrock: requests are grouped by Bedrock model, each group is
 * written to S3 as a JSONL input file while the requests arrive, and `finish` starts one model
 * invocation job per file.
 *
 * Bedrock's records-per-job quotas shape the groups. A group that reaches
 * `BEDROCK_BATCH_MAX_RECORDS` is closed and the model's next requests start another file (and
 * job). A file below `BEDROCK_BATCH_MIN_RECORDS` would fail Bedrock's validation after the
 * job was created: such a file becomes an invoke job instead, whose records the gateway runs
 * one by one with InvokeModel (./invoke-job.ts), unless `BEDROCK_SMALL_BATCHES=refuse`: then
 * `finish` refuses the batch first, before any job exists (and removes the S3 objects written
 * so far).
 *
 * Memory is bounded whatever the client sends. A file gathers up to 5 MiB before it sends a
 * part (S3's minimum part size), and a model's open file cannot send less without ending early,
 * so the number of open files is what must be bounded: a batch may use at most
 * `MAX_MODELS_PER_BATCH` (8) distinct Bedrock models, and a 9th is refused from `add` with a 400
 * before anything is sent for it (8 × 5 MiB = 40 MiB). Files closed at
 * `BEDROCK_BATCH_MAX_RECORDS` that never reached 5 MiB wait for `finish` to be written in one
 * PUT, unless together they hold more than `SEALED_BYTES_MAX` (8 MiB): then the largest are
 * written at once. At most 4 parts are in flight (`CONCURRENT_UPLOADS`).
 */
import { GatewayError } from "../../lib/errors";
import type { BatchStart, BatchWriter, ProviderContext } from "../types";
import type { BatchRequest } from "../../domain/batch-request";
import type { JobRef } from "../../domain/job-record";
import { awsCalls, type AwsCalls } from "./aws";
import { readBedrockConfig, type BedrockConfig } from "./config";
import { createModelInvocationJob, stopModelInvocationJob } from "./control-plane";
import { newInvokeJobData } from "./invoke-job";
import { Limiter } from "./limiter";
import { bedrockModelId } from "./models";
import { clientRequestToken, inputKey, jobName, outputFolder, outputKeys, s3Uri } from "./names";
import { SlotUpload } from "./slot-upload";
import { toBedrockRecord } from "./translate-request";

/** How many files may be sending parts, or be committed, at once. */
const CONCURRENT_UPLOADS = 4;

/**
 * Distinct Bedrock models (model IDs, profile IDs or ARNs) one batch may use. Each has an open
 * input file holding up to 5 MiB until it sends a part or the batch is finished; 8 keep that
 * to 40 MiB of a Worker's 128 MB.
 */
export const MAX_MODELS_PER_BATCH = 8;

/** Bytes that files closed at `BEDROCK_BATCH_MAX_RECORDS` may hold, together, until `finish`. */
export const SEALED_BYTES_MAX = 8 * 1024 * 1024;

/** What the gateway keeps for a Bedrock job (`JobRef.data`). */
export interface BedrockJobData {
  [key: string]: unknown;
  bucket: string;
  inputKey: string;
  /** Exactly where Bedrock writes this job's results, fixed when the job was created. */
  outputKey: string;
  manifestKey: string;
}

/**
 * The `BatchWriter` of one gateway batch on Bedrock.
 *
 * @example
 * const writer = new BedrockBatchWriter(ctx, { batchId, sink, files });
 * await writer.add(request); // → "anthropic.claude-3-haiku-20240307-v1:0#1"
 * const jobs = await writer.finish();
 */
export class BedrockBatchWriter implements BatchWriter {
  private readonly config: BedrockConfig;
  private readonly aws: AwsCalls;
  private readonly start: BatchStart;
  private readonly clientBetas: readonly string[];
  private readonly uploads = new Limiter(CONCURRENT_UPLOADS);
  private readonly encoder = new TextEncoder();
  /** The file currently taking each model's requests. */
  private readonly openFiles = new Map<string, SlotUpload>();
  private readonly filesPerModel = new Map<string, number>();
  private readonly files: SlotUpload[] = [];
  private readonly jobArns: string[] = [];

  constructor(ctx: ProviderContext, start: BatchStart) {
    this.config = readBedrockConfig(ctx.env);
    this.aws = awsCalls(ctx, this.config);
    this.start = start;
    this.clientBetas = ctx.clientBetas;
  }

  async add(request: BatchRequest): Promise<string> {
    const modelId = bedrockModelId(request.params.model);
    const line = this.encoder.encode(`${JSON.stringify(toBedrockRecord(request, this.clientBetas))}\n`);
    if (!this.filesPerModel.has(modelId) && this.filesPerModel.size >= MAX_MODELS_PER_BATCH) {
      throw GatewayError.invalid(
        `params.model: ${request.params.model} would be Bedrock model number ${this.filesPerModel.size + 1} of this batch, but provider bedrock takes at most ${MAX_MODELS_PER_BATCH} distinct models per batch ` +
          "(each model's input file is gathered in memory while the batch is created). Send the requests of the other models in another batch.",
      );
    }
    let file = this.openFiles.get(modelId);
    if (file && file.count >= this.config.maxRecords) {
      await file.seal();
      await this.keepSealedFilesBounded();
      file = undefined;
    }
    file ??= this.openFile(modelId);
    await file.append(line, request.params.model);
    return file.slot;
  }

  async finish(): Promise<JobRef[]> {
    try {
      if (this.config.smallBatches === "refuse") this.refuseSmallFiles();
      await inBatches(this.files, CONCURRENT_UPLOADS, (file) => file.commit());
      const jobs: JobRef[] = [];
      for (const [index, file] of this.files.entries()) {
        jobs.push(file.count < this.config.minRecords ? await this.invokeJob(file) : await this.createJob(file, index + 1));
      }
      return jobs;
    } catch (error) {
      await this.abort(error);
      throw error;
    }
  }

  async abort(_reason: unknown): Promise<void> {
    const jobArns = this.jobArns.splice(0);
    await Promise.allSettled([
      ...this.files.map((file) => file.discard()),
      ...jobArns.map((jobArn) => stopModelInvocationJob(this.aws, jobArn)),
    ]);
  }

  private openFile(modelId: string): SlotUpload {
    const fileOfModel = (this.filesPerModel.get(modelId) ?? 0) + 1;
    this.filesPerModel.set(modelId, fileOfModel);
    const file = new SlotUpload({
      slot: `${modelId}#${fileOfModel}`,
      modelId,
      bucket: this.config.bucket,
      key: inputKey(this.config.prefix, this.start.batchId, this.files.length + 1, modelId),
      aws: this.aws,
      sink: this.start.sink,
      uploads: this.uploads,
    });
    this.files.push(file);
    this.openFiles.set(modelId, file);
    return file;
  }

  // Sealed files that are still held in memory (below 5 MiB, so not multipart) are written now,
  // the largest first, once they hold more than SEALED_BYTES_MAX together.
  private async keepSealedFilesBounded(): Promise<void> {
    const held = this.files.filter((file) => file.sealed && file.heldBytes > 0).sort((a, b) => b.heldBytes - a.heldBytes);
    let total = held.reduce((sum, file) => sum + file.heldBytes, 0);
    for (const file of held) {
      if (total <= SEALED_BYTES_MAX) return;
      total -= file.heldBytes;
      await file.commit();
    }
  }

  private refuseSmallFiles(): void {
    const { minRecords, maxRecords } = this.config;
    const small = this.files.filter((file) => file.count < minRecords);
    if (small.length === 0) return;
    const groups = small.map((file) =>
      file.slot.endsWith("#1") ? `${file.count} for model ${file.modelId}` : `${file.count} for model ${file.modelId} beyond the ${maxRecords} per job of BEDROCK_BATCH_MAX_RECORDS`,
    );
    throw GatewayError.invalid(
      `Bedrock batch inference needs at least ${minRecords} requests per job (BEDROCK_BATCH_MIN_RECORDS=${minRecords}), but this batch has ${groups.join(", ")}. ` +
        `Send at least ${minRecords} requests per model, or lower BEDROCK_BATCH_MIN_RECORDS if your account's Bedrock quota allows it, ` +
        "or unset BEDROCK_SMALL_BATCHES=refuse to have the gateway run smaller groups itself (at on-demand prices).",
    );
  }

  // Below Bedrock's minimum: the gateway runs the records itself. Their output objects are
  // recorded now (before any exists) so that deleting the batch removes them.
  private async invokeJob(file: SlotUpload): Promise<JobRef> {
    const { bucket } = this.config;
    await this.start.sink.record({ kind: "invoke_results", nativeId: s3Uri(bucket, `${file.key}.invoke/`), data: { bucket, inputKey: file.key, count: file.count } });
    return { slot: file.slot, nativeId: file.uri, model: file.requestedModel ?? file.modelId, requestCount: file.count, data: newInvokeJobData(bucket, file.key) };
  }

  private async createJob(file: SlotUpload, ordinal: number): Promise<JobRef> {
    const { bucket, prefix, roleArn } = this.config;
    const folder = outputFolder(prefix, this.start.batchId);
    const jobArn = await createModelInvocationJob(this.aws, {
      jobName: jobName(this.start.batchId, ordinal),
      roleArn,
      clientRequestToken: clientRequestToken(this.start.batchId, ordinal),
      modelId: file.modelId,
      inputS3Uri: file.uri,
      outputS3Uri: s3Uri(bucket, folder),
    });
    this.jobArns.push(jobArn);
    const { outputKey, manifestKey } = outputKeys(folder, jobArn, file.key);
    await this.start.sink.record({ kind: "job", nativeId: jobArn, data: { bucket, outputKey, manifestKey } });
    const data: BedrockJobData = { bucket, inputKey: file.key, outputKey, manifestKey };
    return { slot: file.slot, nativeId: jobArn, model: file.requestedModel ?? file.modelId, requestCount: file.count, data };
  }
}

// Settles every started task before reporting a failure, so that nothing is still writing
// when the caller cleans up.
async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    const outcomes = await Promise.allSettled(items.slice(start, start + size).map(run));
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed) throw failed.reason;
  }
}

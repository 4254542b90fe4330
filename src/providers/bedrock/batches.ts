/**
 * Message batches on Bedrock batch inference: creation is planned from ./jobs.ts; this follows the
 * jobs, stops them, streams their results from S3 and removes what the gateway created. A
 * model's group below Bedrock's batch minimum is an invoke job the gateway runs itself
 * (./invoke-job.ts): its status is its recorded progress, its results its kept output lines.
 */
import { GatewayError, UpstreamError } from "../../lib/errors";
import { readLines } from "../../lib/jsonl";
import type { BatchesAdapter, ProviderContext } from "../types";
import type { Artifact } from "../../domain/artifact";
import type { BatchResultLine } from "../../domain/batch-result";
import type { JobRef } from "../../domain/job-record";
import { awsCalls, isNotFound, type AwsCalls } from "./client";
import { readConfig } from "./config";
import { getModelInvocationJob, stopModelInvocationJob } from "./batch-calls";
import { deleteInvokeResults, invokeJobResults, invokeJobStatus, isInvokeJob, stepInvokeJob } from "./invoke-job";
import { isEnded, toJobStatus } from "./job-status";
import type { BedrockManifest, BedrockOutputLine } from "./wire";
import { bedrockJobs } from "./jobs";
import { parseS3Uri } from "./names";
import { abortMultipartUpload, deleteObject, getObject } from "./s3";
import { toResultLine } from "./translate-result";

/**
 * The Bedrock `BatchesAdapter`.
 *
 * @example
 * const status = await bedrockBatches.retrieve(ctx, job); // { state: "in_progress", counts, … }
 */
export const bedrockBatches: BatchesAdapter = {
  jobs: bedrockJobs,

  async retrieve(ctx, job) {
    if (isInvokeJob(job)) return invokeJobStatus(job);
    const aws = awsFor(ctx);
    const { bucket, manifestKey } = jobData(job);
    const native = await getModelInvocationJob(aws, job.nativeId);
    if (!native) throw new UpstreamError("bedrock", 404, `batch inference job ${job.nativeId} no longer exists`);
    const manifest = isEnded(native.status) ? await readManifest(aws, bucket, manifestKey) : null;
    return toJobStatus(native, manifest, job.requestCount);
  },

  async cancel(ctx, job) {
    // An invoke job is stopped by its next step, which the service tells that the batch is canceled.
    if (isInvokeJob(job)) return;
    await stopUnlessEnded(awsFor(ctx), job.nativeId);
  },

  results(ctx, job) {
    return isInvokeJob(job) ? invokeJobResults(ctx, job) : readResults(awsFor(ctx), job);
  },

  runsInGateway(job) {
    return isInvokeJob(job);
  },

  step(ctx, job, options) {
    return stepInvokeJob(ctx, job, options);
  },

  async deleteArtifact(ctx, artifact) {
    const aws = awsFor(ctx);
    switch (artifact.kind) {
      case "s3_object": {
        const { bucket, key } = s3Location(artifact);
        return deleteObject(aws, bucket, key);
      }
      case "s3_multipart_upload": {
        const { bucket, key } = s3Location(artifact);
        return abortMultipartUpload(aws, bucket, key, String(artifact.data?.uploadId ?? ""));
      }
      case "invoke_results": {
        const { bucket, inputKey, count } = artifact.data ?? {};
        return deleteInvokeResults(aws, String(bucket ?? ""), String(inputKey ?? ""), Number(count ?? 0));
      }
      case "job": {
        // Bedrock has no API to delete a job: it is stopped if still running, and the output
        // it wrote (known from when it was created) is removed.
        await stopUnlessEnded(aws, artifact.nativeId);
        const bucket = String(artifact.data?.bucket ?? "");
        for (const key of [artifact.data?.outputKey, artifact.data?.manifestKey]) {
          if (typeof key === "string" && key !== "") await deleteObject(aws, bucket, key);
        }
        return;
      }
      default:
        throw new GatewayError(500, "api_error", `bedrock: unknown artifact kind ${artifact.kind}`);
    }
  },
};

async function* readResults(aws: AwsCalls, job: JobRef): AsyncGenerator<BatchResultLine> {
  const { bucket, outputKey } = jobData(job);
  // No output object: the job ended before running anything; its records are all unrun.
  const body = await getObject(aws, bucket, outputKey);
  if (!body) return;
  const model = job.model ?? "";
  for await (const text of readLines(body)) {
    let line: BedrockOutputLine;
    try {
      line = JSON.parse(text) as BedrockOutputLine;
    } catch {
      throw new UpstreamError("bedrock", 502, `malformed batch output in s3://${bucket}/${outputKey}: a line is not JSON`);
    }
    // A line that names no record cannot be matched: it is skipped, and its request is then the
    // one no line mentions, which gets the job's `unrun` result (job-status.ts), as on OpenAI and Gemini.
    if (typeof line?.recordId === "string" && line.recordId !== "") yield toResultLine(line, model);
  }
}

async function readManifest(aws: AwsCalls, bucket: string, key: string): Promise<BedrockManifest | null> {
  const body = await getObject(aws, bucket, key);
  if (!body) return null;
  const text = await new Response(body).text();
  try {
    return JSON.parse(text) as BedrockManifest;
  } catch {
    throw new UpstreamError("bedrock", 502, `malformed manifest.json.out in s3://${bucket}/${key}`);
  }
}

// Bedrock refuses to stop a job that has ended or is already stopping (a 400); that is not a
// failure here, nor is a job Bedrock no longer knows. Asking first would cost a call every time.
async function stopUnlessEnded(aws: AwsCalls, jobArn: string): Promise<void> {
  try {
    await stopModelInvocationJob(aws, jobArn);
  } catch (error) {
    if (isNotFound(error)) return;
    if (!(error instanceof UpstreamError) || error.upstreamStatus !== 400) throw error;
    const job = await getModelInvocationJob(aws, jobArn);
    if (!job || isEnded(job.status) || job.status === "Stopping") return;
    throw error;
  }
}

function awsFor(ctx: ProviderContext): AwsCalls {
  return awsCalls(ctx, readConfig(ctx.env));
}

function jobData(job: JobRef): { bucket: string; outputKey: string; manifestKey: string } {
  const { bucket, outputKey, manifestKey } = job.data as Record<string, unknown>;
  if (typeof bucket !== "string" || typeof outputKey !== "string" || typeof manifestKey !== "string") {
    throw new GatewayError(500, "api_error", `bedrock: job ${job.nativeId} has no recorded output location`);
  }
  return { bucket, outputKey, manifestKey };
}

function s3Location(artifact: Artifact): { bucket: string; key: string } {
  const location = parseS3Uri(artifact.nativeId);
  if (!location) throw new GatewayError(500, "api_error", `bedrock: artifact ${artifact.nativeId} is not an S3 URI`);
  return location;
}

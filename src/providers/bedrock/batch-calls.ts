/**
 * The Bedrock control-plane operations of batch inference (API reference:
 * CreateModelInvocationJob, GetModelInvocationJob, StopModelInvocationJob). Jobs are named by
 * their ARN, URL-encoded into one path segment as the AWS SDKs do.
 */
import { readUpstreamJson } from "../../lib/upstream";
import { UpstreamError } from "../../lib/errors";
import { isNotFound, type AwsCalls } from "./client";
import type { BedrockJob } from "./wire";

/** What the gateway asks of CreateModelInvocationJob. */
export interface JobRequest {
  jobName: string;
  roleArn: string;
  clientRequestToken: string;
  modelId: string;
  inputS3Uri: string;
  outputS3Uri: string;
}

/**
 * Creates a model invocation job reading one JSONL object; returns the job ARN.
 *
 * @example
 * const jobArn = await createModelInvocationJob(aws, { jobName, roleArn, clientRequestToken, modelId, inputS3Uri, outputS3Uri });
 */
export async function createModelInvocationJob(aws: AwsCalls, job: JobRequest): Promise<string> {
  const response = await aws.control("POST", "/model-invocation-job", {
    jobName: job.jobName,
    roleArn: job.roleArn,
    clientRequestToken: job.clientRequestToken,
    modelId: job.modelId,
    inputDataConfig: { s3InputDataConfig: { s3Uri: job.inputS3Uri, s3InputFormat: "JSONL" } },
    outputDataConfig: { s3OutputDataConfig: { s3Uri: job.outputS3Uri } },
  });
  const { jobArn } = await readUpstreamJson<{ jobArn?: unknown }>("bedrock", response);
  if (typeof jobArn !== "string" || jobArn === "") throw new UpstreamError("bedrock", 502, "CreateModelInvocationJob answered without a jobArn");
  return jobArn;
}

/**
 * A job's current state; `null` when Bedrock does not know the job.
 *
 * @example
 * const job = await getModelInvocationJob(aws, jobArn); // { status: "InProgress", … }
 */
export async function getModelInvocationJob(aws: AwsCalls, jobArn: string): Promise<BedrockJob | null> {
  try {
    return await readUpstreamJson<BedrockJob>("bedrock", await aws.control("GET", `/model-invocation-job/${encodeURIComponent(jobArn)}`));
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/**
 * Asks Bedrock to stop a job (it goes to Stopping, then Stopped; processed records are billed).
 *
 * @example
 * await stopModelInvocationJob(aws, jobArn);
 */
export async function stopModelInvocationJob(aws: AwsCalls, jobArn: string): Promise<void> {
  const response = await aws.control("POST", `/model-invocation-job/${encodeURIComponent(jobArn)}/stop`);
  await response.body?.cancel();
}

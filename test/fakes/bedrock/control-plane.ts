/**
 * A strict fake of the Bedrock control plane's batch inference operations (restJson1, SigV4
 * signing name `bedrock`), from the Bedrock service model (botocore
 * `data/bedrock/2023-04-20/service-2.json`) and the API reference:
 *
 * | operation | route |
 * |---|---|
 * | CreateModelInvocationJob | `POST /model-invocation-job` |
 * | GetModelInvocationJob | `GET /model-invocation-job/{jobIdentifier}` |
 * | StopModelInvocationJob | `POST /model-invocation-job/{jobIdentifier}/stop` |
 * | ListModelInvocationJobs | `GET /model-invocation-jobs` |
 *
 * `jobIdentifier` is the job ARN (URL-encoded as one path segment, as the AWS SDKs send it) or
 * the 12-character job id. Create is idempotent on `clientRequestToken` (the same token returns
 * the same job, "Amazon Bedrock ignores the request, but does not return an error").
 *
 * Not documented, so chosen here and marked as such: unknown body members are refused
 * (ValidationException); create refuses an input URI with nothing at it and an output bucket
 * that does not exist; a job name already in use is a ConflictException; stopping an ended job
 * is a ValidationException; an unknown route is 404 UnknownOperationException.
 */
import { controlError, controlSignatureError } from "./errors.ts";
import { advanceJob, describeJob, inputFiles, stopJob, type FakeJob } from "./jobs.ts";
import { sha256Hex, verifySigV4 } from "./sigv4.ts";
import { parseS3Uri, type ObjectStore } from "./store.ts";
import type { FakeAccount } from "./types.ts";
import {
  checkInteger,
  checkString,
  IDEMPOTENCY_TOKEN,
  INVOCATION_TYPE,
  JOB_IDENTIFIER,
  JOB_NAME,
  JOB_STATUS,
  MODEL_ID,
  ROLE_ARN,
  S3_INPUT_FORMAT,
  S3_URI,
  SORT_BY,
  SORT_ORDER,
  violationMessage,
  type Violations,
} from "./validation.ts";

/** A request routed to the control plane, with its body already read. */
export interface ControlRequest {
  method: string;
  url: URL;
  /** The path after any routing prefix, still percent-encoded. */
  path: string;
  headers: Headers;
  body: Uint8Array;
}

export interface JobRegistry {
  byId: Map<string, FakeJob>;
  byToken: Map<string, FakeJob>;
}

const CREATE_MEMBERS = new Set([
  "jobName",
  "roleArn",
  "clientRequestToken",
  "modelId",
  "inputDataConfig",
  "outputDataConfig",
  "vpcConfig",
  "timeoutDurationInHours",
  "tags",
  "modelInvocationType",
]);
const DEFAULT_TIMEOUT_HOURS = 24;

/**
 * Answers one control-plane request.
 *
 * @example
 * const response = await handleControlRequest(request, jobs, store, account);
 */
export async function handleControlRequest(request: ControlRequest, jobs: JobRegistry, store: ObjectStore, account: FakeAccount): Promise<Response> {
  const failure = await verifySigV4(
    { method: request.method, url: request.url, headers: request.headers, payloadHash: await sha256Hex(request.body) },
    "bedrock",
    account,
  );
  if (failure) return controlSignatureError(failure);

  const segments = request.path.split("/").slice(1);
  if (request.method === "POST" && segments.length === 1 && segments[0] === "model-invocation-job") return createJob(request, jobs, store, account);
  if (request.method === "GET" && segments.length === 1 && segments[0] === "model-invocation-jobs") return listJobs(request.url.searchParams, jobs);
  if (segments[0] === "model-invocation-job" && segments.length >= 2) {
    const identifier = safeDecode(segments[1] ?? "");
    if (request.method === "GET" && segments.length === 2) {
      return withJob(identifier, jobs, account, (job) => {
        advanceJob(job, store, account);
        return Response.json(describeJob(job));
      });
    }
    if (request.method === "POST" && segments.length === 3 && segments[2] === "stop") {
      return withJob(identifier, jobs, account, (job) => {
        if (!stopJob(job)) return controlError(400, "ValidationException", `The job ${job.jobArn} cannot be stopped because its status is ${job.status}.`);
        return Response.json({});
      });
    }
  }
  return controlError(404, "UnknownOperationException", `No operation matches ${request.method} ${request.path}`);
}

function createJob(request: ControlRequest, jobs: JobRegistry, store: ObjectStore, account: FakeAccount): Response {
  if (!(request.headers.get("content-type") ?? "").startsWith("application/json")) {
    return controlError(400, "SerializationException", "Expected a JSON request body with Content-Type: application/json");
  }
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(request.body));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    body = parsed as Record<string, unknown>;
  } catch {
    return controlError(400, "SerializationException", "Could not parse the request body as a JSON object");
  }
  const unknown = Object.keys(body).filter((member) => !CREATE_MEMBERS.has(member));
  if (unknown.length > 0) {
    return controlError(400, "ValidationException", `Unknown parameter in input: "${unknown[0]}", must be one of: ${[...CREATE_MEMBERS].join(", ")}`);
  }
  const input = objectMember(body.inputDataConfig);
  const s3Input = objectMember(input?.s3InputDataConfig);
  const output = objectMember(body.outputDataConfig);
  const s3Output = objectMember(output?.s3OutputDataConfig);

  const violations: Violations = { messages: [] };
  checkString(violations, "jobName", body.jobName, JOB_NAME, true);
  checkString(violations, "roleArn", body.roleArn, ROLE_ARN, true);
  checkString(violations, "clientRequestToken", body.clientRequestToken, IDEMPOTENCY_TOKEN, false);
  checkString(violations, "modelId", body.modelId, MODEL_ID, true);
  checkInteger(violations, "timeoutDurationInHours", body.timeoutDurationInHours, 24, 168);
  checkString(violations, "modelInvocationType", body.modelInvocationType, INVOCATION_TYPE, false);
  if (!input) violations.messages.push("Value null at 'inputDataConfig' failed to satisfy constraint: Member must not be null");
  else checkString(violations, "inputDataConfig.s3InputDataConfig.s3Uri", s3Input?.s3Uri, S3_URI, true);
  if (s3Input) checkString(violations, "inputDataConfig.s3InputDataConfig.s3InputFormat", s3Input.s3InputFormat, S3_INPUT_FORMAT, false);
  if (!output) violations.messages.push("Value null at 'outputDataConfig' failed to satisfy constraint: Member must not be null");
  else checkString(violations, "outputDataConfig.s3OutputDataConfig.s3Uri", s3Output?.s3Uri, S3_URI, true);
  const invalid = violationMessage(violations);
  if (invalid) return controlError(400, "ValidationException", invalid);

  const token = (body.clientRequestToken as string | undefined) ?? crypto.randomUUID();
  const existing = jobs.byToken.get(token);
  if (existing) return Response.json({ jobArn: existing.jobArn });

  const modelId = body.modelId as string;
  if (!/(^|\.|\/)anthropic\./.test(modelId)) return controlError(400, "ValidationException", "The provided model identifier is invalid.");
  const jobName = body.jobName as string;
  if ([...jobs.byId.values()].some((job) => job.jobName === jobName)) {
    return controlError(400, "ConflictException", `A batch inference job named ${jobName} already exists.`);
  }
  const inputUri = s3Input?.s3Uri as string;
  if (!inputFiles(store, inputUri)) {
    return controlError(400, "ValidationException", `The input S3 location ${inputUri} does not exist or holds no JSONL file.`);
  }
  const outputUri = s3Output?.s3Uri as string;
  if (!store.buckets.has(parseS3Uri(outputUri)?.bucket ?? "")) {
    return controlError(400, "ValidationException", `The output S3 bucket of ${outputUri} does not exist.`);
  }

  const jobId = randomJobId();
  const now = new Date();
  const timeout = (body.timeoutDurationInHours as number | undefined) ?? DEFAULT_TIMEOUT_HOURS;
  const job: FakeJob = {
    jobArn: `arn:aws:bedrock:${account.region}:${account.accountId}:model-invocation-job/${jobId}`,
    jobId,
    jobName,
    modelId,
    roleArn: body.roleArn as string,
    clientRequestToken: token,
    status: "Submitted",
    submitTime: now,
    lastModifiedTime: now,
    inputDataConfig: body.inputDataConfig as FakeJob["inputDataConfig"],
    outputDataConfig: body.outputDataConfig as FakeJob["outputDataConfig"],
    timeoutDurationInHours: timeout,
    jobExpirationTime: new Date(now.getTime() + timeout * 3_600_000),
    ...(typeof body.modelInvocationType === "string" ? { modelInvocationType: body.modelInvocationType } : {}),
  };
  jobs.byId.set(jobId, job);
  jobs.byToken.set(token, job);
  return Response.json({ jobArn: job.jobArn });
}

function listJobs(query: URLSearchParams, jobs: JobRegistry): Response {
  const violations: Violations = { messages: [] };
  checkString(violations, "statusEquals", query.get("statusEquals") ?? undefined, JOB_STATUS, false);
  checkString(violations, "sortBy", query.get("sortBy") ?? undefined, SORT_BY, false);
  checkString(violations, "sortOrder", query.get("sortOrder") ?? undefined, SORT_ORDER, false);
  const maxResultsText = query.get("maxResults");
  const maxResults = maxResultsText === null ? 1000 : Number(maxResultsText);
  checkInteger(violations, "maxResults", maxResults, 1, 1000);
  const after = timeParam(query, "submitTimeAfter", violations);
  const before = timeParam(query, "submitTimeBefore", violations);
  const invalid = violationMessage(violations);
  if (invalid) return controlError(400, "ValidationException", invalid);

  const status = query.get("statusEquals");
  const nameContains = query.get("nameContains");
  const ascending = query.get("sortOrder") === "Ascending";
  const matching = [...jobs.byId.values()]
    .filter((job) => (status === null || job.status === status) && (nameContains === null || job.jobName.includes(nameContains)))
    .filter((job) => (after === null || job.submitTime.getTime() > after) && (before === null || job.submitTime.getTime() < before))
    .sort((a, b) => (ascending ? 1 : -1) * (a.submitTime.getTime() - b.submitTime.getTime()));
  const start = Number(query.get("nextToken") ?? "0") || 0;
  const page = matching.slice(start, start + maxResults);
  const next = start + maxResults < matching.length ? String(start + maxResults) : undefined;
  // A summary is the job without the progress counts (ModelInvocationJobSummary).
  const summaries = page.map((job) => {
    const summary = describeJob(job);
    for (const field of ["totalRecordCount", "processedRecordCount", "successRecordCount", "errorRecordCount"]) delete summary[field];
    return summary;
  });
  return Response.json({ invocationJobSummaries: summaries, ...(next ? { nextToken: next } : {}) });
}

function withJob(identifier: string, jobs: JobRegistry, account: FakeAccount, answer: (job: FakeJob) => Response): Response {
  const violations: Violations = { messages: [] };
  checkString(violations, "jobIdentifier", identifier, JOB_IDENTIFIER, true);
  const invalid = violationMessage(violations);
  if (invalid) return controlError(400, "ValidationException", invalid);
  const jobId = identifier.split("/").pop() ?? "";
  const job = jobs.byId.get(jobId);
  const sameAccount = !identifier.startsWith("arn:") || identifier === job?.jobArn;
  if (!job || !sameAccount) {
    return controlError(404, "ResourceNotFoundException", `The specified batch inference job ${identifier} was not found in ${account.region}.`);
  }
  return answer(job);
}

function timeParam(query: URLSearchParams, name: string, violations: Violations): number | null {
  const value = query.get(name);
  if (value === null) return null;
  const time = Date.parse(value);
  if (Number.isNaN(time)) violations.messages.push(`Value '${value}' at '${name}' failed to satisfy constraint: Member must be a timestamp`);
  return time;
}

function objectMember(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function randomJobId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let id = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(12))) id += alphabet[byte % alphabet.length];
  return id;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

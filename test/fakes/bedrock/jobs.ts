/**
 * Model invocation jobs: their state, their lifecycle, and running them over the fake S3.
 *
 * Lifecycle (time does not pass, see ../README.md): each GetModelInvocationJob moves a job one
 * state forward: Submitted → Validating → Scheduled → InProgress → Completed, or
 * PartiallyCompleted when some records errored. Validating checks the input the way Bedrock's
 * validation step does (the GetModelInvocationJob `status` docs: the files are JSONL, each
 * record a JSON object in the right shape, and the record count within the quotas) and fails
 * the job otherwise, with a `message`. StopModelInvocationJob moves an unfinished job to
 * Stopping; the next GET ends it as Stopped. A job stopped (or expired through
 * `/__fake/batches/{id}/expire`) while InProgress has run the first half of its records.
 *
 * Output, as Bedrock writes it (batch-inference-results docs; the folder named after the job
 * id is what Bedrock users read back, e.g. `<output>/<jobId>/manifest.json.out`): for each
 * input file `x.jsonl`, `<output s3Uri><jobId>/x.jsonl.out` with one line per processed record,
 * `{recordId, modelInput, modelOutput}` or `{recordId, modelInput, error: {errorCode,
 * errorMessage}}` (written here in reverse input order: Bedrock does not promise the order),
 * and `<output s3Uri><jobId>/manifest.json.out` with the counts.
 *
 * The wording of validation failures is not documented; the messages here are the fake's.
 */
import { answerRecord } from "./model.ts";
import { objectText, parseS3Uri, putStoredObject, type ObjectStore, type StoredObject } from "./store.ts";
import type { FakeAccount } from "./types.ts";

export const IN_FLIGHT = ["Submitted", "Validating", "Scheduled", "InProgress"] as const;
export const FINAL = ["Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired"] as const;

export interface FakeJob {
  jobArn: string;
  jobId: string;
  jobName: string;
  modelId: string;
  roleArn: string;
  clientRequestToken: string;
  status: string;
  message?: string;
  submitTime: Date;
  lastModifiedTime: Date;
  endTime?: Date;
  inputDataConfig: { s3InputDataConfig: { s3Uri: string; s3InputFormat?: string; s3BucketOwner?: string } };
  outputDataConfig: { s3OutputDataConfig: { s3Uri: string; s3EncryptionKeyId?: string; s3BucketOwner?: string } };
  timeoutDurationInHours: number;
  jobExpirationTime: Date;
  modelInvocationType?: string;
  /** Set once the job has been validated. */
  totalRecordCount?: number;
  /** Set once the job has run. */
  counts?: { processed: number; success: number; error: number };
  /** The state `stop` interrupted. */
  stoppedFrom?: string;
}

interface InputFile {
  /** The name the output file is derived from: the key below the input prefix. */
  name: string;
  object: StoredObject;
}

/**
 * Moves a job one state forward (what one GetModelInvocationJob does).
 *
 * @example
 * advanceJob(job, store, account); // "Submitted" → "Validating"
 */
export function advanceJob(job: FakeJob, store: ObjectStore, account: FakeAccount): void {
  switch (job.status) {
    case "Submitted":
      return setStatus(job, "Validating");
    case "Validating": {
      const failure = validateInput(job, store, account);
      if (failure) return finish(job, "Failed", failure);
      return setStatus(job, "Scheduled");
    }
    case "Scheduled":
      return setStatus(job, "InProgress");
    case "InProgress": {
      runJob(job, store, Number.POSITIVE_INFINITY);
      return finish(job, (job.counts?.error ?? 0) > 0 ? "PartiallyCompleted" : "Completed");
    }
    case "Stopping":
      if (job.stoppedFrom === "InProgress") runJob(job, store, Math.floor((job.totalRecordCount ?? 0) / 2));
      return finish(job, "Stopped");
  }
}

/**
 * Starts stopping a job; `false` when it is not in a state that can be stopped.
 *
 * @example
 * if (!stopJob(job)) return controlError(400, "ValidationException", "…");
 */
export function stopJob(job: FakeJob): boolean {
  if (!(IN_FLIGHT as readonly string[]).includes(job.status)) return false;
  job.stoppedFrom = job.status;
  setStatus(job, "Stopping");
  return true;
}

/**
 * Ends an unfinished job as Expired (running half of it first when it was InProgress).
 *
 * @example
 * expireJob(job, store); // job.status === "Expired"
 */
export function expireJob(job: FakeJob, store: ObjectStore): boolean {
  if ((FINAL as readonly string[]).includes(job.status)) return false;
  if (job.status === "InProgress" || job.stoppedFrom === "InProgress") runJob(job, store, Math.floor((job.totalRecordCount ?? 0) / 2));
  finish(job, "Expired", "The job timed out before all of its records were processed.");
  return true;
}

/**
 * The job as GetModelInvocationJob returns it.
 *
 * @example
 * return Response.json(describeJob(job));
 */
export function describeJob(job: FakeJob): Record<string, unknown> {
  return {
    jobArn: job.jobArn,
    jobName: job.jobName,
    modelId: job.modelId,
    clientRequestToken: job.clientRequestToken,
    roleArn: job.roleArn,
    status: job.status,
    ...(job.message !== undefined ? { message: job.message } : {}),
    submitTime: job.submitTime.toISOString(),
    lastModifiedTime: job.lastModifiedTime.toISOString(),
    ...(job.endTime ? { endTime: job.endTime.toISOString() } : {}),
    inputDataConfig: job.inputDataConfig,
    outputDataConfig: job.outputDataConfig,
    timeoutDurationInHours: job.timeoutDurationInHours,
    jobExpirationTime: job.jobExpirationTime.toISOString(),
    ...(job.modelInvocationType ? { modelInvocationType: job.modelInvocationType } : {}),
    // Progress fields added to GetModelInvocationJob in 2026 (awsapichanges.info, "Bedrock
    // Batch Inference Job Progress Monitoring").
    ...(job.totalRecordCount !== undefined ? { totalRecordCount: job.totalRecordCount } : {}),
    ...(job.counts
      ? { processedRecordCount: job.counts.processed, successRecordCount: job.counts.success, errorRecordCount: job.counts.error }
      : {}),
  };
}

/**
 * The keys a job's output lands at, given its output URI: the folder named after the job id.
 *
 * @example
 * outputFolderKey(job) // "batches/msgbatch_1/output/abcdef123456/"
 */
export function outputFolderKey(job: FakeJob): { bucket: string; folder: string } {
  const output = parseS3Uri(job.outputDataConfig.s3OutputDataConfig.s3Uri) ?? { bucket: "", key: "" };
  const prefix = output.key === "" || output.key.endsWith("/") ? output.key : `${output.key}/`;
  return { bucket: output.bucket, folder: `${prefix}${job.jobId}/` };
}

/**
 * The input objects a job reads: the object at its input URI, or the `.jsonl` objects under it.
 *
 * @example
 * inputFiles(store, "s3://b/in/x.jsonl") // [{ name: "x.jsonl", object }]
 */
export function inputFiles(store: ObjectStore, s3Uri: string): InputFile[] | null {
  const location = parseS3Uri(s3Uri);
  const bucket = location ? store.buckets.get(location.bucket) : undefined;
  if (!location || !bucket) return null;
  const exact = bucket.get(location.key);
  if (exact && !location.key.endsWith("/")) return [{ name: location.key.split("/").pop() ?? location.key, object: exact }];
  const prefix = location.key === "" || location.key.endsWith("/") ? location.key : `${location.key}/`;
  const files = [...bucket.entries()]
    .filter(([key]) => key.startsWith(prefix) && key.endsWith(".jsonl"))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, object]) => ({ name: key.slice(prefix.length), object }));
  return files.length > 0 ? files : null;
}

function validateInput(job: FakeJob, store: ObjectStore, account: FakeAccount): string | null {
  const s3Uri = job.inputDataConfig.s3InputDataConfig.s3Uri;
  const files = inputFiles(store, s3Uri);
  if (!files) return `Unable to read the input data at ${s3Uri}: no JSONL file was found there.`;
  let total = 0;
  for (const file of files) {
    let lineNumber = 0;
    for (const line of objectText(file.object).split("\n")) {
      lineNumber++;
      if (line.trim() === "") continue;
      const problem = recordProblem(line);
      if (problem) return `Invalid record in ${file.name} at line ${lineNumber}: ${problem}`;
      total++;
    }
  }
  job.totalRecordCount = total;
  if (total < account.minRecordsPerJob) {
    return `The number of records in the input of this batch inference job (${total}) is less than the minimum number of records per batch inference job (${account.minRecordsPerJob}).`;
  }
  if (total > account.maxRecordsPerJob) {
    return `The number of records in the input of this batch inference job (${total}) exceeds the maximum number of records per batch inference job (${account.maxRecordsPerJob}).`;
  }
  return null;
}

function recordProblem(line: string): string | null {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return "the line is not valid JSON";
  }
  if (typeof record !== "object" || record === null || Array.isArray(record)) return "the record is not a JSON object";
  const { recordId, modelInput } = record as { recordId?: unknown; modelInput?: unknown };
  if (recordId !== undefined && typeof recordId !== "string") return "recordId must be a string";
  if (typeof modelInput !== "object" || modelInput === null || Array.isArray(modelInput)) return "modelInput must be a JSON object";
  return null;
}

/** Runs up to `limit` records (in input order, across files) and writes the output files. */
function runJob(job: FakeJob, store: ObjectStore, limit: number): void {
  const files = inputFiles(store, job.inputDataConfig.s3InputDataConfig.s3Uri) ?? [];
  const { bucket, folder } = outputFolderKey(job);
  const encoder = new TextEncoder();
  const counts = { processed: 0, success: 0, error: 0 };
  let inputTokens = 0;
  let outputTokens = 0;
  let generated = 0;
  for (const file of files) {
    const lines: string[] = [];
    for (const line of objectText(file.object).split("\n")) {
      if (line.trim() === "" || counts.processed >= limit) continue;
      const record = JSON.parse(line) as { recordId?: string; modelInput: unknown };
      const recordId = record.recordId ?? `CALL${String(++generated).padStart(7, "0")}`;
      const answer = answerRecord(record.modelInput, job.modelId);
      counts.processed++;
      if (answer.ok) {
        counts.success++;
        inputTokens += answer.inputTokens;
        outputTokens += answer.outputTokens;
        lines.push(JSON.stringify({ recordId, modelInput: record.modelInput, modelOutput: answer.output }));
      } else {
        counts.error++;
        lines.push(JSON.stringify({ recordId, modelInput: record.modelInput, error: { errorCode: answer.errorCode, errorMessage: answer.errorMessage } }));
      }
    }
    if (lines.length > 0) {
      lines.reverse();
      putStoredObject(store, bucket, `${folder}${file.name}.out`, [encoder.encode(lines.join("\n") + "\n")], "binary/octet-stream", `"${job.jobId}"`);
    }
  }
  job.counts = counts;
  const manifest = {
    totalRecordCount: job.totalRecordCount ?? counts.processed,
    processedRecordCount: counts.processed,
    successRecordCount: counts.success,
    errorRecordCount: counts.error,
    inputTokenCount: inputTokens,
    outputTokenCount: outputTokens,
  };
  putStoredObject(store, bucket, `${folder}manifest.json.out`, [encoder.encode(JSON.stringify(manifest))], "binary/octet-stream", `"${job.jobId}-manifest"`);
}

function setStatus(job: FakeJob, status: string): void {
  job.status = status;
  job.lastModifiedTime = new Date();
}

function finish(job: FakeJob, status: string, message?: string): void {
  setStatus(job, status);
  job.endTime = job.lastModifiedTime;
  if (message !== undefined) job.message = message;
}

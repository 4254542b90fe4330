/**
 * A model's requests below Bedrock's batch minimum (`BEDROCK_BATCH_MIN_RECORDS`), run by the
 * gateway itself with InvokeModel: an "invoke job". Bedrock would refuse a batch job that small
 * (see docs/sources/bedrock.md § Minimum records per batch job), so the planner stores the group's
 * records in S3 as it does for a batch job (the same JSONL input object) and, instead of
 * creating a job, hands the service a `JobRef` whose `data.runner` is `"invoke"`.
 *
 * The background worker then calls `stepInvokeJob` once per poll: it runs the next
 * `BEDROCK_INVOKE_CONCURRENCY` records at once, and writes each record's output line to its own
 * S3 object (`<input key>.invoke/<index>.json`, in the shape of a batch output line) before
 * the progress is reported. The job's progress lives in `JobRef.data` (the next record to
 * start and the counts so far: a few numbers, however many records), which the service keeps.
 *
 * Crashes: a record whose output object exists is never invoked again (a step starts by looking
 * for it), so a step that dies after writing is resumed without new calls. A step that dies
 * between InvokeModel's answer and the write runs that record again: at least once, at most
 * the `BEDROCK_INVOKE_CONCURRENCY` records of one step.
 *
 * Throttling: ./invoke.ts retries; a record still throttled is left for the next step, which the
 * service schedules after a backoff (records after it that did finish are kept and not re-run).
 * After `MAX_STALLS` steps in a row without progress it is given up as `errored` with
 * Bedrock's last refusal, so that a job always ends.
 *
 * Cancel: the step told so ends the job; records not started end `canceled`. Expiry likewise:
 * a batch still running 24 hours after its creation ends, its records not started `expired`
 * (as Anthropic expires a batch), so that a job whose input cannot be read ends too.
 */
import { GatewayError, UpstreamError } from "../../lib/errors";
import { readLines } from "../../lib/jsonl";
import { nowRfc3339 } from "../../lib/time";
import type { JobStatus, JobStep, ProviderContext } from "../types";
import type { BatchResultLine } from "../../domain/batch-result";
import type { JobRef } from "../../domain/job-record";
import { awsCalls, type AwsCalls } from "./client";
import { readConfig } from "./config";
import { invokeRecord } from "./invoke";
import { deleteObject, getObject, putObject } from "./s3";
import { toResultLine } from "./translate-result";
import type { BedrockOutputLine } from "./wire";
import { isRecord } from "../../lib/is-record";

/** Steps in a row that may make no progress before the record holding the job up is given up. */
export const MAX_STALLS = 8;

/** What the gateway keeps for an invoke job (`JobRef.data`). */
export interface InvokeJobData {
  [key: string]: unknown;
  runner: "invoke";
  bucket: string;
  /** The JSONL input object: one `{recordId, modelInput}` per line. */
  inputKey: string;
  /** Records before this one have their output object (or were canceled). */
  next: number;
  succeeded: number;
  errored: number;
  /** Steps in a row that could not move `next`. */
  stalls: number;
  /** RFC 3339, once every record has run or the job was canceled. */
  endedAt: string | null;
  /** Records never started because the batch was canceled. */
  canceled: number;
  /** Records never started because the batch expired (24 hours after its creation). */
  expired: number;
}

/**
 * The `data` of a new invoke job over the records of `inputKey`.
 *
 * @example
 * const data = newInvokeJobData("bucket", "batches/b/1-x.jsonl");
 */
export function newInvokeJobData(bucket: string, inputKey: string): InvokeJobData {
  return { runner: "invoke", bucket, inputKey, next: 0, succeeded: 0, errored: 0, stalls: 0, endedAt: null, canceled: 0, expired: 0 };
}

/**
 * Whether the gateway runs this job (rather than Bedrock's batch inference).
 *
 * @example
 * isInvokeJob(job) // true for a model's group below BEDROCK_BATCH_MIN_RECORDS
 */
export function isInvokeJob(job: Pick<JobRef, "data">): boolean {
  return job.data.runner === "invoke";
}

/**
 * Where the output line of the record at `index` is kept.
 *
 * @example
 * invokeResultKey("batches/b/1-x.jsonl", 3) // "batches/b/1-x.jsonl.invoke/3.json"
 */
export function invokeResultKey(inputKey: string, index: number): string {
  return `${inputKey}.invoke/${index}.json`;
}

/**
 * The job's state as its recorded progress says (no call upstream: nothing else knows it).
 *
 * @example
 * invokeJobStatus(job) // { state: "in_progress", counts: { processing: 2, succeeded: 1, … }, endedAt: null }
 */
export function invokeJobStatus(job: JobRef): JobStatus {
  const data = invokeData(job);
  const succeeded = data.succeeded;
  const errored = data.errored;
  if (data.endedAt) {
    const unrun = Math.max(0, job.requestCount - succeeded - errored);
    const expired = (data.expired ?? 0) > 0;
    return {
      state: "ended",
      counts: { processing: 0, succeeded, errored, canceled: expired ? 0 : unrun, expired: expired ? unrun : 0 },
      endedAt: data.endedAt,
      data,
      ...(expired ? { unrun: { type: "expired" as const } } : data.canceled > 0 ? { unrun: { type: "canceled" as const } } : {}),
    };
  }
  return { state: "in_progress", counts: { processing: job.requestCount - succeeded - errored, succeeded, errored, canceled: 0, expired: 0 }, endedAt: null, data };
}

/**
 * Runs the job's next records (at most `BEDROCK_INVOKE_CONCURRENCY`, all at once), or ends it
 * when `canceled`. Returns its new status, and when to step again.
 *
 * @example
 * const { status, next } = await stepInvokeJob(ctx, job, { canceled: false });
 * // next: "now" (more to run), "later" (throttled: back off) or "done"
 */
export async function stepInvokeJob(ctx: ProviderContext, job: JobRef, options: { canceled: boolean; expired?: boolean }): Promise<JobStep> {
  const data = invokeData(job);
  if (data.endedAt) return { status: invokeJobStatus(job), next: "done" };
  if (options.canceled || options.expired) {
    const unrun = job.requestCount - data.next;
    const ended: InvokeJobData = { ...data, endedAt: nowRfc3339(), ...(options.canceled ? { canceled: unrun } : { expired: unrun }) };
    return { status: invokeJobStatus({ ...job, data: ended }), next: "done" };
  }
  const config = readConfig(ctx.env);
  const aws = awsCalls(ctx, config);
  const last = Math.min(job.requestCount, data.next + config.invokeConcurrency);
  const records = await readRecords(aws, data.bucket, data.inputKey, data.next, last);
  const giveUp = data.stalls + 1 >= MAX_STALLS;
  const outcomes = await Promise.all(
    records.map(async (record, offset): Promise<BedrockOutputLine | null> => {
      const key = invokeResultKey(data.inputKey, data.next + offset);
      const kept = await readKept(aws, data.bucket, key);
      if (kept) return kept;
      const outcome = await invokeRecord(ctx, aws, modelIdOf(job), record);
      if (outcome.kind === "deferred" && !giveUp) return null;
      await putObject(aws, data.bucket, key, new TextEncoder().encode(JSON.stringify(outcome.line)), "application/json");
      return outcome.line;
    }),
  );
  let { next, succeeded, errored } = data;
  for (const line of outcomes) {
    if (!line) break;
    next++;
    if (isRecord(line.modelOutput)) succeeded++;
    else errored++;
  }
  const moved = next > data.next;
  const progressed: InvokeJobData = { ...data, next, succeeded, errored, stalls: moved ? 0 : data.stalls + 1, endedAt: next >= job.requestCount ? nowRfc3339() : null };
  const status = invokeJobStatus({ ...job, data: progressed });
  if (progressed.endedAt) return { status, next: "done" };
  return { status, next: outcomes.includes(null) ? "later" : "now" };
}

/**
 * The job's results: every record's kept output line, translated. Records that never ran have
 * none (the service gives them the job's `unrun` result).
 *
 * @example
 * for await (const line of invokeJobResults(ctx, job)) console.log(line.custom_id);
 */
export async function* invokeJobResults(ctx: ProviderContext, job: JobRef): AsyncGenerator<BatchResultLine> {
  const data = invokeData(job);
  const aws = awsCalls(ctx, readConfig(ctx.env));
  for (let index = 0; index < job.requestCount; index++) {
    const line = await readKept(aws, data.bucket, invokeResultKey(data.inputKey, index));
    if (line) yield toResultLine(line, job.model ?? modelIdOf(job));
  }
}

/**
 * Deletes the output objects of an invoke job of `count` records (those never written count as deleted).
 *
 * @example
 * await deleteInvokeResults(aws, "bucket", "batches/b/1-x.jsonl", 2);
 */
export async function deleteInvokeResults(aws: AwsCalls, bucket: string, inputKey: string, count: number): Promise<void> {
  for (let index = 0; index < count; index++) await deleteObject(aws, bucket, invokeResultKey(inputKey, index));
}

/** Records `first` to `last` (excluded) of the input object, in order. */
async function readRecords(aws: AwsCalls, bucket: string, key: string, first: number, last: number): Promise<{ recordId: string; modelInput: unknown }[]> {
  const body = await getObject(aws, bucket, key);
  if (!body) throw new UpstreamError("bedrock", 404, `the input of a request group is gone from s3://${bucket}/${key}`);
  const records: { recordId: string; modelInput: unknown }[] = [];
  let index = 0;
  for await (const text of readLines(body)) {
    if (text.trim() === "") continue;
    if (index >= first) {
      const record = JSON.parse(text) as { recordId?: unknown; modelInput?: unknown };
      records.push({ recordId: String(record.recordId ?? ""), modelInput: record.modelInput });
    }
    if (++index >= last) break;
  }
  if (records.length !== last - first) throw new UpstreamError("bedrock", 502, `the input of a request group in s3://${bucket}/${key} has fewer records than were written`);
  return records;
}

async function readKept(aws: AwsCalls, bucket: string, key: string): Promise<BedrockOutputLine | null> {
  const body = await getObject(aws, bucket, key);
  if (!body) return null;
  try {
    return JSON.parse(await new Response(body).text()) as BedrockOutputLine;
  } catch {
    throw new UpstreamError("bedrock", 502, `malformed request output in s3://${bucket}/${key}`);
  }
}

function invokeData(job: Pick<JobRef, "data" | "nativeId">): InvokeJobData {
  const data = job.data as Partial<InvokeJobData>;
  if (data.runner !== "invoke" || typeof data.bucket !== "string" || typeof data.inputKey !== "string") {
    throw new GatewayError(500, "api_error", `bedrock: job ${job.nativeId} is not a request group the gateway runs`);
  }
  return job.data as InvokeJobData;
}

// The Bedrock model of a job is in its slot, `<modelId>#<n>` (core/batch-planner.ts `slotName`; old jobs used `#1` on). Not kept in `data`:
// every long string there is treated as a native ID, and the model ID is not one.
function modelIdOf(job: Pick<JobRef, "slot">): string {
  const hash = job.slot.lastIndexOf("#");
  return hash > 0 ? job.slot.slice(0, hash) : job.slot;
}

/**
 * Driving an adapter's batches in unit tests: Messages requests, creating an upstream batch,
 * polling a job to its end and reading its results.
 *
 * `createUpstreamBatch` is the ONE place that knows how a batch is created upstream (today
 * `adapter.batches.begin` → `add` → `finish`); when batch creation changes, only it changes.
 */
import { ADAPTERS } from "../../../src/providers/index";
import type { BatchSink, JobStatus, ProviderAdapter, ProviderContext, ResolvedFile } from "../../../src/providers/types";
import type { BatchRequest } from "../../../src/domain/batch-request";
import type { BatchResultLine } from "../../../src/domain/batch-result";
import type { JobRef } from "../../../src/domain/job-record";
import type { ProviderName } from "../../../src/domain/provider-name";
import type { ProviderHarness } from "./harness";
import { collect } from "./helpers";

/**
 * A Messages batch request asking `model` to answer `text` (`extra` is spread over the params,
 * so it may also replace `max_tokens`).
 *
 * @example
 * messageRequest("a", "claude-3-haiku-20240307", "Hello", { temperature: 0.5 })
 */
export function messageRequest(customId: string, model: string, text: string, extra: Record<string, unknown> = {}): BatchRequest {
  return { custom_id: customId, params: { model, max_tokens: 64, messages: [{ role: "user", content: text }], ...extra } };
}

/** How a test creates an upstream batch; everything defaults to the harness's. */
export interface UpstreamBatchOptions {
  batchId?: string;
  files?: ReadonlyMap<string, ResolvedFile>;
  /** Defaults to `h.ctx`. */
  ctx?: ProviderContext;
  /** Defaults to `h.sink` (artifacts land in `h.artifacts`). */
  sink?: BatchSink;
  /** Defaults to the registered adapter (`ADAPTERS[h.name]`). */
  adapter?: ProviderAdapter;
}

/**
 * Creates the upstream jobs of a batch of `requests`; returns the slot each request went to
 * and the jobs.
 *
 * @example
 * const { slots, jobs } = await createUpstreamBatch(h, [messageRequest("a", "gpt-4o-mini", "hi")]);
 */
export async function createUpstreamBatch(
  h: ProviderHarness,
  requests: readonly BatchRequest[],
  options: UpstreamBatchOptions = {},
): Promise<{ slots: string[]; jobs: JobRef[] }> {
  const adapter = options.adapter ?? ADAPTERS[h.name];
  const writer = adapter.batches.begin(options.ctx ?? h.ctx, {
    batchId: options.batchId ?? "msgbatch_test",
    sink: options.sink ?? h.sink,
    files: options.files ?? new Map(),
  });
  const slots: string[] = [];
  for (const item of requests) slots.push(await writer.add(item));
  return { slots, jobs: await writer.finish() };
}

/**
 * Polls a job until it ends, carrying each status's `data` into the job as the service does
 * (unless `carry` is false: every poll then sends the job as created); returns every status
 * seen and the job as last carried.
 *
 * @example
 * const { statuses, job: ended } = await pollToEnd(h, jobs[0]);
 */
export async function pollToEnd(
  h: ProviderHarness,
  job: JobRef,
  options: { ctx?: ProviderContext; adapter?: ProviderAdapter; polls?: number; carry?: boolean } = {},
): Promise<{ statuses: JobStatus[]; status: JobStatus; job: JobRef }> {
  const adapter = options.adapter ?? ADAPTERS[h.name];
  const statuses: JobStatus[] = [];
  for (let poll = 0; poll < (options.polls ?? 10); poll++) {
    const status = await adapter.batches.retrieve(options.ctx ?? h.ctx, job);
    statuses.push(status);
    if (status.data && options.carry !== false) job = { ...job, data: status.data };
    if (status.state === "ended") return { statuses, status, job };
  }
  throw new Error(`job ${job.nativeId} did not end`);
}

/**
 * Every results line of a job, sorted by `custom_id` when `sorted`.
 *
 * @example
 * const lines = await resultsOf(h, job, { sorted: true });
 */
export async function resultsOf(
  h: ProviderHarness,
  job: JobRef,
  options: { ctx?: ProviderContext; adapter?: ProviderAdapter; sorted?: boolean } = {},
): Promise<BatchResultLine[]> {
  const adapter = options.adapter ?? ADAPTERS[h.name];
  const lines = await collect(adapter.batches.results(options.ctx ?? h.ctx, job));
  return options.sorted ? lines.sort((a, b) => a.custom_id.localeCompare(b.custom_id)) : lines;
}

/** The adapter a harness stands for. */
export function adapterOf(name: ProviderName): ProviderAdapter {
  return ADAPTERS[name];
}

/**
 * Driving an adapter's batches in unit tests: Messages requests, creating an upstream batch,
 * polling a job to its end and reading its results.
 *
 * This file is the ONE place that knows how a batch is created upstream: as the batches
 * service (src/core/batch-create.ts) does it, the provider's `jobs.translate` turns each request
 * into a line and a `BatchPlanner` (src/core/batch-planner.ts) places the lines into jobs,
 * `finish` creates them and, on any failure, `abort` undoes them. `createUpstreamBatch` is the
 * service's path for a small body (every request translated first, then placed);
 * `planBatch` is its streamed path (each request translated as it is placed), for tests that
 * look between two requests. When batch creation changes, only this file changes.
 */
import { BatchPlanner } from "../../../src/core/batch-planner";
import { ADAPTERS } from "../../../src/providers/index";
import type { BatchSink, BatchesAdapter, JobLine, JobStatus, ProviderAdapter, ProviderContext, ResolvedFile } from "../../../src/providers/types";
import type { BatchRequest } from "../../../src/domain/batch-request";
import type { BatchResultLine } from "../../../src/domain/batch-result";
import type { JobRef } from "../../../src/domain/job-record";
import type { ProviderName } from "../../../src/domain/provider-name";
import type { ProviderHarness } from "./harness";
import { collect } from "./helpers";

/** A Messages batch request of one user message (declared beside the providers' test sides, which use it too). */
export { messageRequest } from "../../providers/types.ts";

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
 * Creates the upstream jobs of a batch of `requests` as the batches service does for a small
 * body: the check pass translates every request before any upstream call, then the planner
 * places each line and `finish` creates the jobs (on a failure the planner is aborted and the
 * error rethrown). Returns the slot (`<group>#<n>`) each request went to and the jobs.
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
  const ctx = options.ctx ?? h.ctx;
  const files = options.files ?? new Map();
  const lines = requests.map((request) => check(adapter.batches, request, files, ctx));
  const planner = new BatchPlanner(adapter.batches.jobs, ctx, { batchId: options.batchId ?? "msgbatch_test", sink: options.sink ?? h.sink });
  try {
    const slots: string[] = [];
    for (const line of lines) slots.push(await planner.add(line));
    return { slots, jobs: await planner.finish() };
  } catch (error) {
    await planner.abort(error);
    throw error;
  }
}

/** What a batch being planned request by request offers a test: `add` translates and places one request, returning its slot. */
export interface PlannedBatch {
  add(request: BatchRequest): Promise<string>;
  finish(): Promise<JobRef[]>;
  abort(reason: unknown): Promise<void>;
}

/**
 * A batch planned request by request, as the batches service plans a streamed body (each
 * request translated as it comes, then placed), for tests that look between two requests or
 * abort midway. A planner constructed here throws what the provider's session throws (its
 * configuration).
 *
 * @example
 * const plan = planBatch(openaiAdapter.batches, ctx, { batchId: "msgbatch_test", sink, files: new Map() });
 * await plan.add(request); // "gpt-4o-mini#0"
 * const jobs = await plan.finish();
 */
export function planBatch(
  batches: BatchesAdapter,
  ctx: ProviderContext,
  start: { batchId: string; sink: BatchSink; files: ReadonlyMap<string, ResolvedFile> },
): PlannedBatch {
  const planner = new BatchPlanner(batches.jobs, ctx, { batchId: start.batchId, sink: start.sink });
  return {
    add: async (request) => planner.add(check(batches, request, start.files, ctx)),
    finish: () => planner.finish(),
    abort: (reason) => planner.abort(reason),
  };
}

/**
 * The check pass for one request: the provider's translation alone, no I/O (throws its refusal).
 *
 * @example
 * expect(() => check(openaiAdapter.batches, request, new Map())).toThrow("params.top_k: …");
 */
export function check(
  batches: BatchesAdapter,
  request: BatchRequest,
  files: ReadonlyMap<string, ResolvedFile>,
  ctx: Pick<ProviderContext, "clientBetas"> = { clientBetas: [] },
): JobLine {
  return batches.jobs.translate(request, files, ctx);
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

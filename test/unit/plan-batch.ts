/**
 * Unit-test support: a provider's batch creation driven through the planner as the batches
 * service drives it (translate each request, place its line, finish), one request at a time.
 */
import { BatchPlanner } from "../../src/core/batch-planner";
import type { BatchSink, BatchesAdapter, JobLine, ProviderContext, ResolvedFile } from "../../src/providers/types";
import type { BatchRequest } from "../../src/domain/batch-request";
import type { JobRef } from "../../src/domain/job-record";

export interface PlanStart {
  batchId: string;
  sink: BatchSink;
  files: ReadonlyMap<string, ResolvedFile>;
}

/** What the service does with one batch: `add` translates and places a request, returning its slot. */
export interface PlannedBatch {
  add(request: BatchRequest): Promise<string>;
  finish(): Promise<JobRef[]>;
  abort(reason: unknown): Promise<void>;
}

/**
 * @example
 * const plan = planBatch(openaiAdapter.batches, ctx, { batchId: "msgbatch_test", sink, files: new Map() });
 * await plan.add(request); // "gpt-4o-mini#0"
 * const jobs = await plan.finish();
 */
export function planBatch(batches: BatchesAdapter, ctx: ProviderContext, start: PlanStart): PlannedBatch {
  const planner = new BatchPlanner(batches.jobs, ctx, { batchId: start.batchId, sink: start.sink });
  return {
    add: async (request) => planner.add(batches.jobs.translate(request, start.files, ctx)),
    finish: () => planner.finish(),
    abort: (reason) => planner.abort(reason),
  };
}

/**
 * The check pass of a small batch: the translation alone, no I/O.
 *
 * @example
 * expect(() => check(openaiAdapter.batches, request, new Map())).toThrow("params.top_k: …");
 */
export function check(batches: BatchesAdapter, request: BatchRequest, files: ReadonlyMap<string, ResolvedFile>, ctx?: Pick<ProviderContext, "clientBetas">): JobLine {
  return batches.jobs.translate(request, files, ctx ?? { clientBetas: [] });
}

/**
 * One upstream job of a gateway batch: what an adapter reports creating (`JobRef`) and the
 * record the gateway keeps of it (`JobRecord`).
 *
 * @example
 * const job: JobRef = { slot: "gpt-4o-mini#0", nativeId: "batch_abc", model: "gpt-4o-mini", requestCount: 2, data: {} };
 */
import type { BatchResult } from "./batch-result";
import type { RequestCounts } from "./request-counts";

/**
 * One upstream job of a gateway batch. `slot` names the group of requests the job runs
 * (`<group>#<n>`, the slot the planner placed each of them in), so that the service can tell
 * which `custom_id`s a job owes results for.
 */
export interface JobRef {
  slot: string;
  nativeId: string;
  model: string | null;
  requestCount: number;
  /** Adapter state carried between calls (output file IDs, S3 keys…). */
  data: Record<string, unknown>;
}

/** A job as the gateway keeps it: its batch, its order in the batch, its last known state. */
export interface JobRecord extends JobRef {
  batchId: string;
  seq: number;
  state: "in_progress" | "canceling" | "ended";
  counts: RequestCounts;
  endedAt: string | null;
  unrun: BatchResult | null;
}

/**
 * Jobs the gateway runs itself, request by request, instead of a provider's batch API (Bedrock
 * groups below its batch minimum: src/providers/bedrock/invoke-job.ts). The background worker
 * steps them: each poll of such a batch runs one step of its first unended gateway job (a few
 * requests at once), records the job's progress in D1 (its counts, so `retrieve` and `list`
 * show requests finishing), and says when to poll next.
 */
import type { JobRef } from "../domain/job-record";
import type { BatchRecord } from "../domain/batch-record";
import type { JobRecord } from "../domain/job-record";
import { jobAfter } from "./batch-state";
import type { Gateway } from "./gateway";
import { inGatewayTerms, jobIdPairs } from "./native-ids";

/** What a poll should do next: step again at once, after a backoff, or just follow upstream jobs. */
export type GatewayWork = "now" | "later" | "none";

/**
 * Whether any job of the batch is one the gateway runs itself.
 *
 * @example
 * if (hasGatewayJobs(gateway, batch, jobs)) await pollNow(gateway, batch.id, 0);
 */
export function hasGatewayJobs(gateway: Gateway, batch: Pick<BatchRecord, "provider">, jobs: readonly (JobRef & { state?: string })[]): boolean {
  const adapter = gateway.adapter(batch.provider);
  return jobs.some((job) => job.state !== "ended" && adapter.batches.runsInGateway?.(job) === true);
}

/**
 * Runs one step of the batch's first unended gateway job (none: `none`) and records its
 * progress. A canceling batch's step ends the job, its requests not started `canceled`; an
 * expired batch's, `expired`.
 *
 * @example
 * const work = await stepGatewayJobs(gateway, batch, jobs); // "now": poll again at once
 */
export async function stepGatewayJobs(gateway: Gateway, batch: BatchRecord, jobs: readonly JobRecord[]): Promise<GatewayWork> {
  const adapter = gateway.adapter(batch.provider);
  const step = adapter.batches.step;
  const running = jobs.filter((job) => job.state !== "ended" && adapter.batches.runsInGateway?.(job) === true);
  const job = running[0];
  if (!step || !job) return "none";
  const canceled = batch.state === "canceling" || batch.cancelInitiatedAt !== null;
  // Past its expiry (24 hours after creation, as Anthropic's), what has not started never will.
  const expired = Date.now() >= Date.parse(batch.expiresAt);
  const { status, next } = await inGatewayTerms(jobIdPairs(batch.id, jobs), () => step(gateway.upstream, job, { canceled, expired }));
  await gateway.batches.updateJob(jobAfter(job, status));
  if (next !== "done") return next;
  return running.length > 1 ? "now" : "none";
}

/**
 * What the dashboard shows, scoped to its viewer: the admin sees every owner's batches and
 * files, anyone else only their own, as the API shows them. Reads go through the batches and
 * files services (a batch page refreshes a running batch as retrieve does); nothing here
 * knows a provider, and no native ID leaves this module.
 */
import { GatewayError } from "../lib/errors";
import type { BatchResultLine } from "../domain/batch-result";
import type { RequestCounts } from "../domain/request-counts";
import type { BatchRecord } from "../domain/batch-record";
import type { JobRecord } from "../domain/job-record";
import type { FileRecord } from "../domain/file-record";
import type { WebhookDelivery } from "../domain/webhook-delivery";
import type { PageOf } from "../store/pages";
import { readJsonLines } from "../lib/jsonl";
import { cancelBatch } from "./batch-cancel";
import { endedBatch, getBatch } from "./batch-refresh";
import { batchResults, resultsBody, vaultedResults } from "./batch-results";
import type { Gateway } from "./gateway";
import { isGatewayId } from "./ids";
import type { Viewer } from "./sessions";
import { batchCosts } from "./usage-overview";

/** A batch as the batches page lists it. */
export interface BatchSummary {
  batch: BatchRecord;
  /** The models its requests name. */
  models: string[];
  /** USD once ended (null: a model without a price); undefined while it runs. */
  cost: number | null | undefined;
}

/** An upstream job as the batch page shows it: its place and state, never its native ID. */
export interface JobView {
  seq: number;
  model: string | null;
  requestCount: number;
  state: JobRecord["state"];
  counts: RequestCounts;
  endedAt: string | null;
}

export interface BatchDetail {
  batch: BatchRecord;
  jobs: JobView[];
  models: string[];
}

/**
 * A page of the viewer's batches (every owner's for the admin), newest first.
 *
 * @example
 * const page = await listBatchesFor(gateway, viewer, { limit: 20 });
 */
export async function listBatchesFor(gateway: Gateway, viewer: Viewer, page: { limit: number; afterId?: string }): Promise<PageOf<BatchSummary>> {
  const batches = await gateway.batches.listOf(viewer.owner, page);
  const costs = await batchCosts(gateway, batches.items);
  // Batches from before usage rows were kept name their models on their jobs only.
  const jobModels = await gateway.batches.jobModels(batches.items.filter((batch) => !costs.get(batch.id)?.models.length).map((batch) => batch.id));
  return {
    items: batches.items.map((batch) => {
      const cost = costs.get(batch.id);
      return { batch, models: cost?.models.length ? cost.models : (jobModels.get(batch.id) ?? []), cost: cost?.cost };
    }),
    hasMore: batches.hasMore,
  };
}

/**
 * One of the viewer's batches, refreshed as retrieve refreshes it, with its jobs. 404 for a
 * batch the viewer may not see, as the API answers.
 *
 * @example
 * const { batch, jobs } = await batchDetailFor(gateway, viewer, "msgbatch_01…");
 */
export async function batchDetailFor(gateway: Gateway, viewer: Viewer, id: string): Promise<BatchDetail> {
  const owner = await ownerFor(gateway, viewer, id);
  const batch = await getBatch(gateway, owner, id);
  const jobs = (await gateway.batches.jobs(batch.id)).map(
    (job): JobView => ({ seq: job.seq, model: job.model, requestCount: job.requestCount, state: job.state, counts: job.counts, endedAt: job.endedAt }),
  );
  const usage = (await gateway.usage.ofBatches([batch.id])).get(batch.id) ?? [];
  const models = usage.length ? usage.map((row) => row.model) : [...new Set(jobs.flatMap((job) => (job.model ? [job.model] : [])))].sort();
  return { batch, jobs, models };
}

/**
 * The first `limit` errored results of an ended batch the viewer may see (none before it
 * has ended, or when nothing errored). Reading stops at the `limit`-th.
 *
 * @example
 * const errors = await firstErroredFor(gateway, viewer, batch, 5);
 */
export async function firstErroredFor(gateway: Gateway, viewer: Viewer, batch: BatchRecord, limit: number): Promise<BatchResultLine[]> {
  if (batch.state !== "ended" || batch.counts.errored === 0) return [];
  if (viewer.owner !== null && viewer.owner !== batch.owner) throw GatewayError.notFound(`Message batch not found: ${batch.id}`);
  const found: BatchResultLine[] = [];
  const vaulted = await vaultedResults(gateway, batch);
  const lines = vaulted ? readJsonLines<BatchResultLine>(vaulted.body) : batchResults(gateway, batch);
  try {
    for await (const line of lines) {
      if (line.result.type !== "errored") continue;
      found.push(line);
      if (found.length >= limit) break;
    }
  } finally {
    // Stops reading the rest of a large vault object.
    await vaulted?.body.cancel().catch(() => {});
  }
  return found;
}

/**
 * The results of one of the viewer's ended batches as JSONL bytes, every `custom_id` once (as
 * the API's results route serves them); 400 while it runs, 404 for a batch the viewer may
 * not see.
 *
 * @example
 * const { body, size } = await resultsFor(gateway, viewer, "msgbatch_01…");
 */
export async function resultsFor(gateway: Gateway, viewer: Viewer, id: string): Promise<{ body: ReadableStream<Uint8Array>; size: number | null }> {
  const owner = await ownerFor(gateway, viewer, id);
  return resultsBody(gateway, await endedBatch(gateway, owner, id));
}

/**
 * Cancels one of the viewer's batches, as the API's cancel does.
 *
 * @example
 * await cancelFor(gateway, viewer, "msgbatch_01…");
 */
export async function cancelFor(gateway: Gateway, viewer: Viewer, id: string): Promise<BatchRecord> {
  return cancelBatch(gateway, await ownerFor(gateway, viewer, id), id);
}

/**
 * A page of the viewer's files (every owner's for the admin), newest first.
 *
 * @example
 * const page = await listFilesFor(gateway, viewer, { limit: 50 });
 */
export async function listFilesFor(gateway: Gateway, viewer: Viewer, page: { limit: number; afterId?: string }): Promise<PageOf<FileRecord>> {
  return gateway.files.listOf(viewer.owner, page, new Date().toISOString());
}

/**
 * The most recent webhook deliveries the viewer may see: every one for the admin, those to
 * its own webhook for a key (never the gateway-wide webhook's).
 *
 * @example
 * const deliveries = await deliveriesFor(gateway, viewer, 100);
 */
export async function deliveriesFor(gateway: Gateway, viewer: Viewer, limit: number): Promise<WebhookDelivery[]> {
  return viewer.owner === null ? gateway.webhooks.recent(limit) : gateway.webhooks.recentTo(viewer.owner, limit);
}

/** The owner under whom the viewer may read batch `id`: their own, or, for the admin, whoever's it is. */
async function ownerFor(gateway: Gateway, viewer: Viewer, id: string): Promise<string> {
  if (!isGatewayId(id, "msgbatch")) throw GatewayError.notFound(`Message batch not found: ${id}`);
  if (viewer.owner !== null) return viewer.owner;
  const owner = await gateway.batches.ownerOf(id);
  if (owner === null) throw GatewayError.notFound(`Message batch not found: ${id}`);
  return owner;
}

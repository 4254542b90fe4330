/**
 * The services object: the only door into the gateway's state. Built once per request (and
 * once per background run) from the Worker's bindings, it is all that the routes (src/api),
 * the admin API, the auth middleware, the dashboard and the scheduled and queue handlers
 * call. Each member is a small object of operations; every one takes plain values (owners,
 * IDs, caller, viewer) and returns the gateway's records, never a store.
 *
 * Inside core, the operations are written over one context (`Gateway`, src/core/gateway.ts:
 * the stores, the upstream context, the adapters); nothing outside core sees it.
 *
 * @example
 * const services = createServices({ env: c.env, clientBetas: [], adapters: ADAPTERS });
 * const batch = await services.batches.get(caller.owner, "msgbatch_01…");
 */
import { GatewayError } from "../lib/errors";
import type { FileDownload, FileUpload, ProviderAdapter } from "../providers/types";
import type { BatchRequest } from "../domain/batch-request";
import type { BatchResultLine } from "../domain/batch-result";
import type { ProviderName } from "../domain/provider-name";
import type { BatchRecord } from "../domain/batch-record";
import type { FileRecord } from "../domain/file-record";
import type { VirtualKey } from "../domain/virtual-key";
import type { PageOf } from "../store/pages";
import type { WebhookDelivery } from "../domain/webhook-delivery";
import { closedGateway } from "./admin-token";
import { createBatch, type BatchSource } from "./batch-create";
import { cancelBatch, deleteBatch } from "./batch-cancel";
import { endedBatch, getBatch } from "./batch-refresh";
import { resultsBody } from "./batch-results";
import { deleteFile, downloadFile, filesOf, getFile, listFiles, requireFilesApi, uploadFile } from "./files";
import { createGateway, type Gateway } from "./gateway";
import { isGatewayId } from "./ids";
import { handleJob } from "./job-handlers";
import { createKeyWith, listKeys, revokeKeyById, updateKey, type NewKeyInput } from "./key-admin";
import { assertModelAllowed, assertProviderAllowed, identify, type Caller } from "./keys";
import type { KeyLimits } from "../domain/virtual-key";
import { chargeRequest } from "./limits";
import { batchDetailFor, cancelFor, deliveriesFor, firstErroredFor, listBatchesFor, listFilesFor, resultsFor, type BatchDetail, type BatchSummary } from "./overview";
import type { JobMessage } from "./queue-messages";
import { reconcile, type ReconcileReport } from "./reconcile";
import { closeSession, openSession, resumeSession, type SessionDeps, type Viewer } from "./sessions";
import { sweep, type SweepReport } from "./sweep";
import { batchUsageOf, dailyUsageFor, type DailyUsage } from "./usage-overview";
import { batchUsage, usageSummary, type BatchUsage, type UsageRow } from "./usage";
import { requeueOverdueDeliveries } from "./webhook-delivery";

/** Every provider's adapter, by name (the composition root passes src/providers' registry). */
export type Adapters = Readonly<Record<ProviderName, ProviderAdapter>>;

export interface ServicesOptions {
  /** The Worker's bindings and vars (`DB`, `RESULTS`, `JOBS`, `AUTH_CACHE`, secrets…). */
  env: object;
  adapters: Adapters;
  /** The client's `anthropic-beta` values, forwarded upstream where a provider takes them. */
  clientBetas?: readonly string[];
  /** The upstream HTTP client (tests inject a fake); by default the global fetch. */
  fetch?: typeof fetch;
}

/** A page request: newest first, `limit` items before or after an ID. */
export interface PageRequest {
  limit: number;
  beforeId?: string;
  afterId?: string;
}

/** JSONL results: `size` when known in advance (vaulted), null when translated live. */
export interface ResultsBody {
  body: ReadableStream<Uint8Array>;
  size: number | null;
}

export interface BatchesService {
  /** Creates the batch upstream; each request's model is checked against the caller's key as it is read. */
  create(caller: Caller, provider: ProviderName, source: BatchSource, options: { idempotencyKey: string | null; origin: string }): Promise<BatchRecord>;
  list(owner: string, provider: ProviderName | null, page: PageRequest): Promise<PageOf<BatchRecord>>;
  get(owner: string, id: string): Promise<BatchRecord>;
  cancel(owner: string, id: string): Promise<BatchRecord>;
  delete(owner: string, id: string): Promise<void>;
  results(owner: string, id: string): Promise<ResultsBody>;
  usage(owner: string, id: string): Promise<BatchUsage>;
}

export interface FilesService {
  /** 400 for a provider without a Files API (Bedrock). */
  requireApi(provider: ProviderName): void;
  /** As `requireApi`, and the provider is configured: checked before an upload's body is read. */
  assertUploadable(provider: ProviderName): void;
  upload(owner: string, provider: ProviderName, upload: FileUpload): Promise<FileRecord>;
  list(owner: string, provider: ProviderName | null, page: PageRequest): Promise<PageOf<FileRecord>>;
  /** The caller's files among `ids` (IDs that cannot be file IDs are skipped). */
  getMany(owner: string, ids: readonly string[]): Promise<FileRecord[]>;
  get(owner: string, id: string): Promise<FileRecord>;
  download(owner: string, id: string): Promise<FileDownload>;
  delete(owner: string, id: string): Promise<void>;
}

export interface KeysService {
  /** The caller behind a presented key (401 when a closed gateway does not know it). */
  identify(presented: string): Promise<Caller>;
  /** Counts one request against the caller's requests-per-minute limit (429 over it). */
  charge(caller: Caller): Promise<void>;
  /** Refuses a provider the caller's key may not use (403), checked before a body is read. */
  assertProviderAllowed(caller: Caller, provider: ProviderName): void;
  list(): Promise<VirtualKey[]>;
  create(input: NewKeyInput): Promise<{ key: VirtualKey; secret: string; webhookSecret: string | null }>;
  update(id: string, change: { limits: Partial<KeyLimits>; webhookUrl?: string | null }): Promise<{ key: VirtualKey; webhookSecret: string | null }>;
  revoke(id: string): Promise<void>;
}

export interface UsageService {
  /** Usage over the batches that ended in [from, to), per key, provider and model. */
  summary(from: string | null, to: string | null): Promise<UsageRow[]>;
  /** Per UTC day and provider over the last `days` days, of what the viewer may see. */
  daily(viewer: Viewer, days: number, now: Date): Promise<{ days: string[]; rows: DailyUsage[] }>;
  /** The usage of an ended batch already shown to its viewer; null while it runs. */
  ofBatch(batch: BatchRecord): Promise<BatchUsage | null>;
}

export interface WebhooksService {
  /** The most recent deliveries, every destination's. */
  recent(limit: number): Promise<WebhookDelivery[]>;
}

/** The dashboard's reads and actions, scoped to who signed in (src/core/overview.ts). */
export interface OverviewService {
  batches(viewer: Viewer, page: { limit: number; afterId?: string }): Promise<PageOf<BatchSummary>>;
  batch(viewer: Viewer, id: string): Promise<BatchDetail>;
  firstErrored(viewer: Viewer, batch: BatchRecord, limit: number): Promise<BatchResultLine[]>;
  results(viewer: Viewer, id: string): Promise<ResultsBody>;
  cancel(viewer: Viewer, id: string): Promise<BatchRecord>;
  files(viewer: Viewer, page: { limit: number; afterId?: string }): Promise<PageOf<FileRecord>>;
  deliveries(viewer: Viewer, limit: number): Promise<WebhookDelivery[]>;
}

/** Dashboard sessions (src/core/sessions.ts). */
export interface SessionsService {
  open(presented: string): Promise<{ id: string; viewer: Viewer }>;
  resume(id: string): Promise<Viewer | null>;
  close(id: string): Promise<void>;
}

/** What the cron trigger and the queue consumer run. */
export interface BackgroundService {
  handle(message: JobMessage): Promise<void>;
  sweep(now: number): Promise<SweepReport>;
  reconcile(now: number): Promise<ReconcileReport>;
  requeueOverdueDeliveries(now: number): Promise<number>;
}

export interface Services {
  batches: BatchesService;
  files: FilesService;
  keys: KeysService;
  usage: UsageService;
  webhooks: WebhooksService;
  overview: OverviewService;
  sessions: SessionsService;
  background: BackgroundService;
}

/**
 * @example
 * const services = createServices({ env, adapters: ADAPTERS, clientBetas: splitBetas(header) });
 */
export function createServices(options: ServicesOptions): Services {
  const env = options.env as { DB: D1Database } & Record<string, unknown>;
  const gateway = createGateway({
    db: env.DB,
    env,
    clientBetas: options.clientBetas ?? [],
    adapters: options.adapters,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const cache = gateway.keyCache;
  const sessions: SessionDeps = { keys: gateway.keys, kv: cache, env };
  return {
    batches: {
      create: (caller, provider, source, { idempotencyKey, origin }) =>
        createBatch(gateway, caller.owner, provider, withModelCheck(source, caller), idempotencyKey, {
          maxBatchesInProgress: caller.key?.limits.maxBatchesInProgress ?? null,
          monthlyBudgetUsd: caller.key?.limits.monthlyBudgetUsd ?? null,
          origin,
        }),
      list: (owner, provider, page) => gateway.batches.list(owner, provider, page),
      get: async (owner, id) => getBatch(gateway, owner, batchId(id)),
      cancel: async (owner, id) => cancelBatch(gateway, owner, batchId(id)),
      delete: async (owner, id) => deleteBatch(gateway, owner, batchId(id)),
      results: async (owner, id) => resultsBody(gateway, await endedBatch(gateway, owner, batchId(id))),
      usage: async (owner, id) => batchUsage(gateway, owner, batchId(id)),
    },
    files: {
      requireApi: (provider) => void requireFilesApi(gateway, provider),
      assertUploadable: (provider) => void filesOf(gateway, provider),
      upload: (owner, provider, upload) => uploadFile(gateway, owner, provider, upload),
      list: (owner, provider, page) => listFiles(gateway, owner, provider, page),
      getMany: (owner, ids) => gateway.files.getMany(owner, ids.filter((id) => isGatewayId(id, "file"))),
      get: async (owner, id) => getFile(gateway, owner, fileId(id)),
      download: async (owner, id) => downloadFile(gateway, owner, fileId(id)),
      delete: async (owner, id) => deleteFile(gateway, owner, fileId(id)),
    },
    keys: {
      identify: (presented) => identify(gateway.keys, cache, presented, closedGateway(env)),
      charge: (caller) => chargeRequest(env, caller),
      assertProviderAllowed: (caller, provider) => assertProviderAllowed(caller, provider),
      list: () => listKeys(gateway),
      create: (input) => createKeyWith(gateway, input),
      update: (id, change) => updateKey(gateway, id, change),
      revoke: (id) => revokeKeyById(gateway, id),
    },
    usage: {
      summary: (from, to) => usageSummary(gateway, from, to),
      daily: (viewer, days, now) => dailyUsageFor(gateway, viewer, days, now),
      ofBatch: (batch) => batchUsageOf(gateway, batch),
    },
    webhooks: {
      recent: (limit) => gateway.webhooks.recent(limit),
    },
    overview: {
      batches: (viewer, page) => listBatchesFor(gateway, viewer, page),
      batch: (viewer, id) => batchDetailFor(gateway, viewer, id),
      firstErrored: (viewer, batch, limit) => firstErroredFor(gateway, viewer, batch, limit),
      results: (viewer, id) => resultsFor(gateway, viewer, id),
      cancel: (viewer, id) => cancelFor(gateway, viewer, id),
      files: (viewer, page) => listFilesFor(gateway, viewer, page),
      deliveries: (viewer, limit) => deliveriesFor(gateway, viewer, limit),
    },
    sessions: {
      open: (presented) => openSession(sessions, presented),
      resume: (id) => resumeSession(sessions, id),
      close: (id) => closeSession(sessions, id),
    },
    background: backgroundOf(gateway),
  };
}

function backgroundOf(gateway: Gateway): BackgroundService {
  return {
    handle: (message) => handleJob(gateway, message),
    sweep: (now) => sweep(gateway, now),
    reconcile: (now) => reconcile(gateway, now),
    requeueOverdueDeliveries: (now) => requeueOverdueDeliveries(gateway, now),
  };
}

/** A path ID that cannot be a gateway batch ID is answered like an unknown one. */
function batchId(id: string): string {
  if (!isGatewayId(id, "msgbatch")) throw GatewayError.notFound(`Message batch not found: ${id}`);
  return id;
}

/** A path ID that cannot be a gateway file ID is answered like an unknown one. */
function fileId(id: string): string {
  if (!isGatewayId(id, "file")) throw GatewayError.notFound(`File not found: ${id}`);
  return id;
}

/** Refuses, as each request is read, a model the caller's key may not use. */
function withModelCheck(source: BatchSource, caller: Caller): BatchSource {
  if (!caller.key?.models) return source;
  return {
    replayable: source.replayable,
    ...(source.digest ? { digest: () => source.digest!() } : {}),
    async *requests(): AsyncGenerator<BatchRequest> {
      let index = 0;
      for await (const request of source.requests()) {
        assertModelAllowed(caller, request.params.model, `requests.${index}.params.model`);
        index++;
        yield request;
      }
    },
    ...(source.runs
      ? {
          async *runs(): AsyncGenerator<readonly BatchRequest[]> {
            let index = 0;
            for await (const run of source.runs!()) {
              let checked = 0;
              try {
                for (; checked < run.length; checked++) {
                  assertModelAllowed(caller, run[checked]!.params.model, `requests.${index}.params.model`);
                  index++;
                }
              } catch (error) {
                // The requests before it go first, as they would one by one: one of them may
                // be refused first, for another reason.
                if (checked > 0) yield run.slice(0, checked);
                throw error;
              }
              yield run;
            }
          },
        }
      : {}),
  };
}

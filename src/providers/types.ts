/**
 * The contract between the gateway's services and one provider. An adapter knows one
 * provider's wire format and nothing else: it never touches D1 and never sees Hono. It gets
 * what it needs (keys, base URLs, resolved files) through `ProviderContext`, and reports what
 * it creates upstream through `BatchSink.record` so that the service can keep it in D1.
 */
import type { Artifact } from "../domain/artifact";
import type { BatchRequest } from "../domain/batch-request";
import type { BatchResult, BatchResultLine } from "../domain/batch-result";
import type { JobRef } from "../domain/job-record";
import type { ProviderName } from "../domain/provider-name";
import type { RequestCounts } from "../domain/request-counts";

/** The Worker's environment, as far as adapters read it (all strings, all optional). */
export type ProviderEnv = Partial<Record<string, string>>;

export interface ProviderContext {
  env: ProviderEnv;
  /** `fetch` to use for every upstream call (tests and retries wrap it). */
  fetch: typeof fetch;
  /** The `anthropic-beta` values the client sent, split on commas (Anthropic forwards them; Bedrock puts those it takes in each record). */
  clientBetas: readonly string[];
}

// ─── Files ─────────────────────────────────────────────────────────────────────────────────

/**
 * A gateway file that a batch request refers to, already resolved by the service (owner and
 * provider checked). Translators turn it into the provider's own file reference.
 */
export interface ResolvedFile {
  gatewayId: string;
  nativeId: string;
  filename: string;
  mimeType: string;
  /** Adapter data kept with the file, e.g. Gemini's `uri`. */
  native: Record<string, unknown>;
}

/** What an adapter knows about a file upstream. */
export interface UpstreamFile {
  nativeId: string;
  filename: string;
  mimeType: string;
  sizeBytes: number;
  /** RFC 3339. */
  createdAt: string;
  downloadable: boolean;
  expiresAt: string | null;
  /** Still being processed upstream (Gemini `PROCESSING`); usable once false. */
  processing?: boolean;
  /** Adapter data to keep with the record (returned to the adapter as `ResolvedFile.native`). */
  native: Record<string, unknown>;
}

export interface FileUpload {
  filename: string;
  mimeType: string;
  /** Exact size in bytes when the client sent it (multipart parts usually do not). */
  sizeBytes: number | null;
  body: ReadableStream<Uint8Array>;
}

/** A streamed download: the bytes and the headers worth passing on. */
export interface FileDownload {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  contentLength: number | null;
}

export interface FilesAdapter {
  /**
   * Files can vanish upstream before `expiresAt` says (Gemini expires them on its own): every
   * metadata read asks `retrieve`, and a file gone upstream is forgotten.
   */
  refreshOnRead?: boolean;
  /** Streams `upload.body` upstream; never buffers the whole file. */
  upload(ctx: ProviderContext, upload: FileUpload): Promise<UpstreamFile>;
  /** Current metadata; throws `GatewayError` 404 when the file is gone upstream. */
  retrieve(ctx: ProviderContext, file: ResolvedFile): Promise<UpstreamFile>;
  /** Throws the error Anthropic gives for a non-downloadable file when it is not downloadable. */
  download(ctx: ProviderContext, file: ResolvedFile): Promise<FileDownload>;
  /** Deletes upstream; a file already gone counts as deleted. */
  delete(ctx: ProviderContext, file: ResolvedFile): Promise<void>;
}

// ─── Batches ───────────────────────────────────────────────────────────────────────────────

/** A job's state, merged by the service into the gateway batch. */
export interface JobStatus {
  state: "in_progress" | "canceling" | "ended";
  counts: RequestCounts;
  /** RFC 3339, once ended. */
  endedAt: string | null;
  /** Replaces `JobRef.data` when set (e.g. output file IDs learnt on completion). */
  data?: Record<string, unknown>;
  /**
   * The result for each request of the job that its result files do not mention: by
   * default `canceled` if the batch was cancelled, else `expired`. An OpenAI batch that
   * failed validation sets an `errored` result carrying its validation errors.
   */
  unrun?: BatchResult;
  /** Files produced upstream that the batch's owner may download (OpenAI output files). */
  outputFiles?: UpstreamFile[];
}

/**
 * One step of a job the gateway runs itself (`BatchesAdapter.step`): the job's new status
 * (its `data` records the progress) and when to step it again: `now`, `later` (the provider
 * asked to slow down: after a backoff) or `done` (the job has ended).
 */
export interface JobStep {
  status: JobStatus;
  next: "now" | "later" | "done";
}

export interface BatchSink {
  /** Call as soon as anything is created upstream, before doing anything else. */
  record(artifact: Artifact): Promise<void>;
}

/** Everything a batch writer is told when it starts. */
export interface BatchStart {
  /** The gateway batch ID (for upstream metadata and names). */
  batchId: string;
  sink: BatchSink;
  /** Resolved gateway files, by gateway file ID, for the requests' `file` sources. */
  files: ReadonlyMap<string, ResolvedFile>;
}

/**
 * Receives a batch's requests one at a time, in the order the client sent them, and creates
 * the upstream jobs. `add` may write upstream (streams), so it must be awaited.
 */
export interface BatchWriter {
  /** Translates and writes one request; returns the slot it went to. Throws `GatewayError` 400 for a param the provider cannot take. */
  add(request: BatchRequest): Promise<string>;
  /** Flushes everything and creates the jobs. */
  finish(): Promise<JobRef[]>;
  /** Stops, and removes what was created so far (recorded artifacts are deleted by the service too). */
  abort(reason: unknown): Promise<void>;
}

export interface BatchesAdapter {
  /**
   * Checks and translates one request without any I/O; throws `GatewayError` 400 when the
   * provider cannot take it. The service runs it over small batches before any upstream
   * call, so that a bad request never reaches upstream. `ctx` carries what the client sent
   * beside the body (its `anthropic-beta` values; absent means none); `check` makes no call with it.
   */
  check(request: BatchRequest, files: ReadonlyMap<string, ResolvedFile>, ctx?: ProviderContext): void;
  begin(ctx: ProviderContext, start: BatchStart): BatchWriter;
  retrieve(ctx: ProviderContext, job: JobRef): Promise<JobStatus>;
  cancel(ctx: ProviderContext, job: JobRef): Promise<void>;
  /** The job's results, translated, streamed; lines may come in any order. */
  results(ctx: ProviderContext, job: JobRef): AsyncIterable<BatchResultLine>;
  /** Deletes one artifact upstream; one already gone counts as deleted. */
  deleteArtifact(ctx: ProviderContext, artifact: Artifact): Promise<void>;
  /**
   * Whether the gateway runs this job itself, request by request (Bedrock groups below its
   * batch minimum), rather than the provider's batch API. Pure. Absent: never.
   */
  runsInGateway?(job: JobRef): boolean;
  /**
   * Runs the next few requests of a job `runsInGateway` (called by the background worker only,
   * one step of a job at a time). `retrieve` of such a job reads its recorded progress and
   * asks no one; `canceled` ends it, the requests not started unrun (`canceled`); `expired`
   * (the batch is past its `expires_at`) ends it, those requests `expired`.
   */
  step?(ctx: ProviderContext, job: JobRef, options: { canceled: boolean; expired?: boolean }): Promise<JobStep>;
}

export interface ProviderAdapter {
  name: ProviderName;
  /** Absent when the provider has no Files API (Bedrock). */
  files?: FilesAdapter;
  batches: BatchesAdapter;
  /** Throws `GatewayError` 400 naming what to set when the provider is not configured. */
  assertConfigured(env: ProviderEnv): void;
}

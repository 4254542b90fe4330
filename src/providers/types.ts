/**
 * The contract between the gateway's services and one provider. An adapter knows one
 * provider's wire format and nothing else: it never touches D1 and never sees Hono. It gets
 * what it needs (keys, base URLs, resolved files) through `ProviderContext`, and reports what
 * it creates upstream through `BatchSink.record` so that the service can keep it in D1.
 */
import type { Artifact } from "../domain/artifact";
import type { BatchRequest } from "../domain/batch-request";
import type { BatchResult, BatchResultChunk, BatchResultLine } from "../domain/batch-result";
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

/**
 * One request translated into one line of a job's input, by `ProviderJobs.translate` (pure):
 * the service translates each request once, and the planner (core/batch-planner.ts) places
 * the line in a job of its `group`.
 */
export interface JobLine {
  customId: string;
  /** Requests of one group may share a job (the upstream model; Anthropic: one group for all). */
  group: string;
  /** The model a job reports when all its lines name the same one. */
  model: string;
  /** The encoded line, as the job input holds it (or, instead, `text`). */
  bytes?: Uint8Array;
  /**
   * The line as text, instead of `bytes`: the planner encodes it straight into the job's
   * buffer or input (with `JobLimits.packLines`, through one reused buffer: no buffer per line).
   */
  text?: string;
}

/**
 * What a provider declares about its jobs; the planner keeps to it.
 */
export interface JobLimits {
  /** Lines (requests, records) per job; a full job's group continues in a new job. */
  maxLines: number;
  /** Bytes per job input (a first line always fits, so that upstream says why it is too large). */
  maxBytes: number;
  /** Bytes of lines held in memory across groups (each line counted with `lineOverheadBytes`). */
  bufferBytes: number;
  /** What a held line costs in memory beyond its bytes. */
  lineOverheadBytes: number;
  /**
   * The fewest bytes a buffer must hold to move to a streaming input when the budget is
   * passed; a smaller largest buffer is closed whole instead (its group continues in a new job).
   */
  streamFromBytes: number;
  /** Streaming inputs open at once; opening one more closes the least recently written. */
  maxOpenInputs: number;
  /** Distinct groups per batch, and the refusal of one more (from `add`, before anything is sent for it). */
  maxGroups?: { count: number; refuse(line: JobLine, groupNumber: number): Error };
  /**
   * `close`: a job is created as soon as its input is closed. `finish`: every job is created at
   * the end, in the order the inputs were started, after `JobSession.beforeCreate`.
   */
  createJobs: "close" | "finish";
  /** Inputs closed at once at the end of a batch. */
  closeConcurrency: number;
  /** The job's `model` when its lines name several: the group (when it is the upstream model), or null. */
  groupIsModel: boolean;
  /**
   * The job input is one stream of bytes (a JSONL file): the planner may pack buffered lines
   * into shared buffers, which it reuses, and hand them to `JobInput.write` and
   * `JobSession.sendWhole` as pieces that need not end where a line ends. The input must copy
   * what it keeps before `write` (or `sendWhole`) settles.
   */
  packLines?: boolean;
}

/** One future job as the planner sees it. */
export interface PlannedJob {
  /** `<group>#<n>`, n counted from 0 within the group. */
  slot: string;
  group: string;
  /** The job's place among its group's jobs, from 0. */
  n: number;
  /** The job's place among the batch's jobs, in the order they were started, from 0. */
  ordinal: number;
  lines: number;
  bytes: number;
  /** The model all its lines name, or null once they differ. */
  model: string | null;
}

/** A job input being streamed upstream (a file upload, an S3 multipart upload, a create body). */
export interface JobInput {
  /** Nothing (not a promise) when there is nothing to wait for: the planner then awaits nothing. */
  write(bytes: Uint8Array): Promise<void> | void;
  /** Ends the input; what it became upstream. */
  close(): Promise<ClosedInput>;
  /** Stops the input; upstream never sees it complete. Never throws. */
  abort(reason: unknown): Promise<void>;
}

/** A finished job input: what the provider needs to create its job. */
export interface ClosedInput {
  /** Recorded by the planner as soon as the input is closed. */
  artifact?: Artifact;
  data: Record<string, unknown>;
}

/** A created job: its native ID and data; its artifact is recorded at once. */
export interface CreatedJob {
  nativeId: string;
  data: Record<string, unknown>;
  artifact?: Artifact;
}

/** The upstream calls of one batch's jobs (one per gateway batch create). */
export interface JobSession {
  /** Opens a streaming input for a job; `record` reports what it creates meanwhile. */
  openInput(job: PlannedJob): Promise<JobInput>;
  /** Sends a buffered job input whole (absent: through `openInput`). `lines` may be emptied. */
  sendWhole?(job: PlannedJob, lines: Uint8Array[]): Promise<ClosedInput>;
  /** With `createJobs: "finish"`: may refuse the batch before any job exists. */
  beforeCreate?(jobs: readonly PlannedJob[]): void;
  createJob(job: PlannedJob, input: ClosedInput): Promise<CreatedJob>;
  /** Best effort: undoes what the session created (the service also deletes every recorded artifact). */
  abort(reason: unknown): Promise<void>;
}

/** Everything a job session is told when it starts. */
export interface BatchStart {
  /** The gateway batch ID (for upstream metadata and names). */
  batchId: string;
  sink: BatchSink;
}

/**
 * A provider's part in planning: its declared limits, its pure translator, and its upstream
 * calls. The planner in core does the rest, alike for every provider.
 */
export interface ProviderJobs {
  /** Reads the declared limits from the environment (throws 400 on a bad setting). */
  limits(env: ProviderEnv): JobLimits;
  /**
   * Pure: one request as one line of a job input; throws `GatewayError` 400 for a param the
   * provider cannot take. `ctx` carries what the client sent beside the body (its betas).
   */
  translate(request: BatchRequest, files: ReadonlyMap<string, ResolvedFile>, ctx: Pick<ProviderContext, "clientBetas">): JobLine;
  session(ctx: ProviderContext, start: BatchStart): JobSession;
}

export interface BatchesAdapter {
  /** How a batch becomes this provider's jobs (planned by core/batch-planner.ts). */
  jobs: ProviderJobs;
  retrieve(ctx: ProviderContext, job: JobRef): Promise<JobStatus>;
  cancel(ctx: ProviderContext, job: JobRef): Promise<void>;
  /** The job's results, translated, streamed; lines may come in any order. */
  results(ctx: ProviderContext, job: JobRef): AsyncIterable<BatchResultLine>;
  /**
   * The same lines as `results`, a chunk at a time, with each line's text where it may be
   * written as it came (the vault writes through this when an adapter has it: no suspension
   * per line, no re-serialisation of lines that need no change). Absent: `results` is used.
   */
  resultChunks?(ctx: ProviderContext, job: JobRef): AsyncIterable<BatchResultChunk>;
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

/**
 * What the provider's native IDs look like, so that one the gateway no longer knows (a file
 * deleted upstream, say) is withheld from what clients see (see core/native-ids.ts and
 * docs/sources/security.md § Native ID shapes).
 */
export interface NativeIdShapes {
  /** Regular expressions (sources) of the provider's native IDs. */
  patterns: readonly string[];
  /** Words every one of them contains, looked for before any regular expression runs. */
  words: readonly string[];
}

export interface ProviderAdapter {
  name: ProviderName;
  /** The shapes of this provider's native IDs (file, batch, job, storage). */
  nativeIdShapes: NativeIdShapes;
  /** Absent when the provider has no Files API (Bedrock). */
  files?: FilesAdapter;
  batches: BatchesAdapter;
  /** Throws `GatewayError` 400 naming what to set when the provider is not configured. */
  assertConfigured(env: ProviderEnv): void;
}

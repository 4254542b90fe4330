/**
 * The fake's in-memory state: files, batches, and the counters its IDs come from.
 */

/** A stored file: the File object's fields and the bytes. */
export interface StoredFile {
  id: string;
  object: "file";
  bytes: number;
  created_at: number;
  expires_at: number | null;
  filename: string;
  purpose: string;
  status: "processed";
  status_details: null;
  content: Blob;
}

/** One request of a batch, as the simulator answered it (`line` is its output/error-file line). */
export interface SimulatedRequest {
  customId: string;
  ok: boolean;
  line: string;
  inputTokens: number;
  outputTokens: number;
}

export interface BatchErrorItem {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

/** A stored batch: the Batch object's fields and the simulation behind them. */
export interface StoredBatch {
  id: string;
  object: "batch";
  endpoint: string;
  model: string | null;
  errors: { object: "list"; data: BatchErrorItem[] } | null;
  input_file_id: string;
  completion_window: string;
  status: string;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string> | null;
  /** Every request's answer, computed when validation passes; `null` before, and dropped once the result files are written. */
  requests: SimulatedRequest[] | null;
  /** How many of `requests` have run. */
  ran: number;
  /** Tokens of the requests that ran. */
  tokens: { input: number; output: number };
  /** Seconds the output and error files live after they are written (`output_expires_after`). */
  outputLifetime: number;
}

export interface FakeState {
  files: Map<string, StoredFile>;
  batches: Map<string, StoredBatch>;
  /** Unix seconds. */
  now: () => number;
  /** A new ID with `prefix`, unique within this fake (and sortable: later is larger). */
  nextId: (prefix: string) => string;
}

/**
 * Fresh state. IDs come from a counter so that tests see the same IDs on every run.
 */
export function createState(now: () => number): FakeState {
  let counter = 0;
  return {
    files: new Map(),
    batches: new Map(),
    now,
    nextId(prefix) {
      counter += 1;
      return `${prefix}${counter.toString(36).padStart(22, "0")}`;
    },
  };
}

/** The File object as OpenAI returns it (without the bytes). */
export function fileObject(file: StoredFile): Record<string, unknown> {
  const { content: _content, ...object } = file;
  return object;
}

/** The Batch object as OpenAI returns it (without the simulation). */
export function batchObject(batch: StoredBatch): Record<string, unknown> {
  const { requests: _requests, ran, tokens, outputLifetime: _outputLifetime, ...object } = batch;
  if (ran === 0) return object;
  // `usage` is reported for batches created after 2025-09-07 (docs/reference/provider-apis.md §4.3), once requests ran.
  const usage = {
    input_tokens: tokens.input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: tokens.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: tokens.input + tokens.output,
  };
  return { ...object, usage };
}

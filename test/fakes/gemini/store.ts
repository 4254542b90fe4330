/**
 * The fake's state: files (uploaded and generated), upload sessions, batches.
 */

/** A file, uploaded or generated. */
export interface StoredFile {
  /** `files/{id}`. */
  name: string;
  displayName?: string;
  mimeType: string;
  sizeBytes: number;
  createTime: string;
  updateTime: string;
  expirationTime: string;
  source: "UPLOADED" | "GENERATED";
  state: "PROCESSING" | "ACTIVE";
  /** The bytes, as received (never joined: a file may be large). */
  chunks: Uint8Array[];
  expired: boolean;
}

/** A resumable upload in progress. */
export interface UploadSession {
  id: string;
  displayName?: string;
  mimeType: string;
  /** From `X-Goog-Upload-Header-Content-Length`, when the client announced a size. */
  declaredSize: number | null;
  chunks: Uint8Array[];
  received: number;
  status: "active" | "final" | "cancelled";
  file?: StoredFile;
}

/** A batch and what it produced. */
export interface StoredBatch {
  /** `batches/{id}`. */
  name: string;
  model: string;
  displayName: string;
  priority?: string;
  createTime: string;
  updateTime: string;
  endTime?: string;
  state: "BATCH_STATE_PENDING" | "BATCH_STATE_RUNNING" | "BATCH_STATE_SUCCEEDED" | "BATCH_STATE_FAILED" | "BATCH_STATE_CANCELLED" | "BATCH_STATE_EXPIRED";
  input: { kind: "inline"; requests: Array<{ request: Record<string, unknown>; metadata?: Record<string, string> }> } | { kind: "file"; fileName: string };
  requestCount: number;
  succeeded: number;
  failed: number;
  cancelRequested: boolean;
  inlinedResponses?: Array<Record<string, unknown>>;
  responsesFile?: string;
  error?: { code: number; message: string };
}

/** Everything the fake holds. */
export interface FakeState {
  files: Map<string, StoredFile>;
  uploads: Map<string, UploadSession>;
  batches: Map<string, StoredBatch>;
}

/**
 * Empty state.
 *
 * @example
 * const state = emptyState();
 */
export function emptyState(): FakeState {
  return { files: new Map(), uploads: new Map(), batches: new Map() };
}

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A random resource ID like Gemini's: lower-case letters and digits.
 *
 * @example
 * newId(12) // "k3v9q0x2m1ab"
 */
export function newId(length: number): string {
  const random = crypto.getRandomValues(new Uint8Array(length));
  let id = "";
  for (const byte of random) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return id;
}

/**
 * RFC 3339, Z-normalised, as Gemini reports times.
 *
 * @example
 * timestamp(new Date(0)) // "1970-01-01T00:00:00.000Z"
 */
export function timestamp(date: Date = new Date()): string {
  return date.toISOString();
}

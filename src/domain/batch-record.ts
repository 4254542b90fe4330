/**
 * The gateway's record of one batch (table `batches`).
 *
 * @example
 * const ended = (batch: BatchRecord) => batch.state === "ended";
 */
import type { ProviderName } from "./provider-name";
import type { RequestCounts } from "./request-counts";

/**
 * `vaulting`: every job has ended and the results are being written to the vault; the wire
 * shows it as `in_progress` (or `canceling`) until they are, then `ended`.
 */
export type BatchState = "creating" | "in_progress" | "canceling" | "vaulting" | "ended" | "failed";

export interface BatchRecord {
  id: string;
  owner: string;
  provider: ProviderName;
  state: BatchState;
  requestCount: number;
  counts: RequestCounts;
  createdAt: string;
  expiresAt: string;
  endedAt: string | null;
  cancelInitiatedAt: string | null;
  archivedAt: string | null;
  idempotencyKey: string | null;
  /** SHA-256 (hex) of the body first sent with `idempotencyKey`; null when unknown. */
  idempotencyBodySha256?: string | null;
  /** The origin the batch was created through (its `results_url` when no request names one); null for older batches. */
  origin: string | null;
  /** When the gateway last polled the batch upstream (null: never). */
  polledAt: string | null;
  /** Size of the vaulted results (null: not vaulted, e.g. ended before the vault existed). */
  resultsBytes: number | null;
  /** When retention removed the vaulted results (null: still there, or never vaulted). */
  resultsPurgedAt: string | null;
  /** The digest of the submitted custom_ids (src/lib/set-digest.ts); null or absent when unknown. */
  customIdsDigest?: string | null;
}

/** The background work's view of a batch: its poll schedule and vault lease. */
export interface BatchSchedule {
  pollInterval: number;
  nextPollAt: string | null;
  vaultLeaseUntil: string | null;
}

/**
 * A virtual key (table `virtual_keys`): what it may use and its limits.
 *
 * @example
 * const key: VirtualKey = { id: "vk_01…", name: "ci", providers: null, models: null, limits: NO_LIMITS, createdAt: "…", revokedAt: null };
 */
import type { ProviderName } from "./provider-name";

/** A key's limits; null means no limit. */
export interface KeyLimits {
  /** One of the rate limiting tiers (core/limits.ts). */
  requestsPerMinute: number | null;
  /** Batches not yet ended at once. */
  maxBatchesInProgress: number | null;
  /** Stored and shown; not enforced yet (it needs the cost of finished batches). */
  monthlyBudgetUsd: number | null;
}

export const NO_LIMITS: KeyLimits = { requestsPerMinute: null, maxBatchesInProgress: null, monthlyBudgetUsd: null };

export interface VirtualKey {
  id: string;
  name: string;
  providers: ProviderName[] | null;
  models: string[] | null;
  limits: KeyLimits;
  createdAt: string;
  revokedAt: string | null;
  /** Where this key's own batches' webhooks go, or null. */
  webhookUrl?: string | null;
}

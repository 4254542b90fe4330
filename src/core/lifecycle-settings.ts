/**
 * The settings of background work, read from the Worker's environment (all optional).
 */
import type { ProviderEnv } from "../providers/types";

export interface LifecycleSettings {
  /** `BATCH_POLL_MIN_SECONDS`: the first background poll, and the least time between two refreshes on retrieve. */
  pollMinSeconds: number;
  /** `BATCH_POLL_MAX_SECONDS`: the longest interval the background polls back off to. */
  pollMaxSeconds: number;
  /** `RESULTS_RETENTION_DAYS`: how long after its creation a batch's vaulted results are kept. */
  retentionDays: number;
  /** `VAULT_LEASE_SECONDS`: how long a vault worker that stopped answering holds a batch. */
  vaultLeaseSeconds: number;
}

/**
 * @example
 * lifecycleSettings({ BATCH_POLL_MIN_SECONDS: "1" }).pollMinSeconds // 1
 */
export function lifecycleSettings(env: ProviderEnv): LifecycleSettings {
  const pollMinSeconds = number(env.BATCH_POLL_MIN_SECONDS, 30);
  return {
    pollMinSeconds,
    pollMaxSeconds: Math.max(pollMinSeconds, number(env.BATCH_POLL_MAX_SECONDS, 600)),
    retentionDays: number(env.RESULTS_RETENTION_DAYS, 29),
    vaultLeaseSeconds: Math.max(1, number(env.VAULT_LEASE_SECONDS, 60)),
  };
}

/**
 * The interval after `current`: the minimum first, then doubling up to the maximum.
 *
 * @example
 * nextPollInterval(0, { pollMinSeconds: 30, pollMaxSeconds: 600 }) // 30
 * nextPollInterval(480, { pollMinSeconds: 30, pollMaxSeconds: 600 }) // 600
 */
export function nextPollInterval(current: number, settings: Pick<LifecycleSettings, "pollMinSeconds" | "pollMaxSeconds">): number {
  if (current <= 0) return settings.pollMinSeconds;
  return Math.min(settings.pollMaxSeconds, Math.max(settings.pollMinSeconds, current * 2));
}

function number(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
}

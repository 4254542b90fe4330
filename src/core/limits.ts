/**
 * Limits per virtual key: requests per minute (Cloudflare's rate limiting binding) and
 * batches in progress at once (counted in D1). The monthly USD budget is src/core/budget.ts.
 *
 * A rate limiting binding has one fixed limit, set in wrangler.toml, so a key's
 * `requests_per_minute` is one of a fixed set of tiers, each its own binding
 * (`RATE_LIMIT_RPM_<n>`), counted per key ID. Counts are per Cloudflare location and
 * approximate, as the binding's are (see docs/sources/cloudflare.md § Rate limiting binding).
 */
import { GatewayError, RateLimitedError } from "../lib/errors";
import type { Caller } from "./keys";

/** The requests-per-minute tiers, each a `[[ratelimits]]` binding in wrangler.toml. */
export const RPM_TIERS = [10, 60, 300, 1000, 5000] as const;

/** Seconds a client over a per-minute limit is told to wait: the binding's whole period. */
const RATE_PERIOD_SECONDS = 60;
/** Batches take minutes to end: a client over the in-progress limit retries after this. */
const IN_PROGRESS_RETRY_SECONDS = 60;

/** The binding that counts one tier. */
export function rpmBindingName(tier: number): string {
  return `RATE_LIMIT_RPM_${tier}`;
}

interface RateLimiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/**
 * Counts one request against the caller's requests-per-minute limit; over it, a 429 with
 * `retry-after`. Callers without a key (open gateway) or without the limit pass.
 *
 * @example
 * await chargeRequest(env, caller);
 */
export async function chargeRequest(env: Record<string, unknown>, caller: Caller): Promise<void> {
  const tier = caller.key?.limits.requestsPerMinute ?? null;
  if (tier === null) return;
  const name = rpmBindingName(tier);
  const limiter = env[name] as RateLimiter | undefined;
  if (!limiter || typeof limiter.limit !== "function") {
    // A limit that cannot be counted is not silently lifted.
    console.error(`rate limiting binding ${name} is missing: add it to wrangler.toml ([[ratelimits]])`);
    throw new GatewayError(500, "api_error", `This API key's limit of ${tier} requests per minute cannot be enforced: the Worker has no ${name} binding.`);
  }
  const { success } = await limiter.limit({ key: caller.key!.id });
  if (!success) {
    throw new RateLimitedError(`This API key may make ${tier} requests per minute; retry after ${RATE_PERIOD_SECONDS} seconds.`, RATE_PERIOD_SECONDS);
  }
}

/**
 * Refuses a batch over the caller's limit of batches in progress. `inProgressBefore` counts
 * the caller's batches not ended that were created before this one (this one's own record
 * already written), so that of two creates racing for the last place, the earlier wins.
 *
 * @example
 * assertBatchAllowed(caller.key?.limits.maxBatchesInProgress ?? null, await gateway.batches.countUnendedBefore(owner, batch.id));
 */
export function assertBatchAllowed(maxInProgress: number | null, inProgressBefore: number): void {
  if (maxInProgress === null || inProgressBefore < maxInProgress) return;
  throw new RateLimitedError(
    `This API key may have ${maxInProgress} message batches in progress at once; wait for one to end (or cancel one) and retry.`,
    IN_PROGRESS_RETRY_SECONDS,
    false,
  );
}

/**
 * The monthly spending budget of a virtual key: the cost of the key's batches that ended in
 * the current calendar month (UTC), priced as the usage endpoint prices them (the batch price
 * table with `MODEL_PRICES` over it). A model with no price counts as free here, since its cost
 * is unknown (the usage endpoint shows it as null). Only finished batches count: a batch still
 * running is not yet billed, so one create may overshoot the budget by what it costs.
 */
import { RateLimitedError } from "../lib/errors";
import type { ProviderEnv } from "../providers/types";
import type { UsageStore } from "../store/usage";
import { costOf, priceOf, priceTable } from "./prices";

/**
 * The start of `now`'s calendar month and of the next, in UTC.
 *
 * @example
 * calendarMonth(new Date("2026-12-03T10:00:00Z")) // { start: 2026-12-01T00:00:00.000Z, next: 2027-01-01T00:00:00.000Z }
 */
export function calendarMonth(now: Date): { start: Date; next: Date } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { start, next };
}

/**
 * USD spent by `owner` this calendar month: the priced usage of its batches that ended since
 * the month began.
 *
 * @example
 * const spent = await monthToDateSpendUsd(gateway.usage, gateway.upstream.env, "vkey_01…", new Date());
 */
export async function monthToDateSpendUsd(usage: UsageStore, env: ProviderEnv, owner: string, now: Date): Promise<number> {
  const table = priceTable(env.MODEL_PRICES);
  let total = 0;
  for (const row of await usage.ofOwnerSince(owner, calendarMonth(now).start.toISOString())) {
    const price = priceOf(table, row.provider, row.model);
    if (price) total += costOf(row, price);
  }
  return Math.round(total * 1_000_000) / 1_000_000;
}

/**
 * Refuses a create once the key has spent its monthly budget: 429 `rate_limit_error`, with
 * `retry-after` the seconds until the next calendar month (UTC) begins.
 *
 * @example
 * assertWithinBudget(50, await monthToDateSpendUsd(usage, env, owner, now), now);
 */
export function assertWithinBudget(budgetUsd: number | null, spentUsd: number, now: Date): void {
  if (budgetUsd === null || spentUsd < budgetUsd) return;
  const { next } = calendarMonth(now);
  const retryAfter = Math.max(1, Math.ceil((next.getTime() - now.getTime()) / 1000));
  throw new RateLimitedError(
    `This API key has spent its monthly budget: $${spentUsd.toFixed(2)} of $${budgetUsd.toFixed(2)} this month (UTC), counted from finished batches. It resets at ${next.toISOString()}.`,
    retryAfter,
    false,
  );
}

/**
 * Usage and cost as the dashboard shows them, scoped to its viewer: per batch on the
 * batches page, per model on a batch's page, and per day and provider on the usage page.
 * Priced as `GET …/usage` prices them (src/core/usage.ts, src/core/prices.ts).
 */
import type { ProviderName } from "../domain/provider-name";
import type { BatchRecord } from "../domain/batch-record";
import type { ModelUsage } from "../domain/usage";
import type { Gateway } from "./gateway";
import { priceOf, priceTable } from "./prices";
import type { Viewer } from "./sessions";
import { batchUsage, costOf, type BatchUsage } from "./usage";

/** What the batches page shows of one batch's usage. */
export interface BatchCost {
  /** The models the batch's requests name (known from its creation). */
  models: string[];
  /** USD once the batch has ended; null when a model has no price; undefined while it runs. */
  cost: number | null | undefined;
}

/** One day and provider on the usage page. */
export interface DailyUsage {
  day: string;
  provider: ProviderName;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  /** USD of the priced models. */
  cost_usd: number;
  /** Models of that day and provider without a price (their tokens are not in cost_usd). */
  unpriced: string[];
}

/**
 * The models and cost of each of these batches (one query for a page).
 *
 * @example
 * const costs = await batchCosts(gateway, page.items.map((item) => item.batch));
 */
export async function batchCosts(gateway: Gateway, batches: readonly BatchRecord[]): Promise<Map<string, BatchCost>> {
  const table = priceTable(gateway.upstream.env.MODEL_PRICES);
  const usage = await gateway.usage.ofBatches(batches.map((batch) => batch.id));
  const costs = new Map<string, BatchCost>();
  for (const batch of batches) {
    const rows = usage.get(batch.id) ?? [];
    let cost: number | null | undefined = undefined;
    if (batch.state === "ended") {
      cost = 0;
      for (const row of rows) {
        const price = priceOf(table, row.provider, row.model);
        if (!price) {
          cost = null;
          break;
        }
        cost += costOf(row, price);
      }
      if (cost !== null) cost = Math.round(cost * 1_000_000) / 1_000_000;
    }
    costs.set(batch.id, { models: rows.map((row) => row.model), cost });
  }
  return costs;
}

/**
 * The usage of an ended batch the viewer has already been shown (its owner's, read as
 * `GET …/usage` reads it); null while it runs.
 *
 * @example
 * const usage = await batchUsageOf(gateway, detail.batch);
 */
export async function batchUsageOf(gateway: Gateway, batch: BatchRecord): Promise<BatchUsage | null> {
  if (batch.state !== "ended") return null;
  return batchUsage(gateway, batch.owner, batch.id);
}

/**
 * Usage per UTC day and provider over the last `days` days (today included) of the batches
 * the viewer may see, oldest day first. Days without usage are in `days` but have no rows.
 *
 * @example
 * const { days, rows } = await dailyUsageFor(gateway, viewer, 14, new Date());
 */
export async function dailyUsageFor(gateway: Gateway, viewer: Viewer, count: number, now: Date): Promise<{ days: string[]; rows: DailyUsage[] }> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const days = Array.from({ length: count }, (_, index) => new Date(today - (count - 1 - index) * 86_400_000).toISOString().slice(0, 10));
  const from = `${days[0]}T00:00:00.000Z`;
  const to = new Date(today + 86_400_000).toISOString();
  const table = priceTable(gateway.upstream.env.MODEL_PRICES);
  const byKey = new Map<string, DailyUsage>();
  for (const row of await gateway.usage.daily(viewer.owner, from, to)) {
    const key = `${row.day}/${row.provider}`;
    const entry = byKey.get(key) ?? { day: row.day, provider: row.provider, requests: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0, unpriced: [] };
    addUsage(entry, row, priceOf(table, row.provider, row.model));
    byKey.set(key, entry);
  }
  return { days, rows: [...byKey.values()] };
}

function addUsage(entry: DailyUsage, row: ModelUsage, price: ReturnType<typeof priceOf>): void {
  entry.requests += row.requests;
  entry.input_tokens += row.input_tokens;
  entry.output_tokens += row.output_tokens;
  if (price) entry.cost_usd = Math.round((entry.cost_usd + costOf(row, price)) * 1_000_000) / 1_000_000;
  else if (!entry.unpriced.includes(row.model)) entry.unpriced.push(row.model);
}

/**
 * Usage and cost of ended batches: the sums the vault wrote per model, priced from the
 * batch price table (src/core/prices.ts) with `MODEL_PRICES` over it.
 */
import { GatewayError } from "../lib/errors";
import type { ModelUsage, OwnerUsage, TokenCounts } from "../domain/usage";
import { getBatch } from "./batch-refresh";
import type { Gateway } from "./gateway";
import { SHARED_OWNER } from "./keys";
import { costOf, priceOf, priceTable, type ModelPrice } from "./prices";

export { costOf };

export interface PricedUsage extends ModelUsage {
  cost_usd: number | null;
}

export interface BatchUsage extends TokenCounts {
  id: string;
  cost_usd: number | null;
  by_model: PricedUsage[];
}

export interface UsageRow extends PricedUsage {
  key_id: string | null;
  key_name: string | null;
  batches: number;
}

/**
 * The usage of the caller's ended batch; 400 while it has not ended, 404 as retrieve.
 *
 * @example
 * const usage = await batchUsage(gateway, "owner", "msgbatch_01…");
 * usage.cost_usd; // null when a model has no price
 */
export async function batchUsage(gateway: Gateway, owner: string, id: string): Promise<BatchUsage> {
  const batch = await getBatch(gateway, owner, id);
  if (batch.state !== "ended") {
    throw GatewayError.invalid(`Message batch ${id} has not finished processing (processing_status: ${batch.cancelInitiatedAt ? "canceling" : "in_progress"}); its usage is known once it has ended.`);
  }
  const table = priceTable(gateway.upstream.env.MODEL_PRICES);
  const byModel = (await gateway.usage.ofBatch(batch.id)).map((usage) => priced(usage, table));
  return { id: batch.id, ...sumTokens(byModel), cost_usd: sumCosts(byModel), by_model: byModel };
}

/**
 * Usage over the batches that ended in [from, to), one row per key, provider and model.
 *
 * @example
 * const rows = await usageSummary(gateway, "2026-12-01T00:00:00.000Z", null);
 */
export async function usageSummary(gateway: Gateway, from: string | null, to: string | null): Promise<UsageRow[]> {
  const table = priceTable(gateway.upstream.env.MODEL_PRICES);
  return (await gateway.usage.summary(from, to)).map((row: OwnerUsage) => {
    const { owner, keyName, batches, ...usage } = row;
    return { key_id: owner === SHARED_OWNER ? null : owner, key_name: keyName, batches, ...priced(usage, table) };
  });
}

function priced(usage: ModelUsage, table: Readonly<Record<string, ModelPrice>>): PricedUsage {
  const price = priceOf(table, usage.provider, usage.model);
  return { ...usage, cost_usd: price ? costOf(usage, price) : null };
}

function sumTokens(rows: readonly TokenCounts[]): TokenCounts {
  const sum: TokenCounts = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  for (const row of rows) {
    sum.input_tokens += row.input_tokens;
    sum.output_tokens += row.output_tokens;
    sum.cache_creation_input_tokens += row.cache_creation_input_tokens;
    sum.cache_read_input_tokens += row.cache_read_input_tokens;
  }
  return sum;
}

/** The total, or null as soon as one model has no price. */
function sumCosts(rows: readonly PricedUsage[]): number | null {
  let total = 0;
  for (const row of rows) {
    if (row.cost_usd === null) return null;
    total += row.cost_usd;
  }
  return Math.round(total * 1_000_000) / 1_000_000;
}

/**
 * Batch prices, in USD per million tokens, keyed `<provider>/<model as the client names it>`.
 * Every provider here bills batches at 50% of its standard price, cache reads and writes
 * included; the table holds the batch price (already halved). `MODEL_PRICES` (JSON, same
 * shape) extends or overrides it. A model with no price has a cost of null.
 *
 * Sources (read 2026-12-03; see docs/sources/prices.md):
 * - Anthropic: the batch processing page's table (https://docs.anthropic.com/en/docs/build-with-claude/batch-processing,
 *   and its 2026 figures quoted at https://dev.to/neverpaytwice/claude-batch-api-half-price-if-you-can-wait-ecg);
 *   cache reads 0.1× and 5-minute cache writes 1.25× the input price.
 * - OpenAI: https://developers.openai.com/api/docs/pricing (Batch = 50% of Standard), as quoted on
 *   https://tokenmix.ai/blog/openai-api-cost-2026-gpt-5-5-5-4-nano-batch (2026-06-04); OpenAI has no
 *   cache-write charge.
 * - Gemini: https://ai.google.dev/gemini-api/docs/pricing ("Batch API (50% cost reduction)"), prompts
 *   up to 200k tokens, as quoted on https://deploybase.ai/articles/gemini-2.5-pricing.
 * - Bedrock: Claude on Bedrock is priced as on Anthropic's API, Nova from the Bedrock pricing page,
 *   as quoted on https://tokenmix.ai/blog/aws-bedrock-pricing; batch inference is 50% of on-demand.
 */
import * as z from "zod/mini";
import { PROVIDER_NAMES, type ProviderName } from "../domain/provider-name";
import type { TokenCounts } from "../domain/usage";
import { isRecord } from "../lib/is-record";
import "../lib/zod-english";

/** USD per million tokens, at the batch price. */
export interface ModelPrice {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
}

/** Standard (non-batch) price → the batch price: half of each. */
function batch(input: number, output: number, cacheRead: number, cacheWrite: number): ModelPrice {
  return { input: input / 2, output: output / 2, cache_read: cacheRead / 2, cache_write: cacheWrite / 2 };
}

/** An Anthropic model's standard price: cache reads 0.1×, cache writes (5 minutes) 1.25× the input. */
function claude(input: number, output: number): ModelPrice {
  return batch(input, output, input * 0.1, input * 1.25);
}

/** Claude models by the names clients send (on Anthropic, and on Bedrock, which prices Claude the same): standard input, output. */
const CLAUDE: Readonly<Record<string, ModelPrice>> = {
  "claude-opus-4-6": claude(5, 25),
  "claude-opus-4-5": claude(5, 25),
  "claude-opus-4-5-20251101": claude(5, 25),
  "claude-opus-4-1": claude(15, 75),
  "claude-opus-4-1-20250805": claude(15, 75),
  "claude-opus-4-0": claude(15, 75),
  "claude-opus-4-20250514": claude(15, 75),
  "claude-sonnet-4-6": claude(3, 15),
  "claude-sonnet-4-5": claude(3, 15),
  "claude-sonnet-4-5-20250929": claude(3, 15),
  "claude-sonnet-4-0": claude(3, 15),
  "claude-sonnet-4-20250514": claude(3, 15),
  "claude-3-7-sonnet-20250219": claude(3, 15),
  "claude-3-7-sonnet-latest": claude(3, 15),
  "claude-haiku-4-5": claude(1, 5),
  "claude-haiku-4-5-20251001": claude(1, 5),
  "claude-3-5-haiku-20241022": claude(0.8, 4),
  "claude-3-5-haiku-latest": claude(0.8, 4),
  "claude-3-haiku-20240307": claude(0.25, 1.25),
};

function each(provider: string, prices: Readonly<Record<string, ModelPrice>>): Record<string, ModelPrice> {
  return Object.fromEntries(Object.entries(prices).map(([model, price]) => [`${provider}/${model}`, price]));
}

export const BATCH_PRICES: Readonly<Record<string, ModelPrice>> = {
  ...each("anthropic", CLAUDE),
  ...each("bedrock", CLAUDE),
  // OpenAI (standard input, output, cached input; no cache-write charge).
  "openai/gpt-5.5": batch(5, 30, 0.5, 0),
  "openai/gpt-5.4": batch(2.5, 15, 0.25, 0),
  "openai/gpt-5.4-mini": batch(0.75, 4.5, 0.075, 0),
  "openai/gpt-5.4-nano": batch(0.2, 1.25, 0.02, 0),
  "openai/gpt-4.1": batch(2, 8, 0.5, 0),
  "openai/gpt-4.1-mini": batch(0.4, 1.6, 0.1, 0),
  "openai/gpt-4o": batch(2.5, 10, 1.25, 0),
  "openai/gpt-4o-mini": batch(0.15, 0.6, 0.075, 0),
  // Gemini (standard input, output, cached input; prompts up to 200k tokens).
  "gemini/gemini-2.5-pro": batch(1.25, 10, 0.125, 0),
  "gemini/gemini-2.5-flash": batch(0.3, 2.5, 0.075, 0),
  "gemini/gemini-2.5-flash-lite": batch(0.1, 0.4, 0.025, 0),
  // Bedrock's own models, by their Bedrock IDs (on-demand input, output, cached input).
  "bedrock/amazon.nova-pro-v1:0": batch(0.8, 3.2, 0.2, 0),
  "bedrock/amazon.nova-lite-v1:0": batch(0.06, 0.24, 0.015, 0),
  "bedrock/amazon.nova-micro-v1:0": batch(0.035, 0.14, 0.00875, 0),
};

const PRICE_KEY = new RegExp(`^(${PROVIDER_NAMES.join("|")})/.+$`);

const priceOverride = z.strictObject({
  input: z.number().check(z.nonnegative()),
  output: z.number().check(z.nonnegative()),
  cache_read: z.optional(z.number().check(z.nonnegative())),
  cache_write: z.optional(z.number().check(z.nonnegative())),
});

/**
 * `MODEL_PRICES` checked: an object of `"<provider>/<model>"` keys to prices. What
 * `z.record(key, priceOverride)` accepted, by a loop: zod's record schema type alone was 0.5 KiB
 * of the gzip bundle, for this one setting.
 */
function priceOverrides(value: unknown): Record<string, z.infer<typeof priceOverride>> {
  if (!isRecord(value)) throw new Error("expected a JSON object");
  const parsed: Record<string, z.infer<typeof priceOverride>> = {};
  for (const [key, price] of Object.entries(value)) {
    // Passed over, as z.record did: assigning it would replace the result's prototype.
    if (key === "__proto__") continue;
    if (!PRICE_KEY.test(key)) throw new Error(`${JSON.stringify(key)}: keys are "<provider>/<model>"`);
    const result = priceOverride.safeParse(price);
    if (!result.success) throw new Error(`${JSON.stringify(key)}: ${result.error.issues.map((issue) => `${issue.path.join(".") || "value"}: ${issue.message}`).join("; ")}`);
    parsed[key] = result.data;
  }
  return parsed;
}

/**
 * The price table after `MODEL_PRICES`. A setting that is not valid JSON of the right shape
 * is ignored (logged): a typo must not stop batches from ending.
 *
 * @example
 * const prices = priceTable('{"openai/my-finetune": {"input": 1, "output": 2}}');
 * priceOf(prices, "openai", "my-finetune"); // { input: 1, output: 2, cache_read: 0, cache_write: 0 }
 */
export function priceTable(modelPrices: string | undefined): Readonly<Record<string, ModelPrice>> {
  if (!modelPrices?.trim()) return BATCH_PRICES;
  let parsed: ReturnType<typeof priceOverrides>;
  try {
    parsed = priceOverrides(JSON.parse(modelPrices));
  } catch (error) {
    console.error("MODEL_PRICES ignored: not valid", error instanceof Error ? error.message : String(error));
    return BATCH_PRICES;
  }
  const table: Record<string, ModelPrice> = { ...BATCH_PRICES };
  for (const [key, price] of Object.entries(parsed)) {
    table[key] = { input: price.input, output: price.output, cache_read: price.cache_read ?? 0, cache_write: price.cache_write ?? 0 };
  }
  return table;
}

/**
 * @example
 * priceOf(BATCH_PRICES, "openai", "gpt-4o-mini")?.input // 0.075
 */
export function priceOf(table: Readonly<Record<string, ModelPrice>>, provider: ProviderName, model: string): ModelPrice | null {
  return table[`${provider}/${model}`] ?? null;
}

/**
 * USD for these tokens at this price (per million tokens), rounded to a millionth of a dollar.
 *
 * @example
 * costOf({ input_tokens: 1_000_000, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }, price) // price.input
 */
export function costOf(tokens: TokenCounts, price: ModelPrice): number {
  const micro =
    tokens.input_tokens * price.input +
    tokens.output_tokens * price.output +
    tokens.cache_creation_input_tokens * price.cache_write +
    tokens.cache_read_input_tokens * price.cache_read;
  return Math.round(micro) / 1_000_000;
}

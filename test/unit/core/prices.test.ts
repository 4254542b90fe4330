/**
 * `priceTable` (src/core/prices.ts): `MODEL_PRICES` extends or overrides the batch prices, and a
 * setting that is not valid is ignored whole, exactly where `z.record(key, price)` (the schema
 * the loop replaced) refused it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import * as z from "zod/mini";
import "../../../src/lib/zod-english";
import { BATCH_PRICES, priceOf, priceTable } from "../../../src/core/prices";
import { PROVIDER_NAMES } from "../../../src/domain/provider-name";

/** The schema `priceTable` checked `MODEL_PRICES` with before (src/core/prices.ts, session 6). */
const asRecord = z.record(
  z.string().check(z.regex(new RegExp(`^(${PROVIDER_NAMES.join("|")})/.+$`), 'keys are "<provider>/<model>"')),
  z.strictObject({
    input: z.number().check(z.nonnegative()),
    output: z.number().check(z.nonnegative()),
    cache_read: z.optional(z.number().check(z.nonnegative())),
    cache_write: z.optional(z.number().check(z.nonnegative())),
  }),
);

const SETTINGS: [string, string][] = [
  ["one new model", '{"openai/my-finetune": {"input": 1, "output": 2}}'],
  ["an override with cache prices", '{"anthropic/claude-3-5-haiku-20241022": {"input": 1, "output": 2, "cache_read": 0.1, "cache_write": 1.25}}'],
  ["several, free ones too", '{"gemini/a": {"input": 0, "output": 0}, "bedrock/b:0": {"input": 3, "output": 4}}'],
  ["an empty object", "{}"],
  ["an array", '[{"input": 1, "output": 2}]'],
  ["a number", "5"],
  ["a string", '"openai/x"'],
  ["null", "null"],
  ["not JSON", "{openai/x: 1}"],
  ["an unknown provider", '{"azure/x": {"input": 1, "output": 2}}'],
  ["a key without a model", '{"openai/": {"input": 1, "output": 2}}'],
  ["a key without a provider", '{"gpt-4o": {"input": 1, "output": 2}}'],
  ["a __proto__ key (passed over)", '{"__proto__": {"input": 1, "output": 2}}'],
  ["a __proto__ key beside a good one", '{"__proto__": 5, "openai/x": {"input": 1, "output": 2}}'],
  ["a missing output", '{"openai/x": {"input": 1}}'],
  ["a negative price", '{"openai/x": {"input": -1, "output": 2}}'],
  ["a price as text", '{"openai/x": {"input": "1", "output": 2}}'],
  ["a null cache price", '{"openai/x": {"input": 1, "output": 2, "cache_read": null}}'],
  ["an extra field", '{"openai/x": {"input": 1, "output": 2, "currency": "EUR"}}'],
  ["a price that is a number", '{"openai/x": 3}'],
  ["one good and one bad", '{"openai/x": {"input": 1, "output": 2}, "openai/y": {"input": 1}}'],
];

describe("priceTable", () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(SETTINGS)("%s: taken or ignored exactly where z.record took or refused it", (_name, setting) => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    let expected: Record<string, unknown> | null;
    try {
      expected = asRecord.parse(JSON.parse(setting));
    } catch {
      expected = null;
    }
    const table = priceTable(setting);
    if (expected === null) {
      expect(table).toBe(BATCH_PRICES);
      expect(logged).toHaveBeenCalledWith("MODEL_PRICES ignored: not valid", expect.any(String));
      return;
    }
    expect(logged).not.toHaveBeenCalled();
    const overridden: Record<string, unknown> = { ...BATCH_PRICES };
    for (const [key, price] of Object.entries(expected as Record<string, { input: number; output: number; cache_read?: number; cache_write?: number }>)) {
      overridden[key] = { input: price.input, output: price.output, cache_read: price.cache_read ?? 0, cache_write: price.cache_write ?? 0 };
    }
    expect(table).toEqual(overridden);
  });

  it("keeps the table as it is without a setting", () => {
    expect(priceTable(undefined)).toBe(BATCH_PRICES);
    expect(priceTable("  ")).toBe(BATCH_PRICES);
  });

  it("names the key that is wrong in its log line", () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    priceTable('{"openai/x": {"input": 1, "output": 2}, "openai/y": {"input": -1, "output": 2}}');
    expect(logged).toHaveBeenCalledWith("MODEL_PRICES ignored: not valid", '"openai/y": input: Too small: expected number to be >=0');
  });

  it("prices a model the setting adds", () => {
    expect(priceOf(priceTable('{"openai/my-finetune": {"input": 1, "output": 2}}'), "openai", "my-finetune")).toEqual({ input: 1, output: 2, cache_read: 0, cache_write: 0 });
  });
});

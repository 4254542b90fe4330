/**
 * `english` (src/lib/zod-english.ts) gives zod's own English message (zod/v4/locales/en.js) for
 * every issue the gateway's zod/mini schemas can raise, and src/ uses no check whose message
 * needs the parts of the locale it leaves out.
 */
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import type { $ZodRawIssue } from "zod/v4/core";
import en from "zod/v4/locales/en.js";
import { english } from "../../../src/lib/zod-english";
import { batchRequest, listQuery } from "../../../src/api/schemas";
import { deliveriesQuery, keyUpdateBody, newKeyBody } from "../../../src/api/admin";

declare global {
  interface ImportMeta {
    /** Vite's static glob import, which vitest expands when it transforms this file. */
    glob(patterns: string | string[], options: { query: "?raw"; import: "default"; eager: true }): Record<string, unknown>;
  }
}

const zodsEnglish = en().localeError as (issue: $ZodRawIssue) => string;

/**
 * Parses with both locales at once: while it runs, the locale zod consults (only for issues
 * without a message of their own, as in production) hands each raw issue, with its input, to both.
 */
function messagesOf(schema: z.ZodMiniType, input: unknown): [string, string][] {
  const pairs: [string, string][] = [];
  z.config({
    localeError: (issue) => {
      const raw = issue as $ZodRawIssue;
      pairs.push([english(raw), zodsEnglish(raw)]);
      return english(raw);
    },
  });
  try {
    // The issues' messages are made when the error is first read (zod builds it lazily).
    const messages = schema.safeParse(input).error?.issues.map((issue) => issue.message);
    expect(messages?.length).toBeGreaterThan(0);
  } finally {
    z.config({ localeError: english as never });
  }
  return pairs;
}

const request = (params: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  custom_id: "a",
  params: { model: "m", max_tokens: 1, messages: [{ role: "user", content: "hi" }], ...params },
  ...extra,
});

// Inputs whose issues have no message of their own (those with one never reach the locale).
const BAD_INPUTS: [string, z.ZodMiniType, unknown][] = [
  ["a request that is not an object", batchRequest, "text"],
  ["a request that is an array", batchRequest, []],
  ["a request that is null", batchRequest, null],
  ["a missing custom_id", batchRequest, { params: request({}).params }],
  ["an extra key", batchRequest, request({}, { extra: 1 })],
  ["two extra keys", batchRequest, request({}, { extra: 1, more: 2 })],
  ["a numeric custom_id", batchRequest, request({}, { custom_id: 7 })],
  ["an empty model", batchRequest, request({ model: "" })],
  ["max_tokens a string", batchRequest, request({ max_tokens: "5" })],
  ["max_tokens NaN", batchRequest, request({ max_tokens: Number.NaN })],
  ["max_tokens Infinity", batchRequest, request({ max_tokens: Number.POSITIVE_INFINITY })],
  ["max_tokens negative", batchRequest, request({ max_tokens: -1 })],
  ["max_tokens fractional", batchRequest, request({ max_tokens: 1.5 })],
  ["max_tokens past a safe integer", batchRequest, request({ max_tokens: 2 ** 60 })],
  ["max_tokens null", batchRequest, request({ max_tokens: null })],
  ["max_tokens a date", batchRequest, request({ max_tokens: new Date(0) })],
  ["max_tokens an object without a prototype", batchRequest, request({ max_tokens: Object.create(null) })],
  ["no messages", batchRequest, request({ messages: [] })],
  ["a message with a bad role", batchRequest, request({ messages: [{ role: "tool", content: "x" }] })],
  ["a message with content a number", batchRequest, request({ messages: [{ role: "user", content: 3 }] })],
  ["a content block with an empty type", batchRequest, request({ messages: [{ role: "user", content: [{ type: "" }] }] })],
  ["a system block of another type", batchRequest, request({ system: [{ type: "image", text: "x" }] })],
  ["temperature too high", batchRequest, request({ temperature: 1.5 })],
  ["top_p negative", batchRequest, request({ top_p: -0.1 })],
  ["top_k fractional", batchRequest, request({ top_k: 0.5 })],
  ["stop_sequences of numbers", batchRequest, request({ stop_sequences: [1, 2] })],
  ["metadata.user_id a number", batchRequest, request({ metadata: { user_id: 1 } })],
  ["tools not an array", batchRequest, request({ tools: {} })],
  ["a bad tool_choice", batchRequest, request({ tool_choice: { type: "some" } })],
  ["an empty after_id", listQuery, { after_id: "" }],
  ["a before_id that is not text", listQuery, { before_id: 5 }],
  ["a key body that is not an object", newKeyBody, 5],
  ["a key with an empty name", newKeyBody, { name: "" }],
  ["a key with a long name", newKeyBody, { name: "x".repeat(201) }],
  ["a key with an unknown provider", newKeyBody, { name: "k", providers: ["azure"] }],
  ["a key with no providers", newKeyBody, { name: "k", providers: [] }],
  ["a key with a long model", newKeyBody, { name: "k", models: ["m".repeat(201)] }],
  ["a key with a fractional rate", newKeyBody, { name: "k", requests_per_minute: 7.5 }],
  ["a key with too many batches", newKeyBody, { name: "k", max_batches_in_progress: 100_001 }],
  ["a key with a zero budget", newKeyBody, { name: "k", monthly_budget_usd: 0 }],
  ["a key with a huge budget", newKeyBody, { name: "k", monthly_budget_usd: 2e9 }],
  ["a key with an empty webhook", newKeyBody, { name: "k", webhook_url: "" }],
  ["a key with a long webhook", newKeyBody, { name: "k", webhook_url: "h".repeat(2001) }],
  ["a key update with an extra key", keyUpdateBody, { name: "k" }],
  ["a key update with a budget of text", keyUpdateBody, { monthly_budget_usd: "5" }],
  ["a deliveries limit of 0", deliveriesQuery, { limit: "0" }],
  ["a deliveries limit of text", deliveriesQuery, { limit: "x" }],
  ["a deliveries query with an extra key", deliveriesQuery, { limit: "1", page: "2" }],
];

describe("english (zod's English messages for the gateway's schemas)", () => {
  for (const [name, schema, input] of BAD_INPUTS) {
    it(`${name}: the same message as zod's English locale`, () => {
      const pairs = messagesOf(schema, input);
      expect(pairs.length).toBeGreaterThan(0);
      for (const [ours, zods] of pairs) expect(ours).toBe(zods);
    });
  }

  const ISSUES: $ZodRawIssue[] = [
    { code: "invalid_type", expected: "string", input: 1n, path: [] },
    { code: "invalid_type", expected: "nan", input: 1, path: [] },
    { code: "invalid_type", expected: "number", input: Number.NEGATIVE_INFINITY, path: [] },
    { code: "invalid_type", expected: "object", input: () => 1, path: [] },
    { code: "invalid_type", expected: "object", input: undefined, path: [] },
    { code: "invalid_value", values: [1n], input: 2, path: [] },
    { code: "invalid_value", values: ["a", 1, null, true], input: 2, path: [] },
    { code: "too_big", origin: "string", maximum: 3, inclusive: false, input: "abcd", path: [] },
    { code: "too_big", origin: "array", maximum: 3, exact: true, input: [], path: [] },
    { code: "too_big", origin: "number", maximum: 3n, inclusive: true, input: 4, path: [] },
    { code: "too_small", origin: "string", minimum: 3, exact: true, input: "", path: [] },
    { code: "too_small", origin: "bigint", minimum: 3n, inclusive: false, input: 1n, path: [] },
    { code: "invalid_format", format: "regex", pattern: "^a$", input: "b", path: [] },
    { code: "not_multiple_of", divisor: 5, input: 3, path: [] },
    { code: "unrecognized_keys", keys: ["a"], input: {}, path: [] },
    { code: "unrecognized_keys", keys: ["a", "b"], input: {}, path: [] },
    { code: "invalid_key", origin: "record", issues: [], input: {}, path: [] },
    { code: "invalid_union", errors: [], input: 1, path: [] },
    { code: "invalid_union", errors: [], options: ["a", "b"], input: 1, path: [] },
    { code: "invalid_union", errors: [], inclusive: false, input: 1, path: [] },
    { code: "invalid_element", origin: "map", key: "k", issues: [], input: new Map(), path: [] },
    { code: "custom", input: 1, path: [] },
  ] as $ZodRawIssue[];

  it.each(ISSUES.map((issue) => [JSON.stringify(issue, (_key, value: unknown) => (typeof value === "bigint" ? `${value}n` : value)), issue] as const))(
    "%s: the same message as zod's English locale",
    (_name, issue) => {
      expect(english(issue)).toBe(zodsEnglish(issue));
    },
  );

  it("is what zod/mini schemas say once src/lib/zod-english is loaded", () => {
    expect(z.string().check(z.minLength(1)).safeParse("").error?.issues[0]?.message).toBe("Too small: expected string to have >=1 characters");
    expect(z.number().safeParse("1").error?.issues[0]?.message).toBe("Invalid input: expected number, received string");
  });
});

describe("zod checks in src/", () => {
  // The locale's tables for string formats, files, sets and maps, and its prefix, suffix and
  // substring messages, are left out: a check that needs them must pass its own message.
  const sources = import.meta.glob(["/src/**/*.ts", "/src/**/*.tsx"], { query: "?raw", import: "default", eager: true }) as Record<string, string>;
  const MINI = Object.entries(sources).filter(([, text]) => /from "zod\/mini"/.test(text) && !/from "zod"/.test(text));

  it("sees the modules that validate with zod/mini", () => {
    expect(MINI.map(([file]) => file).sort()).toEqual(expect.arrayContaining(["/src/api/admin.ts", "/src/api/schemas.ts", "/src/core/prices.ts"]));
  });

  it("use none of the checks whose English the gateway leaves out", () => {
    const LEFT_OUT =
      /\bz\.(email|url|httpUrl|uuid|uuidv4|uuidv6|uuidv7|guid|nanoid|cuid|cuid2|ulid|xid|ksuid|iso|ipv4|ipv6|mac|cidrv4|cidrv6|base64|base64url|e164|jwt|hostname|hex|hash|emoji|startsWith|endsWith|includes|file|set|map|templateLiteral|stringFormat|lowercase|uppercase|mime|size)\b/;
    const found = MINI.flatMap(([file, text]) => [...text.matchAll(new RegExp(LEFT_OUT, "g"))].map((match) => `${file}: ${match[0]}`));
    expect(found).toEqual([]);
  });

  it("give every regex its own message", () => {
    const bare = MINI.flatMap(([file, text]) => [...text.matchAll(/z\.regex\(([^)]*\/[gimsuy]*|new RegExp\([^)]*\))\)/g)].map((match) => `${file}: ${match[0]}`));
    expect(bare).toEqual([]);
  });
});

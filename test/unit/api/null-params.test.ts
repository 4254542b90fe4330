/**
 * `null` params are dropped once, before any provider translates (see src/api/null-params.ts).
 */
import { describe, expect, it } from "vitest";
import { withoutNullParams } from "../../../src/api/null-params";
import { parseBatchRequest } from "../../../src/api/schemas";

const messages = [{ role: "user", content: "hi" }];

describe("withoutNullParams", () => {
  it.each([
    ["drops top-level null params", { custom_id: "a", params: { model: "m", max_tokens: 5, messages, temperature: null, system: null, tools: null } }, { custom_id: "a", params: { model: "m", max_tokens: 5, messages } }],
    ["keeps nested nulls, which are the param's own", { custom_id: "a", params: { model: "m", max_tokens: 5, messages, metadata: { user_id: null } } }, { custom_id: "a", params: { model: "m", max_tokens: 5, messages, metadata: { user_id: null } } }],
    ["keeps a null required param, for the schema to refuse", { custom_id: "a", params: { model: null, max_tokens: null, messages: null } }, { custom_id: "a", params: { model: null, max_tokens: null, messages: null } }],
    ["leaves what is not a request alone", [1, 2], [1, 2]],
    ["leaves params that are not an object alone", { custom_id: "a", params: null }, { custom_id: "a", params: null }],
  ])("%s", (_name, input, expected) => {
    expect(withoutNullParams(input)).toEqual(expected);
  });

  it("returns the very same object when there is nothing to drop", () => {
    const item = { custom_id: "a", params: { model: "m", max_tokens: 5, messages } };
    expect(withoutNullParams(item)).toBe(item);
  });

  it("runs before validation: a null temperature is absent, not a type error", () => {
    expect(parseBatchRequest({ custom_id: "a", params: { model: "m", max_tokens: 0, messages, temperature: null } }, 0)).toEqual({ custom_id: "a", params: { model: "m", max_tokens: 0, messages } });
  });
});

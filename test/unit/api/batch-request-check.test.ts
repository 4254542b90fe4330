/**
 * The zod-free check of a batch request (src/api/batch-request-check.ts) must give the schema's
 * own answer: for a valid request the very value `batchRequest` returns (same keys in the same
 * order, so that what upstream receives is unchanged), and for anything the schema refuses, null
 * (the schema then names the error).
 */
import { describe, expect, it } from "vitest";
import { validBatchRequest } from "../../../src/api/batch-request-check";
import { batchRequest, parseBatchRequest } from "../../../src/api/schemas";

const user = { role: "user", content: "hi" };
const base = { model: "m", max_tokens: 5, messages: [user] };
const request = (params: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ custom_id: "req-1", params, ...extra });

const valid: [string, unknown][] = [
  ["the least request", request(base)],
  ["keys in another order (the schema's order comes out)", { params: { messages: [{ content: "hi", role: "user" }], max_tokens: 0, model: "m" }, custom_id: "a_B-9" }],
  ["a 64-character custom_id", { custom_id: "x".repeat(64), params: base }],
  ["every optional param", request({
    tool_choice: { type: "tool", name: "t", disable_parallel_tool_use: true },
    tools: [{ name: "t", input_schema: { type: "object", properties: { a: { type: "string" } } } }, { type: "mcp_toolset", mcp_server_name: "s" }],
    metadata: { user_id: "u", other: 1 },
    stream: false,
    stop_sequences: ["a", ""],
    top_k: 3,
    top_p: 1,
    temperature: 0,
    system: [{ text: "be brief", type: "text", cache_control: { type: "ephemeral" } }],
    ...base,
  })],
  ["a string system", request({ ...base, system: "" })],
  ["an empty system list", request({ ...base, system: [] })],
  ["a null user_id", request({ ...base, metadata: { user_id: null } })],
  ["an empty metadata", request({ ...base, metadata: {} })],
  ["unknown params kept after the declared ones, in their order", request({ zeta: 1, thinking: { type: "enabled", budget_tokens: 1024 }, ...base, alpha: [1, { b: 2 }] })],
  ["content blocks of every kind, with their fields in any order", request({
    ...base,
    messages: [
      { content: [{ text: "a", type: "text" }, { source: { type: "file", file_id: "file_1" }, type: "document", title: "t" }], role: "user", extra: true },
      { role: "assistant", content: [{ type: "tool_use", id: "tu_1", name: "t", input: { __proto: 1 } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "tu_1", content: [{ type: "text", text: "r" }] }] },
      { role: "system", content: "sys" },
    ],
  })],
  ["integer-like keys (which objects put first)", request({ ...base, "2": "b", "1": "a" })],
];

const invalid: [string, unknown][] = [
  ["not an object", [1]],
  ["null", null],
  ["an extra top-level key", request(base, { other: 1 })],
  ["no custom_id", { params: base }],
  ["a custom_id too long", { custom_id: "x".repeat(65), params: base }],
  ["a custom_id with a space", { custom_id: "a b", params: base }],
  ["a custom_id that is a number", { custom_id: 1, params: base }],
  ["no params", { custom_id: "a" }],
  ["params a list", { custom_id: "a", params: [] }],
  ["no model", request({ max_tokens: 5, messages: [user] })],
  ["an empty model", request({ ...base, model: "" })],
  ["max_tokens negative", request({ ...base, max_tokens: -1 })],
  ["max_tokens fractional", request({ ...base, max_tokens: 1.5 })],
  ["max_tokens a string", request({ ...base, max_tokens: "5" })],
  ["max_tokens past a safe integer", request({ ...base, max_tokens: 2 ** 60 })],
  ["max_tokens null", request({ ...base, max_tokens: null })],
  ["no messages", request({ model: "m", max_tokens: 5 })],
  ["no message", request({ ...base, messages: [] })],
  ["a message not an object", request({ ...base, messages: ["hi"] })],
  ["a bad role", request({ ...base, messages: [{ role: "tool", content: "hi" }] })],
  ["no role", request({ ...base, messages: [{ content: "hi" }] })],
  ["empty content", request({ ...base, messages: [{ role: "user", content: "" }] })],
  ["no content", request({ ...base, messages: [{ role: "user" }] })],
  ["an empty content list", request({ ...base, messages: [{ role: "user", content: [] }] })],
  ["a block with no type", request({ ...base, messages: [{ role: "user", content: [{ text: "a" }] }] })],
  ["a block with an empty type", request({ ...base, messages: [{ role: "user", content: [{ type: "" }] }] })],
  ["a block that is a string", request({ ...base, messages: [{ role: "user", content: ["a"] }] })],
  ["a system block not text", request({ ...base, system: [{ type: "image", text: "a" }] })],
  ["a system block without text", request({ ...base, system: [{ type: "text" }] })],
  ["system a number", request({ ...base, system: 1 })],
  ["temperature over 1", request({ ...base, temperature: 1.5 })],
  ["temperature negative", request({ ...base, temperature: -0.1 })],
  ["top_p a string", request({ ...base, top_p: "1" })],
  ["top_k fractional", request({ ...base, top_k: 0.5 })],
  ["a stop sequence not a string", request({ ...base, stop_sequences: [1] })],
  ["stop_sequences a string", request({ ...base, stop_sequences: "a" })],
  ["stream true", request({ ...base, stream: true })],
  ["metadata a string", request({ ...base, metadata: "u" })],
  ["a user_id number", request({ ...base, metadata: { user_id: 1 } })],
  ["tools an object", request({ ...base, tools: {} })],
  ["a tool that is a string", request({ ...base, tools: ["t"] })],
  ["a tool_choice of another type", request({ ...base, tool_choice: { type: "required" } })],
  ["a tool_choice without type", request({ ...base, tool_choice: {} })],
];

describe("validBatchRequest", () => {
  it.each(valid)("answers the schema's own value: %s", (_name, input) => {
    const expected = batchRequest.parse(input);
    const checked = validBatchRequest(input);
    expect(checked).toEqual(expected);
    // Key order too: it is what JSON.stringify (and so upstream) sees.
    expect(JSON.stringify(checked)).toBe(JSON.stringify(expected));
  });

  it.each(invalid)("leaves to the schema what it refuses: %s", (_name, input) => {
    expect(batchRequest.safeParse(input).success).toBe(false);
    expect(validBatchRequest(input)).toBeNull();
  });

  it("leaves a __proto__ key to the schema, which keeps it out of the result", () => {
    const input = JSON.parse('{"custom_id":"a","params":{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"__proto__":{"x":1}}}');
    expect(validBatchRequest(input)).toBeNull();
    expect(parseBatchRequest(input, 0)).toEqual(batchRequest.parse(input));
  });

  it("copies every object the schema copies, and shares the values it keeps as they are", () => {
    const input = request({ ...base, thinking: { type: "enabled" } }) as { params: Record<string, unknown> };
    const checked = validBatchRequest(input)!;
    expect(checked.params).not.toBe(input.params);
    expect(checked.params.messages).not.toBe(input.params.messages);
    expect(checked.params.thinking).toBe(input.params.thinking);
  });

  it("refuses a request nested more than 64 levels deep before any check, and takes 64", () => {
    const nested = (levels: number): unknown => (levels === 0 ? "x" : [nested(levels - 1)]);
    // The request is level 1 and its params level 2: 62 arrays inside make 64.
    expect(parseBatchRequest(request({ ...base, extra: nested(62) }), 3).params.extra).toEqual(nested(62));
    expect(() => parseBatchRequest(request({ ...base, extra: nested(63) }), 3)).toThrow("requests.3: nested more than 64 levels deep");
    expect(() => parseBatchRequest(request({ ...base, extra: { a: [{ b: nested(60) }] } }), 0)).toThrow("requests.0: nested more than 64 levels deep");
  });
});


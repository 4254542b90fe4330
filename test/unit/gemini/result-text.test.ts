/**
 * The vault writes a Gemini result line's text as resultLineText gives it: it must be
 * byte for byte what JSON.stringify gives for the same line, for every result the translator
 * makes, including the odd values an upstream may send.
 */
import { describe, expect, it } from "vitest";
import type { BatchResultLine } from "../../../src/domain/batch-result";
import { resultLineText } from "../../../src/providers/gemini/result-text";
import { toBatchResult, type IdSource } from "../../../src/providers/gemini/translate-result";
import type { GeminiBatchResultLine } from "../../../src/providers/gemini/wire";
import cases from "../../fixtures/gemini/response-cases.json";

interface ResponseCase {
  name: string;
  model: string;
  input: GeminiBatchResultLine;
}

const ids: IdSource = { message: () => "msg_test", toolUse: () => "toolu_test" };

function lineOf(input: unknown, customId = "req-1"): BatchResultLine {
  return { custom_id: customId, result: toBatchResult(input as GeminiBatchResultLine, "gemini-2.5-flash", ids) };
}

function answer(parts: unknown[], usageMetadata: unknown = { promptTokenCount: 3, candidatesTokenCount: 2 }, extra: Record<string, unknown> = {}) {
  return { response: { candidates: [{ content: { role: "model", parts }, finishReason: "STOP" }], usageMetadata, modelVersion: "gemini-2.5-flash", responseId: "r1", ...extra } };
}

describe("gemini result line text", () => {
  it.each((cases as unknown as ResponseCase[]).map((c) => [c.name, c] as const))("is JSON.stringify's text: %s", (_name, testCase) => {
    const line = { custom_id: "req-1", result: toBatchResult(testCase.input, testCase.model, ids) };
    expect(resultLineText(line)).toBe(JSON.stringify(line));
  });

  it.each([
    ["text that needs escaping", answer([{ text: 'quote " backslash \\ newline \n tab \t nul \u0000 lone \ud800 emoji 😀 <>&=\u2028' }])],
    ["a custom_id that needs escaping", answer([{ text: "hi" }]), 'a"b\\c'],
    ["no parts at all", answer([])],
    ["a function call without a name, args or id", answer([{ functionCall: {} }])],
    ["a function call with null args and nested input", answer([{ functionCall: { name: "f", args: null } }, { functionCall: { name: "g", id: "c1", args: { a: [1, "x", null, { b: true }], u: "\u00e9" } } }])],
    ["thinking with and without a signature, and text", answer([{ text: "why", thought: true, thoughtSignature: "c2ln" }, { text: "more", thought: true }, { text: "so" }])],
    ["thoughts of 0 and null tokens", answer([{ text: "a" }], { promptTokenCount: 1, thoughtsTokenCount: 0 })],
    ["null thought tokens", answer([{ text: "a" }], { thoughtsTokenCount: null })],
    ["usage of strings, NaN-making objects and huge numbers", answer([{ text: "a" }], { promptTokenCount: "7", cachedContentTokenCount: "2", candidatesTokenCount: "5", thoughtsTokenCount: 1e21 })],
    ["usage of objects", answer([{ text: "a" }], { promptTokenCount: { n: 1 }, cachedContentTokenCount: [1], candidatesTokenCount: -0 })],
    ["no usage", answer([{ text: "a" }], undefined)],
    ["a model version that is not a string", answer([{ text: "a" }], undefined, { modelVersion: 12 })],
    // Short strings (the custom_id, the IDs, the model) are quoted without JSON.stringify when
    // nothing in them needs escaping: each character JSON.stringify escapes, and the length limit.
    ["a custom_id with a control character", answer([{ text: "hi" }]), "a\u0001b"],
    ["a custom_id with a tab and a line feed", answer([{ text: "hi" }]), "a\tb\nc"],
    ["a custom_id with a DEL and a non-ASCII letter, which are not escaped", answer([{ text: "hi" }]), "a\u007fé"],
    ["a custom_id with a surrogate pair", answer([{ text: "hi" }]), "a😀b"],
    ["a custom_id with a lone high surrogate", answer([{ text: "hi" }]), "a\ud800b"],
    ["a custom_id with a lone low surrogate", answer([{ text: "hi" }]), "a\udc00"],
    ["a custom_id of 64 characters", answer([{ text: "hi" }]), "x".repeat(63) + "\\"],
    ["a custom_id of 65 characters", answer([{ text: "hi" }]), "x".repeat(64) + '"'],
    ["a response ID that needs escaping", answer([{ text: "a" }], undefined, { responseId: 'r"1\\\u0000' })],
    ["a model version that needs escaping", answer([{ text: "a" }], undefined, { modelVersion: "gemini\u2028\ud83d" })],
    ["a model version of 70 characters", answer([{ text: "a" }], undefined, { modelVersion: "m".repeat(70) })],
    ["an empty model version (the request's model instead)", answer([{ text: "a" }], undefined, { modelVersion: "" })],
    ["a tool call whose id and name need escaping", answer([{ functionCall: { id: 'c"1', name: "f\u0007", args: {} } }])],
    ["a thinking signature that needs escaping", answer([{ text: "t", thought: true, thoughtSignature: "s\\ig" }, { text: "so" }])],
    ["a text split over parts, and a refusal", { response: { candidates: [{ content: { parts: [{ text: "a" }, { text: "b\n" }] }, finishReason: "SAFETY" }], responseId: "r2" } }],
    ["a stop at max tokens", { response: { candidates: [{ content: { parts: [{ text: "a" }] }, finishReason: "MAX_TOKENS" }], responseId: "r3" } }],
    ["an error", { error: { code: 3, message: "bad \"request\"" } }],
    ["neither response nor error", {}],
  ] as Array<[string, unknown, string?]>)("is JSON.stringify's text: %s", (_name, input, customId) => {
    const line = lineOf(input, customId);
    expect(resultLineText(line)).toBe(JSON.stringify(line));
  });

  it.each([
    { custom_id: "a", result: { type: "canceled" } },
    { custom_id: "b", result: { type: "expired" } },
    { custom_id: "c", result: { type: "errored", error: { type: "error", error: { type: "api_error", message: "x" }, request_id: null } } },
  ] as BatchResultLine[])("stringifies other results whole: $result.type", (line) => {
    expect(resultLineText(line)).toBe(JSON.stringify(line));
  });
});

import { describe, expect, it } from "vitest";
import { toBatchResult, type IdSource } from "../../../src/providers/gemini/translate-result";
import type { GeminiBatchResultLine } from "../../../src/providers/gemini/wire";
import cases from "../../fixtures/gemini/response-cases.json";

interface ResponseCase {
  name: string;
  model: string;
  input: GeminiBatchResultLine;
  expected: unknown;
}

function counterIds(): IdSource {
  let messages = 0;
  let tools = 0;
  return { message: () => `msg_test_${++messages}`, toolUse: () => `toolu_test_${++tools}` };
}

describe("Gemini batch result → Anthropic batch result", () => {
  it.each((cases as unknown as ResponseCase[]).map((c) => [c.name, c] as const))("%s", (_name, testCase) => {
    expect(toBatchResult(testCase.input, testCase.model, counterIds())).toStrictEqual(testCase.expected);
  });
});

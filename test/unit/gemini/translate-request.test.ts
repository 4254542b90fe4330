import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../src/lib/errors";
import { toGenerateContentRequest } from "../../../src/providers/gemini/translate-request";
import type { ResolvedFile } from "../../../src/providers/types";
import type { MessageParams } from "../../../src/domain/batch-request";
import cases from "../../fixtures/gemini/request-cases.json";

interface RequestCase {
  name: string;
  input: { params: MessageParams; files?: Record<string, ResolvedFile> };
  expected?: unknown;
  error?: string;
}

const all = cases as unknown as RequestCase[];

function translate(input: RequestCase["input"]) {
  return toGenerateContentRequest(input.params, new Map(Object.entries(input.files ?? {})));
}

describe("Anthropic params → Gemini GenerateContentRequest", () => {
  it.each(all.filter((c) => c.expected !== undefined).map((c) => [c.name, c] as const))("%s", (_name, testCase) => {
    expect(translate(testCase.input)).toStrictEqual(testCase.expected);
  });

  it.each(all.filter((c) => c.error !== undefined).map((c) => [c.name, c] as const))("refuses: %s", (_name, testCase) => {
    let thrown: unknown;
    try {
      translate(testCase.input);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).status).toBe(400);
    expect((thrown as GatewayError).type).toBe("invalid_request_error");
    expect((thrown as GatewayError).message).toBe(testCase.error);
  });

  it("does not change the params it reads", () => {
    const params = structuredClone(all[9]!.input.params);
    translate({ params });
    expect(params).toStrictEqual(all[9]!.input.params);
  });
});

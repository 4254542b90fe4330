/**
 * The OpenAI translators, table-driven from test/fixtures/openai/.
 */
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../src/lib/errors";
import { toJobStatus, type ErrorFileTally } from "../../../src/providers/openai/job-status";
import { isReasoningModel } from "../../../src/providers/openai/models";
import { toChatCompletion } from "../../../src/providers/openai/translate-request";
import { toResultLine } from "../../../src/providers/openai/translate-result";
import type { OpenAIBatch, OpenAIBatchOutputLine } from "../../../src/providers/openai/wire";
import type { ResolvedFile } from "../../../src/providers/types";
import type { MessageParams } from "../../../src/domain/batch-request";
import statusCases from "../../fixtures/openai/batch-status.json";
import modelCases from "../../fixtures/openai/reasoning-models.json";
import requestCases from "../../fixtures/openai/request-translation.json";
import resultCases from "../../fixtures/openai/result-translation.json";

interface RequestCase {
  name: string;
  params: MessageParams;
  files?: ResolvedFile[];
  expected?: unknown;
  error?: string;
  status?: number;
}

describe("toChatCompletion", () => {
  it.each(requestCases as unknown as RequestCase[])("$name", (testCase) => {
    const files = new Map((testCase.files ?? []).map((file) => [file.gatewayId, file]));
    if (testCase.error === undefined) {
      expect(toChatCompletion(testCase.params, files)).toStrictEqual(testCase.expected);
      return;
    }
    let thrown: unknown;
    try {
      toChatCompletion(testCase.params, files);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).message).toBe(testCase.error);
    expect((thrown as GatewayError).status).toBe(testCase.status ?? 400);
  });

  it("never changes the params it is given", () => {
    const params = { model: "gpt-4o", max_tokens: 5, system: [{ type: "text", text: "s" }], messages: [{ role: "user", content: "x" }] };
    const copy = structuredClone(params);
    toChatCompletion(params, new Map());
    expect(params).toStrictEqual(copy);
  });
});

describe("toResultLine", () => {
  it.each(resultCases as unknown as { name: string; input: OpenAIBatchOutputLine; expected: unknown }[])("$name", ({ input, expected }) => {
    expect(toResultLine(input)).toStrictEqual(expected);
  });
});

describe("toJobStatus", () => {
  type StatusCase = { name: string; input: { batch: OpenAIBatch; requestCount: number; tally: ErrorFileTally | null }; expected: unknown };
  it.each(statusCases as unknown as StatusCase[])("$name", ({ input, expected }) => {
    const status = toJobStatus(input.batch, input.requestCount, input.tally);
    expect(status).toStrictEqual(expected);
    const { processing, succeeded, errored, canceled, expired } = status.counts;
    expect(processing + succeeded + errored + canceled + expired).toBe(input.requestCount);
  });
});

describe("isReasoningModel", () => {
  it.each(modelCases)("$name", ({ model, reasoning }) => {
    expect(isReasoningModel(model)).toBe(reasoning);
  });
});

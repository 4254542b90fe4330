/**
 * The OpenAI translators, table-driven from test/fixtures/openai/.
 */
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../src/lib/errors";
import { toJobStatus, type ErrorFileTally } from "../../../src/providers/openai/job-status";
import { isReasoningModel } from "../../../src/providers/openai/models";
import { toChatCompletion } from "../../../src/providers/openai/translate-request";
import { openaiJobs } from "../../../src/providers/openai/jobs";
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

describe("openaiJobs.translate with the request's own bytes (BatchRequest.raw)", () => {
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const translated = (custom_id: string, params: MessageParams, raw?: string) =>
    decode(openaiJobs.translate({ custom_id, params, ...(raw === undefined ? {} : { raw: new TextEncoder().encode(raw) }) }, new Map(), { clientBetas: [] }).bytes);
  const valid = (requestCases as unknown as RequestCase[]).filter((testCase) => testCase.error === undefined && (testCase.files ?? []).length === 0);

  it.each(valid)("gives the very line it gives without them: $name", (testCase) => {
    const raw = JSON.stringify({ custom_id: "r-1", params: testCase.params });
    expect(translated("r-1", testCase.params, raw)).toBe(translated("r-1", testCase.params));
  });

  it("forwards the client's own spelling of plain text turns, and keeps every line one line", () => {
    const params = { model: "gpt-4o-mini", max_tokens: 9, temperature: 0.5, messages: [{ role: "user", content: "Hi é \"there\"" }, { content: "Yo", role: "assistant" }, { role: "user", content: "again" }] };
    const spaced = `{ "params": {"messages" : [ {"role":"user","content":"Hi \\u00e9 \\"there\\""}, {"content":"Yo","role":"assistant"},{"role":"user","content":"again"} ] ,"model":"gpt-4o-mini","max_tokens":9,"temperature":0.5}, "custom_id":"r-2"}`;
    const line = translated("r-2", params, spaced);
    expect(line).toBe(
      `{"custom_id":"r-2","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[ {"role":"user","content":"Hi \\u00e9 \\"there\\""}, {"content":"Yo","role":"assistant"},{"role":"user","content":"again"} ],"max_tokens":9,"temperature":0.5}}\n`,
    );
    expect(JSON.parse(line)).toEqual(JSON.parse(translated("r-2", params)));
    // Line breaks between the client's tokens: serialised again (a JSONL line is one line).
    const pretty = JSON.stringify({ custom_id: "r-2", params }, null, 2);
    expect(translated("r-2", params, pretty)).toBe(translated("r-2", params));
  });

  it("serialises again what is not the chat messages as they are: a system prompt, blocks, a developer turn", () => {
    const cases: MessageParams[] = [
      { model: "gpt-4o-mini", max_tokens: 9, system: "Be brief.", messages: [{ role: "user", content: "Hi" }] },
      { model: "gpt-4o-mini", max_tokens: 9, messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }] },
      { model: "o3-mini", max_tokens: 9, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] },
    ];
    for (const params of cases) {
      const spaced = JSON.stringify({ custom_id: "r-3", params }).replace('"messages":', '"messages" : ');
      expect(translated("r-3", params, spaced)).toBe(translated("r-3", params));
    }
  });
});

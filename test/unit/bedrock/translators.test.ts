/**
 * The Bedrock adapter's pure functions, table-driven from test/fixtures/bedrock/.
 */
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../src/lib/errors";
import { readConfig } from "../../../src/providers/bedrock/config";
import { toJobStatus } from "../../../src/providers/bedrock/job-status";
import type { BedrockJob, BedrockManifest, BedrockOutputLine } from "../../../src/providers/bedrock/wire";
import { bedrockModelId } from "../../../src/providers/bedrock/models";
import { toBedrockRecord } from "../../../src/providers/bedrock/translate-request";
import { toResultLine } from "../../../src/providers/bedrock/translate-result";
import type { ProviderEnv } from "../../../src/providers/types";
import type { BatchRequest } from "../../../src/domain/batch-request";
import configCases from "../../fixtures/bedrock/config.json";
import jobStatusCases from "../../fixtures/bedrock/job-status.json";
import modelCases from "../../fixtures/bedrock/models.json";
import requestCases from "../../fixtures/bedrock/translate-request.json";
import resultCases from "../../fixtures/bedrock/translate-result.json";

interface Case<I, O> {
  name: string;
  /** The client's `anthropic-beta` values (request cases). */
  betas?: string[];
  input: I;
  expected?: O;
  error?: string;
}

/** Runs `run` on a case: its exact output, or a 400 (or the given status) with its exact message. */
function check<I, O>(testCase: Case<I, O>, run: (input: I) => unknown, errorStatus = 400): void {
  if (testCase.error !== undefined) {
    let thrown: unknown;
    try {
      run(testCase.input);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).message).toBe(testCase.error);
    expect((thrown as GatewayError).status).toBe(errorStatus);
    return;
  }
  expect(testCase.expected).toBeDefined();
  const output = run(testCase.input);
  expect(output).toEqual(testCase.expected);
  // Key order is part of the wire form: JSONL lines are compared byte for byte upstream.
  expect(JSON.stringify(output)).toBe(JSON.stringify(testCase.expected));
}

describe("toBedrockRecord", () => {
  it.each(requestCases as Case<BatchRequest, unknown>[])("$name", (testCase) => {
    check(testCase, (input) => toBedrockRecord(input, testCase.betas ?? []));
  });
});

describe("toResultLine", () => {
  it.each(resultCases as Case<{ line: BedrockOutputLine; model: string }, unknown>[])("$name", (testCase) => {
    check(testCase, ({ line, model }) => toResultLine(line, model), 500);
  });
});

describe("toJobStatus", () => {
  it.each(jobStatusCases as Case<{ job: BedrockJob; manifest: BedrockManifest | null; requestCount: number }, unknown>[])("$name", (testCase) => {
    const { job, manifest, requestCount } = testCase.input;
    expect(toJobStatus(job, manifest, requestCount)).toEqual(testCase.expected);
  });
});

describe("bedrockModelId", () => {
  it.each(modelCases as Case<string, string>[])("$name", (testCase) => {
    check(testCase, bedrockModelId);
  });
});

describe("readConfig", () => {
  it.each(configCases as Case<ProviderEnv, unknown>[])("$name", (testCase) => {
    if (testCase.error !== undefined) return check(testCase, readConfig);
    expect(readConfig(testCase.input)).toEqual(testCase.expected);
  });
});

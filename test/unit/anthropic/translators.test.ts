/**
 * The Anthropic adapter's pure translators, table-driven from test/fixtures/anthropic/: each
 * case gives an input and either the exact output or the exact error.
 */
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../src/lib/errors";
import { toJobStatus } from "../../../src/providers/anthropic/job-status";
import { betaHeader, type Surface } from "../../../src/providers/anthropic/client";
import { toUpstreamFile } from "../../../src/providers/anthropic/file-metadata";
import { withNativeFileIds } from "../../../src/providers/anthropic/translate-request";
import { resultsUrlFor, toResultLine } from "../../../src/providers/anthropic/translate-result";
import type { AnthropicFileMetadata, AnthropicMessageBatch } from "../../../src/providers/anthropic/wire";
import type { ResolvedFile } from "../../../src/providers/types";
import type { MessageParams } from "../../../src/domain/batch-request";
import betaHeaderCases from "../../fixtures/anthropic/beta-header.json";
import batchStatusCases from "../../fixtures/anthropic/batch-status.json";
import fileMetadataCases from "../../fixtures/anthropic/file-metadata.json";
import fileSourceCases from "../../fixtures/anthropic/file-sources.json";
import resultLineCases from "../../fixtures/anthropic/result-lines.json";
import resultsUrlCases from "../../fixtures/anthropic/results-url.json";

interface Case<I, O> {
  name: string;
  input: I;
  expected?: O;
  error?: { status: number; type: string; message: string };
}

/** Runs `translate` and compares with the case's expected output or expected error. */
function check<I, O>(testCase: Case<I, O>, translate: (input: I) => unknown): void {
  if (testCase.error) {
    let thrown: unknown;
    try {
      translate(testCase.input);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    const error = thrown as GatewayError;
    expect({ status: error.status, type: error.type, message: error.message }).toEqual(testCase.error);
  } else {
    expect(translate(testCase.input)).toEqual(testCase.expected);
  }
}

describe("toUpstreamFile", () => {
  it.each(fileMetadataCases as Case<AnthropicFileMetadata, unknown>[])("$name", (testCase) => {
    check(testCase, toUpstreamFile);
  });
});

describe("toJobStatus", () => {
  it.each(batchStatusCases as Case<AnthropicMessageBatch, unknown>[])("$name", (testCase) => {
    check(testCase, toJobStatus);
  });
});

describe("toResultLine", () => {
  it.each(resultLineCases as Case<unknown, unknown>[])("$name", (testCase) => {
    check(testCase, toResultLine);
  });
});

describe("resultsUrlFor", () => {
  type Input = { baseUrl: string; job: { nativeId: string; data: Record<string, unknown> } };
  it.each(resultsUrlCases as Case<Input, string>[])("$name", (testCase) => {
    check(testCase, ({ baseUrl, job }) => resultsUrlFor(baseUrl, job));
  });
});

describe("betaHeader", () => {
  type Input = { clientBetas: string[]; surface: Surface };
  it.each(betaHeaderCases as Case<Input, string | null>[])("$name", (testCase) => {
    check(testCase, ({ clientBetas, surface }) => betaHeader(clientBetas, surface) ?? null);
  });
});

describe("withNativeFileIds", () => {
  type FileCase = Case<MessageParams, MessageParams> & { files: ResolvedFile[] };
  it.each(fileSourceCases as unknown as FileCase[])("$name", (testCase) => {
    const files = new Map(testCase.files.map((file) => [file.gatewayId, file]));
    const frozen = structuredClone(testCase.input);
    check(testCase, (input) => withNativeFileIds(input, files));
    // Translation never edits the caller's request in place.
    expect(testCase.input).toEqual(frozen);
  });

  it("copies nothing for a request without files", () => {
    const params = fileSourceCases[0]!.input as MessageParams;
    expect(withNativeFileIds(params, new Map())).toBe(params);
  });
});

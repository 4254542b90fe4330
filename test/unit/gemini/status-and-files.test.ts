import { describe, expect, it } from "vitest";
import { toJobStatus } from "../../../src/providers/gemini/job-status";
import { toUpstreamFile } from "../../../src/providers/gemini/file-metadata";
import type { GeminiBatchSummary, GeminiFile } from "../../../src/providers/gemini/wire";
import type { JobRef } from "../../../src/domain/job-record";
import fileCases from "../../fixtures/gemini/file-cases.json";
import statusCases from "../../fixtures/gemini/status-cases.json";

interface StatusCase {
  name: string;
  job: JobRef;
  input: GeminiBatchSummary;
  expected: unknown;
}

interface FileCase {
  name: string;
  input: GeminiFile;
  expected: unknown;
}

describe("Gemini batch state and stats → job status", () => {
  it.each((statusCases as unknown as StatusCase[]).map((c) => [c.name, c] as const))("%s", (_name, testCase) => {
    expect(toJobStatus(testCase.input, testCase.job)).toStrictEqual(testCase.expected);
  });
});

describe("Gemini File → upstream file", () => {
  it.each((fileCases as unknown as FileCase[]).map((c) => [c.name, c] as const))("%s", (_name, testCase) => {
    expect(toUpstreamFile(testCase.input)).toStrictEqual(testCase.expected);
  });
});

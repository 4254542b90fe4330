/** How a batch's upstream jobs add up to the batch a client sees (src/core/batch-state.ts). */
import { describe, expect, it } from "vitest";
import { jobAfter, mergeJobs, ZERO_COUNTS } from "../../../src/core/batch-state";
import type { JobStatus } from "../../../src/providers/types";
import type { RequestCounts } from "../../../src/domain/request-counts";
import type { BatchRecord } from "../../../src/domain/batch-record";
import type { JobRecord } from "../../../src/domain/job-record";

const NOW = "2026-03-01T12:00:00.000Z";

function batch(overrides: Partial<BatchRecord> = {}): BatchRecord {
  return {
    id: "msgbatch_01TEST",
    owner: "owner",
    provider: "openai",
    state: "in_progress",
    requestCount: 10,
    counts: { ...ZERO_COUNTS, processing: 10 },
    createdAt: "2026-03-01T00:00:00.000Z",
    expiresAt: "2026-03-02T00:00:00.000Z",
    endedAt: null,
    cancelInitiatedAt: null,
    archivedAt: null,
    idempotencyKey: null,
    origin: null,
    polledAt: null,
    resultsBytes: null,
    resultsPurgedAt: null,
    ...overrides,
  };
}

function counts(partial: Partial<RequestCounts>): RequestCounts {
  return { ...ZERO_COUNTS, ...partial };
}

function job(seq: number, state: JobRecord["state"], jobCounts: Partial<RequestCounts>, endedAt: string | null = null): JobRecord {
  return {
    batchId: "msgbatch_01TEST",
    seq,
    slot: `model#${seq}`,
    nativeId: `batch_native${seq}`,
    model: "gpt-4o-mini",
    requestCount: 5,
    data: { input: `file-in${seq}` },
    state,
    counts: counts(jobCounts),
    endedAt,
    unrun: null,
  };
}

describe("mergeJobs", () => {
  const cases: Array<{ name: string; batch: Partial<BatchRecord>; jobs: JobRecord[]; expected: Pick<BatchRecord, "state" | "counts" | "endedAt"> }> = [
    {
      name: "a job still running keeps the batch in progress, counts summed as they are",
      batch: {},
      jobs: [job(0, "ended", { succeeded: 4, errored: 1 }, "2026-03-01T10:00:00.000Z"), job(1, "in_progress", { processing: 3, succeeded: 2 })],
      expected: { state: "in_progress", counts: counts({ processing: 3, succeeded: 6, errored: 1 }), endedAt: null },
    },
    {
      name: "a cancel asked for makes an unfinished batch canceling",
      batch: { cancelInitiatedAt: "2026-03-01T11:00:00.000Z" },
      jobs: [job(0, "canceling", { processing: 5 }), job(1, "ended", { succeeded: 5 }, "2026-03-01T10:00:00.000Z")],
      expected: { state: "canceling", counts: counts({ processing: 5, succeeded: 5 }), endedAt: null },
    },
    {
      name: "every job ended: the batch ends at the latest job's end",
      batch: {},
      jobs: [job(0, "ended", { succeeded: 5 }, "2026-03-01T10:00:00.000Z"), job(1, "ended", { succeeded: 3, errored: 2 }, "2026-03-01T11:30:00.000Z")],
      expected: { state: "ended", counts: counts({ succeeded: 8, errored: 2 }), endedAt: "2026-03-01T11:30:00.000Z" },
    },
    {
      name: "ended with requests no job accounted for: they expired",
      batch: {},
      jobs: [job(0, "ended", { succeeded: 4 }, "2026-03-01T10:00:00.000Z"), job(1, "ended", { errored: 1 }, "2026-03-01T09:00:00.000Z")],
      expected: { state: "ended", counts: counts({ succeeded: 4, errored: 1, expired: 5 }), endedAt: "2026-03-01T10:00:00.000Z" },
    },
    {
      name: "ended after a cancel: requests no job accounted for were canceled",
      batch: { cancelInitiatedAt: "2026-03-01T09:30:00.000Z" },
      jobs: [job(0, "ended", { succeeded: 2, canceled: 1 }, "2026-03-01T10:00:00.000Z")],
      expected: { state: "ended", counts: counts({ succeeded: 2, canceled: 8 }), endedAt: "2026-03-01T10:00:00.000Z" },
    },
    {
      name: "an ended job still reporting processing counts none once the batch has ended",
      batch: { requestCount: 5 },
      jobs: [job(0, "ended", { processing: 2, succeeded: 3 }, "2026-03-01T10:00:00.000Z")],
      expected: { state: "ended", counts: counts({ succeeded: 3, expired: 2 }), endedAt: "2026-03-01T10:00:00.000Z" },
    },
    {
      name: "ended jobs with no end time: the batch ends now",
      batch: { requestCount: 5 },
      jobs: [job(0, "ended", { succeeded: 5 })],
      expected: { state: "ended", counts: counts({ succeeded: 5 }), endedAt: NOW },
    },
    {
      name: "no job at all (nothing was created upstream): every request expired, ended now",
      batch: { requestCount: 3 },
      jobs: [],
      expected: { state: "ended", counts: counts({ expired: 3 }), endedAt: NOW },
    },
  ];

  it.each(cases)("$name", ({ batch: overrides, jobs, expected }) => {
    const before = batch(overrides);
    const merged = mergeJobs(before, jobs, NOW);
    expect({ state: merged.state, counts: merged.counts, endedAt: merged.endedAt }).toEqual(expected);
    // Everything else is the batch as it was.
    expect({ ...merged, state: before.state, counts: before.counts, endedAt: before.endedAt }).toEqual(before);
  });

  it("counts of an ended batch always add up to its request count", () => {
    const merged = mergeJobs(batch({ requestCount: 7 }), [job(0, "ended", { succeeded: 1, errored: 1, canceled: 1, expired: 1 }, NOW)], NOW);
    const { processing, succeeded, errored, canceled, expired } = merged.counts;
    expect(processing + succeeded + errored + canceled + expired).toBe(7);
  });

  it("does not change the batch or the jobs it is given", () => {
    const before = batch();
    const jobs = [job(0, "ended", { succeeded: 5 }, NOW)];
    const copies = structuredClone({ before, jobs });
    mergeJobs(before, jobs, NOW);
    expect({ before, jobs }).toEqual(copies);
  });
});

describe("jobAfter", () => {
  const running = job(0, "in_progress", { processing: 5 });

  it("takes the state, counts and end from the status, keeping the job's identity", () => {
    const status: JobStatus = { state: "ended", counts: counts({ succeeded: 5 }), endedAt: NOW };
    expect(jobAfter(running, status)).toEqual({ ...running, state: "ended", counts: counts({ succeeded: 5 }), endedAt: NOW, unrun: null });
  });

  it.each([
    { name: "data the status carries replaces the job's", data: { output: "file-out0" }, expected: { output: "file-out0" } },
    { name: "no data in the status keeps the job's", data: undefined, expected: { input: "file-in0" } },
  ])("$name", ({ data, expected }) => {
    const status: JobStatus = { state: "in_progress", counts: counts({ processing: 5 }), endedAt: null, ...(data ? { data } : {}) };
    expect(jobAfter(running, status).data).toEqual(expected);
  });

  it("records the status's unrun result, and clears an earlier one the status no longer gives", () => {
    const unrun = { type: "errored" as const, error: { type: "error" as const, error: { type: "invalid_request_error" as const, message: "bad input" } } };
    const failed = jobAfter(running, { state: "ended", counts: counts({}), endedAt: NOW, unrun });
    expect(failed.unrun).toEqual(unrun);
    expect(jobAfter(failed, { state: "ended", counts: counts({}), endedAt: NOW }).unrun).toBeNull();
  });
});

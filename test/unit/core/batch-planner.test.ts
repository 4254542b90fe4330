/**
 * The batch planner against a fake provider declaration: what it places where, when it opens,
 * closes and sends each job input, and what it records. Lines are `<custom_id>|x…x\n`, sized
 * by the request's `max_tokens`; the group is the request's model.
 */
import { describe, expect, it } from "vitest";
import { BatchPlanner, slotName } from "../../../src/core/batch-planner";
import type { ClosedInput, JobLimits, PlannedJob, ProviderContext, ProviderJobs } from "../../../src/providers/types";
import type { Artifact } from "../../../src/domain/artifact";
import type { BatchRequest } from "../../../src/domain/batch-request";
import type { JobRef } from "../../../src/domain/job-record";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const LIMITS: JobLimits = {
  maxLines: 1000,
  maxBytes: 1_000_000,
  bufferBytes: 1000,
  lineOverheadBytes: 0,
  streamFromBytes: 0,
  maxOpenInputs: 2,
  createJobs: "close",
  closeConcurrency: 1,
  groupIsModel: true,
};

function request(customId: string, model: string, size = 10): BatchRequest {
  return { custom_id: customId, params: { model, max_tokens: size, messages: [] } };
}

/** A provider whose inputs and jobs live in memory, logging every step. */
function fakeProvider(limits: Partial<JobLimits> = {}, refuse?: (jobs: readonly PlannedJob[]) => void, failCreateOf?: string) {
  const events: string[] = [];
  const artifacts: Artifact[] = [];
  const stats = { open: 0, mostOpen: 0 };
  const closedInput = (job: PlannedJob, lines: string[]): ClosedInput => ({ artifact: { kind: "input", nativeId: `input-${job.slot}` }, data: { lines } });
  const provider: ProviderJobs = {
    limits: () => ({ ...LIMITS, ...limits }),
    translate: (item) => {
      const head = `${item.custom_id}|`;
      const bytes = encoder.encode(`${head}${"x".repeat(Math.max(0, item.params.max_tokens - head.length - 1))}\n`);
      return { customId: item.custom_id, group: item.params.model, model: item.params.model, bytes };
    },
    session: () => ({
      async openInput(job) {
        events.push(`open ${job.slot}`);
        stats.mostOpen = Math.max(stats.mostOpen, ++stats.open);
        const lines: string[] = [];
        return {
          write: async (bytes) => void lines.push(idOf(bytes)),
          close: async () => {
            stats.open -= 1;
            events.push(`close ${job.slot}`);
            return closedInput(job, lines);
          },
          abort: async () => {
            stats.open -= 1;
            events.push(`abort ${job.slot}`);
          },
        };
      },
      async sendWhole(job, lines) {
        events.push(`whole ${job.slot}`);
        return closedInput(job, lines.splice(0).map(idOf));
      },
      beforeCreate: refuse,
      async createJob(job, input) {
        if (job.slot === failCreateOf) throw new Error(`create ${job.slot} failed`);
        events.push(`create ${job.slot}`);
        return { nativeId: `job-${job.slot}`, data: { lines: input.data.lines }, artifact: { kind: "job", nativeId: `job-${job.slot}` } };
      },
      async abort() {
        events.push("session abort");
      },
    }),
  };
  const ctx: ProviderContext = { env: {}, fetch: (() => Promise.reject(new Error("no fetch"))) as typeof fetch, clientBetas: [] };
  const planner = new BatchPlanner(provider, ctx, { batchId: "msgbatch_test", sink: { record: async (artifact) => void artifacts.push(artifact) } });
  const add = (item: BatchRequest) => planner.add(provider.translate(item, new Map(), ctx));
  return { planner, add, events, artifacts, stats };
}

function idOf(bytes: Uint8Array): string {
  return decoder.decode(bytes).split("|")[0]!;
}

async function place(h: ReturnType<typeof fakeProvider>, requests: BatchRequest[]): Promise<{ slots: string[]; jobs: JobRef[] }> {
  const slots: string[] = [];
  for (const item of requests) slots.push(await h.add(item));
  return { slots, jobs: await h.planner.finish() };
}

/** Every job holds exactly the requests placed in its slot, in the order they came. */
function expectJobsHoldTheirRequests(jobs: JobRef[], requests: BatchRequest[], slots: string[]): void {
  expect(new Set(jobs.map((job) => job.slot)).size).toBe(jobs.length);
  for (const job of jobs) {
    expect(job.data.lines).toStrictEqual(requests.filter((_, index) => slots[index] === job.slot).map((item) => item.custom_id));
    expect(job.requestCount).toBe((job.data.lines as string[]).length);
  }
  expect(jobs.reduce((sum, job) => sum + job.requestCount, 0)).toBe(requests.length);
}

describe("batch planner: groups and slots", () => {
  it("names slots <group>#<n>, n from 0", () => {
    expect(slotName("gpt-4o-mini", 0)).toBe("gpt-4o-mini#0");
    expect(slotName("all", 2)).toBe("all#2");
  });

  it("buffers a batch that fits, and at finish sends each group's input whole, in the order groups came, each job created as its input closes", async () => {
    const h = fakeProvider();
    const requests = [request("a1", "A"), request("b1", "B"), request("a2", "A")];
    const slots: string[] = [];
    for (const item of requests) slots.push(await h.add(item));
    expect(h.events).toStrictEqual([]);
    const jobs = await h.planner.finish();
    expect(slots).toStrictEqual(["A#0", "B#0", "A#0"]);
    expect(h.events).toStrictEqual(["whole A#0", "create A#0", "whole B#0", "create B#0"]);
    expect(jobs).toStrictEqual([
      { slot: "A#0", nativeId: "job-A#0", model: "A", requestCount: 2, data: { lines: ["a1", "a2"] } },
      { slot: "B#0", nativeId: "job-B#0", model: "B", requestCount: 1, data: { lines: ["b1"] } },
    ]);
    expect(h.artifacts).toStrictEqual([
      { kind: "input", nativeId: "input-A#0" },
      { kind: "job", nativeId: "job-A#0" },
      { kind: "input", nativeId: "input-B#0" },
      { kind: "job", nativeId: "job-B#0" },
    ]);
  });

  it.each([
    { limit: "maxLines", limits: { maxLines: 2 }, sizes: [10, 10, 10, 10, 10], slots: ["A#0", "A#0", "A#1", "A#1", "A#2"] },
    { limit: "maxBytes", limits: { maxBytes: 25 }, sizes: [10, 10, 10, 20, 30], slots: ["A#0", "A#0", "A#1", "A#2", "A#3"] },
    { limit: "maxBytes (a first line over it still goes in an empty job)", limits: { maxBytes: 25 }, sizes: [40, 10, 40], slots: ["A#0", "A#1", "A#2"] },
  ])("starts a new job of the group at $limit, closing the full one at once", async ({ limits, sizes, slots: expected }) => {
    const h = fakeProvider(limits);
    const requests = sizes.map((size, index) => request(`a${index}`, "A", size));
    const { slots, jobs } = await place(h, requests);
    expect(slots).toStrictEqual(expected);
    expect(jobs.map((job) => job.slot)).toStrictEqual([...new Set(expected)]);
    expectJobsHoldTheirRequests(jobs, requests, slots);
  });

  it("reports the model every line of a job names; for mixed models the group when it is the model, else null", async () => {
    for (const [groupIsModel, expected] of [[true, "A"], [false, null]] as const) {
      const h = fakeProvider({ groupIsModel });
      const translate = (id: string, model: string) => ({ customId: id, group: "A", model, bytes: encoder.encode(`${id}|\n`) });
      await h.planner.add(translate("1", "m1"));
      await h.planner.add(translate("2", "m2"));
      const [job] = await h.planner.finish();
      expect(job!.model).toBe(expected);
    }
    const h = fakeProvider({ groupIsModel: false });
    await h.planner.add({ customId: "1", group: "all", model: "m1", bytes: encoder.encode("1|\n") });
    expect((await h.planner.finish())[0]!.model).toBe("m1");
  });

  it("refuses a group past maxGroups from add, with the provider's error, before anything is sent for it", async () => {
    const h = fakeProvider({ maxGroups: { count: 2, refuse: (line, number) => new Error(`${line.model} would be group ${number}`) } });
    await h.add(request("a", "A"));
    await h.add(request("b", "B"));
    await expect(h.add(request("c", "C"))).rejects.toThrow("C would be group 3");
    expect(await h.add(request("a2", "A"))).toBe("A#0");
    expect(h.events).toStrictEqual([]);
  });
});

describe("batch planner: one memory budget across groups", () => {
  it("past bufferBytes moves the largest buffer to a streaming input, which takes its group's next lines", async () => {
    const h = fakeProvider({ bufferBytes: 100 });
    const requests = [request("a1", "A", 40), request("b1", "B", 30), request("a2", "A", 40), request("a3", "A", 10), request("b2", "B", 30)];
    const slots: string[] = [];
    for (const item of requests) slots.push(await h.add(item));
    // a2 makes 110 bytes: A (80) streams; B's 60 bytes stay buffered.
    expect(h.events).toStrictEqual(["open A#0"]);
    const jobs = await h.planner.finish();
    expect(slots).toStrictEqual(["A#0", "B#0", "A#0", "A#0", "B#0"]);
    expect(h.events).toStrictEqual(["open A#0", "close A#0", "create A#0", "whole B#0", "create B#0"]);
    expectJobsHoldTheirRequests(jobs, requests, slots);
  });

  it("counts lineOverheadBytes per buffered line, so many small lines cannot outgrow the budget", async () => {
    const h = fakeProvider({ bufferBytes: 100, lineOverheadBytes: 20 });
    for (let index = 0; index < 4; index++) await h.add(request(`a${index}`, "A", 10));
    expect(h.events).toStrictEqual(["open A#0"]);
  });

  it("closes the largest buffer whole when it holds less than streamFromBytes; its group continues in a new job", async () => {
    const h = fakeProvider({ bufferBytes: 100, streamFromBytes: 60 });
    const requests = ["A", "B", "C", "D", "E", "F"].map((group) => request(`${group.toLowerCase()}1`, group, 20));
    requests.push(request("a2", "A", 20));
    const { slots, jobs } = await place(h, requests);
    // The 6th line makes 120 bytes; the largest buffer (A, the first of the equal ones) holds 20.
    expect(h.events.slice(0, 2)).toStrictEqual(["whole A#0", "create A#0"]);
    expect(slots).toStrictEqual(["A#0", "B#0", "C#0", "D#0", "E#0", "F#0", "A#1"]);
    expect(h.events.some((event) => event.startsWith("open"))).toBe(false);
    expectJobsHoldTheirRequests(jobs, requests, slots);
  });

  it("keeps at most maxOpenInputs open: opening one more closes the least recently written, whose group continues in a new job", async () => {
    const h = fakeProvider({ bufferBytes: 50, maxOpenInputs: 2 });
    const requests = [
      request("a1", "A", 60),
      request("b1", "B", 60),
      request("a2", "A", 10),
      request("c1", "C", 60),
      request("b2", "B", 10),
      request("a3", "A", 10),
    ];
    const { slots, jobs } = await place(h, requests);
    expect(h.stats.mostOpen).toBe(2);
    // C's input needs a place: B (written before A's a2) is the least recently written.
    expect(h.events.slice(0, 5)).toStrictEqual(["open A#0", "open B#0", "close B#0", "create B#0", "open C#0"]);
    expect(slots).toStrictEqual(["A#0", "B#0", "A#0", "C#0", "B#1", "A#0"]);
    expectJobsHoldTheirRequests(jobs, requests, slots);
  });
});

describe("batch planner: jobs created at finish, refusal and abort", () => {
  it("with createJobs: finish, asks beforeCreate about every planned job in order, then closes inputs, then creates every job in order", async () => {
    const seen: string[][] = [];
    const h = fakeProvider({ createJobs: "finish", maxLines: 2 }, (jobs) => void seen.push(jobs.map((job) => `${job.slot} ${job.n} ${job.ordinal} ${job.lines}`)));
    const requests = [request("a1", "A"), request("a2", "A"), request("b1", "B"), request("a3", "A")];
    const { slots, jobs } = await place(h, requests);
    expect(seen).toStrictEqual([["A#0 0 0 2", "B#0 0 1 1", "A#1 1 2 1"]]);
    expect(h.events).toStrictEqual(["whole A#0", "whole B#0", "whole A#1", "create A#0", "create B#0", "create A#1"]);
    expectJobsHoldTheirRequests(jobs, requests, slots);
  });

  it("with createJobs: finish, holds a full job's buffer (nothing is sent before beforeCreate), sending it whole once it is the largest past the budget", async () => {
    const refused = fakeProvider({ createJobs: "finish", maxLines: 2 }, () => {
      throw new Error("refused");
    });
    for (const id of ["a1", "a2", "a3", "a4", "a5"]) await refused.add(request(id, "A"));
    await expect(refused.planner.finish()).rejects.toThrow("refused");
    expect(refused.events).toStrictEqual(["session abort"]);

    const h = fakeProvider({ createJobs: "finish", maxLines: 2, bufferBytes: 50 });
    const requests = [request("a1", "A", 20), request("a2", "A", 20), request("b1", "B", 5), request("a3", "A", 20)];
    const slots: string[] = [];
    for (const item of requests) slots.push(await h.add(item));
    // a3 makes 65 bytes: the largest buffer is the full A#0, sent whole (A#1 keeps buffering).
    expect(h.events).toStrictEqual(["whole A#0"]);
    const jobs = await h.planner.finish();
    expect(slots).toStrictEqual(["A#0", "A#0", "B#0", "A#1"]);
    expect(h.events).toStrictEqual(["whole A#0", "whole B#0", "whole A#1", "create A#0", "create B#0", "create A#1"]);
    expectJobsHoldTheirRequests(jobs, requests, slots);
  });

  it("a refusal from beforeCreate creates no job, aborts the open inputs and the session, and is thrown", async () => {
    const h = fakeProvider({ createJobs: "finish", bufferBytes: 15 }, () => {
      throw new Error("too small");
    });
    await h.add(request("a1", "A", 20));
    await h.add(request("b1", "B", 5));
    await expect(h.planner.finish()).rejects.toThrow("too small");
    expect(h.events).toStrictEqual(["open A#0", "abort A#0", "session abort"]);
    expect(h.artifacts).toStrictEqual([]);
    await h.planner.abort(new Error("again"));
    expect(h.events.filter((event) => event === "session abort")).toHaveLength(1);
  });

  it("abort stops the open inputs, drops the buffers and lets the provider undo what it created; add afterwards throws", async () => {
    const h = fakeProvider({ bufferBytes: 50 });
    await h.add(request("a1", "A", 60));
    await h.add(request("b1", "B", 10));
    await h.planner.abort(new Error("client went away"));
    expect(h.events).toStrictEqual(["open A#0", "abort A#0", "session abort"]);
    expect(h.stats.open).toBe(0);
    await expect(h.add(request("b2", "B"))).rejects.toThrow("aborted");
  });

  it("a job create that fails while finishing aborts what is still open, and is thrown", async () => {
    const h = fakeProvider({ bufferBytes: 50 }, undefined, "B#0");
    await h.add(request("a1", "A", 60));
    await h.add(request("b1", "B", 10));
    await h.add(request("c1", "C", 10));
    await expect(h.planner.finish()).rejects.toThrow("create B#0 failed");
    expect(h.events).toStrictEqual(["open A#0", "close A#0", "create A#0", "whole B#0", "session abort"]);
    // What was created is recorded, for the service to delete.
    expect(h.artifacts.map((artifact) => artifact.nativeId)).toStrictEqual(["input-A#0", "job-A#0", "input-B#0"]);
  });

  it("place gives the slot itself when nothing is awaited, a promise when the budget moves a buffer, and the same jobs as add", async () => {
    const h = fakeProvider({ bufferBytes: 50 });
    const translate = (item: BatchRequest) => h.planner.place({ customId: item.custom_id, group: item.params.model, model: item.params.model, bytes: encoder.encode(`${item.custom_id}|${"x".repeat(item.params.max_tokens)}\n`) });
    expect(translate(request("a1", "A", 10))).toBe("A#0");
    const moved = translate(request("a2", "A", 60));
    expect(moved).toBeInstanceOf(Promise);
    expect(await moved).toBe("A#0");
    // The input now open takes its group's lines; the fake's write is async, so a promise.
    expect(await translate(request("a3", "A", 10))).toBe("A#0");
    expect(h.events).toStrictEqual(["open A#0"]);
    const jobs = await h.planner.finish();
    expect(jobs.map((job) => [job.slot, job.data.lines])).toStrictEqual([["A#0", ["a1", "a2", "a3"]]]);
    expect(() => h.planner.place({ customId: "late", group: "A", model: "A", bytes: encoder.encode("late|\n") })).toThrow("finished");
  });
});

describe("batch planner: packed lines (packLines)", () => {
  /**
   * A provider whose inputs keep the bytes they are given (copied, as `packLines` asks: each
   * write copies only after a tick, before its promise settles), logging every step.
   */
  function bytesProvider(limits: Partial<JobLimits>, asText = false) {
    const events: string[] = [];
    const closedInput = (job: PlannedJob, text: string): ClosedInput => ({ data: { text } });
    const copied = (pieces: readonly Uint8Array[]) => decoder.decode(concatBytes(pieces));
    const provider: ProviderJobs = {
      limits: () => ({ ...LIMITS, ...limits }),
      translate: (item) => {
        const head = `${item.custom_id}|`;
        // Mostly two-byte characters; every third request ASCII only.
        const fill = item.custom_id.endsWith("0") || item.custom_id.endsWith("3") ? "a" : "é";
        const text = `${head}${fill.repeat(Math.max(0, Math.floor((item.params.max_tokens - head.length - 1) / fill.length / (fill === "a" ? 1 : 2))))}\n`;
        if (asText) return { customId: item.custom_id, group: item.params.model, model: item.params.model, text };
        return { customId: item.custom_id, group: item.params.model, model: item.params.model, bytes: encoder.encode(text) };
      },
      session: () => ({
        async openInput(job) {
          events.push(`open ${job.slot}`);
          const kept: Uint8Array[] = [];
          return {
            write: async (bytes) => {
              await Promise.resolve();
              kept.push(bytes.slice());
            },
            close: async () => {
              events.push(`close ${job.slot}`);
              return closedInput(job, copied(kept));
            },
            abort: async () => void events.push(`abort ${job.slot}`),
          };
        },
        async sendWhole(job, lines) {
          events.push(`whole ${job.slot}`);
          await Promise.resolve();
          return closedInput(job, copied(lines));
        },
        async createJob(job, input) {
          events.push(`create ${job.slot}`);
          return { nativeId: `job-${job.slot}`, data: input.data };
        },
        async abort() {
          events.push("session abort");
        },
      }),
    };
    const ctx: ProviderContext = { env: {}, fetch: (() => Promise.reject(new Error("no fetch"))) as typeof fetch, clientBetas: [] };
    const planner = new BatchPlanner(provider, ctx, { batchId: "msgbatch_test", sink: { record: async () => {} } });
    const lineOf = (item: BatchRequest) => {
      const line = provider.translate(item, new Map(), ctx);
      return line.text ?? decoder.decode(line.bytes);
    };
    return { planner, events, add: (item: BatchRequest) => planner.add(provider.translate(item, new Map(), ctx)), lineOf };
  }

  function concatBytes(pieces: readonly Uint8Array[]): Uint8Array {
    const bytes = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.byteLength, 0));
    let offset = 0;
    for (const piece of pieces) {
      bytes.set(piece, offset);
      offset += piece.byteLength;
    }
    return bytes;
  }

  it("plans exactly as without packing, and lines given as text as lines given as bytes: the same slots, steps and jobs, each input byte for byte its lines, while full slabs are reused from job to job", async () => {
    // Three models; A's lines run past maxLines (so A has several jobs, each buffered again
    // after the one before was sent), some lines larger than a slab (64 KiB), all within a
    // budget that moves buffers to streaming inputs and sends small ones whole.
    const models = ["A", "A", "B", "A", "C", "A"];
    const requests = Array.from({ length: 900 }, (_, index) => request(`r${index}`, models[index % models.length]!, index % 97 === 5 ? 150_000 : index % 89 === 7 ? 100_000 : 200 + (index % 23) * 90));
    const limits: Partial<JobLimits> = { bufferBytes: 256 * 1024, maxLines: 150, maxOpenInputs: 2, streamFromBytes: 32 * 1024, lineOverheadBytes: 40 };
    const runs = [];
    // Lines as bytes, then as text (encoded by the planner: through its 64 KiB scratch buffer,
    // or, for a line larger than that (r7: 50,000 characters, 100 KB), a buffer of its own),
    // each unpacked and packed.
    for (const [packLines, asText] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const h = bytesProvider({ ...limits, packLines }, asText);
      const slots: string[] = [];
      for (const item of requests) slots.push(await h.add(item));
      const jobs = await h.planner.finish();
      runs.push({ slots, events: h.events, jobs });
      for (const job of jobs) {
        expect(job.data.text).toBe(requests.filter((_, index) => slots[index] === job.slot).map(h.lineOf).join(""));
      }
    }
    const [unpacked, ...others] = runs;
    for (const other of others) {
      expect(other.slots).toStrictEqual(unpacked!.slots);
      expect(other.events).toStrictEqual(unpacked!.events);
      expect(other.jobs).toStrictEqual(unpacked!.jobs);
    }
    const packed = others[0];
    expect(packed!.events.filter((event) => event.startsWith("whole")).length).toBeGreaterThan(0);
    expect(packed!.events.filter((event) => event.startsWith("open")).length).toBeGreaterThan(1);
  });
});

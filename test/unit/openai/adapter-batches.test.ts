/**
 * The OpenAI adapter's batches against the fake: what the writer sends upstream, exactly,
 * and how jobs are polled, read, cancelled and cleaned up.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { openaiAdapter } from "../../../src/providers/openai";
import { readConfig } from "../../../src/providers/openai/config";
import type { ProviderContext, ResolvedFile } from "../../../src/providers/types";
import type { Artifact } from "../../../src/domain/artifact";
import type { BatchRequest } from "../../../src/domain/batch-request";
import type { BatchResultLine } from "../../../src/domain/batch-result";
import type { JobRef } from "../../../src/domain/job-record";
import type { FakeOpenAI } from "../../fakes/openai/index.ts";
import { planBatch, check, createUpstreamBatch, messageRequest, pollToEnd as pollJobToEnd, resultsOf } from "../support/batches";
import { chatLine, createBatchFrom, uploadFile } from "../support/fakes";
import { OPENAI, providerHarness, type ProviderHarness } from "../support/harness";
import { bodyText } from "../support/helpers";

const { origin: BASE, key: KEY, now: NOW } = OPENAI;

const batches = openaiAdapter.batches;
let h: ProviderHarness<"openai">;
let fake: FakeOpenAI;
let artifacts: Artifact[];
beforeEach(() => {
  h = providerHarness("openai");
  fake = h.fake;
  artifacts = [];
});

const sink = { record: async (artifact: Artifact) => void artifacts.push(artifact) };

function request(customId: string, model: string, text: string, extra: Record<string, unknown> = {}): BatchRequest {
  return messageRequest(customId, model, text, { max_tokens: 100, ...extra });
}

async function write(ctx: ProviderContext, requests: BatchRequest[], files: ReadonlyMap<string, ResolvedFile> = new Map()) {
  return createUpstreamBatch(h, requests, { batchId: "msgbatch_test", ctx, sink, files, adapter: openaiAdapter });
}

async function collect(ctx: ProviderContext, job: JobRef): Promise<BatchResultLine[]> {
  return resultsOf(h, job, { ctx, sorted: true, adapter: openaiAdapter });
}

async function pollToEnd(ctx: ProviderContext, job: JobRef) {
  const { status, job: ended } = await pollJobToEnd(h, job, { ctx, adapter: openaiAdapter });
  return { status, job: ended };
}

async function fileText(fileId: string): Promise<string> {
  return bodyText(await h.call("GET", `/v1/files/${fileId}/content`));
}

function jsonl(lines: unknown[]): string {
  return lines.map((line) => `${JSON.stringify(line)}\n`).join("");
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

/** The batch input line the writer makes of a plain text `request(…)`. */
function chatInputLine(item: BatchRequest): string {
  const { model, messages, max_tokens } = item.params;
  return jsonl([{ custom_id: item.custom_id, method: "POST", url: "/v1/chat/completions", body: { model, messages, max_tokens } }]);
}

/**
 * A context on the fake that records how each `POST /v1/files` body was sent (whole bytes, so
 * with a Content-Length, or a stream), how many streaming uploads were open at once, and how
 * many body bytes reached the fake.
 */
function recordingUploads(env: Record<string, string> = {}) {
  const base = h.context({ env: env });
  const bodies: ("bytes" | "stream")[] = [];
  const stats = { open: 0, mostOpen: 0, received: 0 };
  const count = () =>
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        stats.received += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
  const ctx: ProviderContext = {
    ...base,
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (init?.method !== "POST" || url.pathname !== "/v1/files") return base.fetch(input, init);
      if (init.body instanceof ReadableStream) {
        bodies.push("stream");
        stats.mostOpen = Math.max(stats.mostOpen, ++stats.open);
        try {
          return await base.fetch(input, { ...init, body: init.body.pipeThrough(count()), duplex: "half" } as RequestInit);
        } finally {
          stats.open -= 1;
        }
      }
      expect(init.body).toBeInstanceOf(Uint8Array);
      bodies.push("bytes");
      stats.received += (init.body as Uint8Array).byteLength;
      return base.fetch(input, init);
    }) as typeof fetch,
  };
  return { ctx, bodies, stats };
}

/** Each job's input file holds exactly the requests whose slot is the job's, for its model only. */
async function expectFilesHoldTheirRequests(jobs: JobRef[], requests: BatchRequest[], slots: string[]): Promise<void> {
  const slotOf = new Map<string, string>();
  for (const job of jobs) {
    const lines = (await fileText(job.data.inputFileId as string)).split("\n").filter((line) => line.length > 0);
    expect(lines).toHaveLength(job.requestCount);
    expect(new Set(jobs.map((other) => other.slot)).size).toBe(jobs.length);
    for (const text of lines) {
      const line = JSON.parse(text) as { custom_id: string; body: { model: string } };
      expect(line.body.model).toBe(job.model);
      expect(slotOf.has(line.custom_id)).toBe(false);
      slotOf.set(line.custom_id, job.slot);
    }
  }
  expect(requests.map((item) => slotOf.get(item.custom_id))).toStrictEqual(slots);
}

describe("check", () => {
  it("runs the translation without any I/O", () => {
    expect(() => check(batches, request("a", "gpt-4o", "x", { top_k: 3 }), new Map())).toThrow("params.top_k: has no equivalent on provider openai");
    expect(() => check(batches, request("a", "gpt-4o", "x"), new Map())).not.toThrow();
    expect(fake.calls).toStrictEqual([]);
  });
});

describe("create", () => {
  it("buffers a small batch and, at finish, sends one JSONL file per model, whole, and creates one batch per file", async () => {
    const { ctx, bodies } = recordingUploads();
    const writer = planBatch(batches, ctx, { batchId: "msgbatch_test", sink, files: new Map() });
    const slots: string[] = [];
    for (const item of [
      request("a", "gpt-4o-mini", "Hello"),
      request("b", "gpt-4o", "Hi", { system: "Be brief.", max_tokens: 50 }),
      request("c", "gpt-4o-mini", "FAIL_REQUEST please"),
    ]) {
      slots.push(await writer.add(item));
    }
    expect(fake.calls).toStrictEqual([]);
    const jobs = await writer.finish();
    expect(slots).toStrictEqual(["gpt-4o-mini#0", "gpt-4o#0", "gpt-4o-mini#0"]);
    expect(fake.calls.map((call) => `${call.method} ${call.path}`)).toStrictEqual([
      "POST /v1/files",
      "POST /v1/batches",
      "POST /v1/files",
      "POST /v1/batches",
    ]);

    const miniLines = jsonl([
      { custom_id: "a", method: "POST", url: "/v1/chat/completions", body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello" }], max_tokens: 100 } },
      { custom_id: "c", method: "POST", url: "/v1/chat/completions", body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "FAIL_REQUEST please" }], max_tokens: 100 } },
    ]);
    const fourOLines = jsonl([
      {
        custom_id: "b",
        method: "POST",
        url: "/v1/chat/completions",
        body: { model: "gpt-4o", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }], max_tokens: 50 },
      },
    ]);
    const bytes = (text: string) => new TextEncoder().encode(text).byteLength;
    expect(fake.calls[0]?.form).toStrictEqual({
      fields: { purpose: "batch" },
      files: [{ name: "file", filename: "batchbridge-msgbatch_test-0.jsonl", contentType: "application/jsonl", size: bytes(miniLines) }],
    });
    expect(fake.calls[2]?.form).toStrictEqual({
      fields: { purpose: "batch" },
      files: [{ name: "file", filename: "batchbridge-msgbatch_test-1.jsonl", contentType: "application/jsonl", size: bytes(fourOLines) }],
    });

    // Whole bodies, each with a known length (a Content-Length), not streams.
    expect(bodies).toStrictEqual(["bytes", "bytes"]);

    // finish sends the files in the order their models first came.
    const [mini, fourO] = jobs;
    expect(jobs).toStrictEqual([
      { slot: "gpt-4o-mini#0", nativeId: mini!.nativeId, model: "gpt-4o-mini", requestCount: 2, data: { inputFileId: mini!.data.inputFileId } },
      { slot: "gpt-4o#0", nativeId: fourO!.nativeId, model: "gpt-4o", requestCount: 1, data: { inputFileId: fourO!.data.inputFileId } },
    ]);
    expect(await fileText(mini!.data.inputFileId as string)).toBe(miniLines);
    expect(await fileText(fourO!.data.inputFileId as string)).toBe(fourOLines);
    for (const [index, job] of [mini!, fourO!].entries()) {
      const call = fake.calls[1 + 2 * index]!;
      expect(call.headers).toStrictEqual({ authorization: `Bearer ${KEY}`, "content-type": "application/json" });
      expect(JSON.parse(call.body!)).toStrictEqual({
        input_file_id: job.data.inputFileId,
        endpoint: "/v1/chat/completions",
        completion_window: "24h",
        metadata: { batchbridge_batch_id: "msgbatch_test" },
        output_expires_after: { anchor: "created_at", seconds: 2592000 },
      });
    }
    expect(artifacts).toStrictEqual([
      { kind: "file", nativeId: mini!.data.inputFileId },
      { kind: "batch", nativeId: mini!.nativeId, data: { inputFileId: mini!.data.inputFileId } },
      { kind: "file", nativeId: fourO!.data.inputFileId },
      { kind: "batch", nativeId: fourO!.nativeId, data: { inputFileId: fourO!.data.inputFileId } },
    ]);
  });

  it("starts a new file at OPENAI_BATCH_MAX_LINES", async () => {
    const ctx = h.context({ env: { OPENAI_BATCH_MAX_LINES: "2" } });
    const { slots, jobs } = await write(ctx, ["a", "b", "c", "d", "e"].map((id) => request(id, "gpt-4o-mini", id)));
    expect(slots).toStrictEqual(["gpt-4o-mini#0", "gpt-4o-mini#0", "gpt-4o-mini#1", "gpt-4o-mini#1", "gpt-4o-mini#2"]);
    expect(jobs.map((job) => [job.slot, job.requestCount])).toStrictEqual([
      ["gpt-4o-mini#0", 2],
      ["gpt-4o-mini#1", 2],
      ["gpt-4o-mini#2", 1],
    ]);
    expect(fake.calls.map((call) => `${call.method} ${call.path}`)).toStrictEqual([
      "POST /v1/files",
      "POST /v1/batches",
      "POST /v1/files",
      "POST /v1/batches",
      "POST /v1/files",
      "POST /v1/batches",
    ]);
  });

  it("starts a new file before OPENAI_BATCH_MAX_BYTES", async () => {
    const ctx = h.context({ env: { OPENAI_BATCH_MAX_BYTES: "300" } });
    const { jobs } = await write(ctx, ["a", "b", "c", "d"].map((id) => request(id, "gpt-4o-mini", `request ${id}`)));
    const sizes = fake.calls.filter((call) => call.form).map((call) => call.form!.files[0]!.size);
    expect(jobs.length).toBe(sizes.length);
    expect(jobs.length).toBeGreaterThan(1);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(300);
    expect(jobs.reduce((sum, job) => sum + job.requestCount, 0)).toBe(4);
  });

  it("20 requests round-robin over 5 models: 5 files and 5 jobs, each file holding exactly its model's lines, nothing sent before finish", async () => {
    const { ctx, bodies } = recordingUploads();
    const models = ["gpt-4o-1", "gpt-4o-2", "gpt-4o-3", "gpt-4o-4", "gpt-4o-5"];
    const requests = Array.from({ length: 20 }, (_, i) => request(`r${i}`, models[i % 5]!, `prompt ${Math.floor(i / 5)}`));
    const writer = planBatch(batches, ctx, { batchId: "msgbatch_test", sink, files: new Map() });
    const slots: string[] = [];
    for (const item of requests) slots.push(await writer.add(item));
    expect(fake.calls).toStrictEqual([]);
    const jobs = await writer.finish();

    expect(slots).toStrictEqual(requests.map((item) => `${item.params.model}#0`));
    expect(fake.calls.map((call) => `${call.method} ${call.path}`)).toStrictEqual(models.flatMap(() => ["POST /v1/files", "POST /v1/batches"]));
    expect(bodies).toStrictEqual(models.map(() => "bytes"));
    expect(jobs.map((job) => [job.slot, job.model, job.requestCount])).toStrictEqual(models.map((model) => [`${model}#0`, model, 4]));
    for (const [index, job] of jobs.entries()) {
      const expected = requests
        .filter((item) => item.params.model === models[index])
        .map(chatInputLine)
        .join("");
      expect(fake.calls[2 * index]?.form).toStrictEqual({
        fields: { purpose: "batch" },
        files: [{ name: "file", filename: `batchbridge-msgbatch_test-${index}.jsonl`, contentType: "application/jsonl", size: byteLength(expected) }],
      });
      expect(await fileText(job.data.inputFileId as string)).toBe(expected);
      expect(JSON.parse(fake.calls[2 * index + 1]!.body!).input_file_id).toBe(job.data.inputFileId);
    }
    expect(artifacts.map((artifact) => artifact.kind)).toStrictEqual(models.flatMap(() => ["file", "batch"]));
  });

  it("past the buffer budget moves the largest buffer to a streaming upload; at most 4 are open, and a 5th finishes the least recently written", async () => {
    // Each line costs about 5.3 KB: a model's second line takes the buffers past the 8 KiB budget.
    const { ctx, bodies, stats } = recordingUploads({ OPENAI_BATCH_BUFFER_BYTES: "8192" });
    const models = ["gpt-4o-1", "gpt-4o-2", "gpt-4o-3", "gpt-4o-4", "gpt-4o-5"];
    const order = [...models.flatMap((model) => [model, model]), "gpt-4o-1"];
    const requests = order.map((model, i) => request(`r${i}`, model, `${i} ${"x".repeat(5000)}`));
    const { slots, jobs } = await write(ctx, requests);

    expect(stats.mostOpen).toBe(4);
    expect(slots).toStrictEqual([...models.flatMap((model) => [`${model}#0`, `${model}#0`]), "gpt-4o-1#1"]);
    expect(fake.calls.map((call) => `${call.method} ${call.path}`)).toStrictEqual([
      "POST /v1/files", // gpt-4o-1 moves to an upload at its second line, then 2, 3 and 4
      "POST /v1/files",
      "POST /v1/files",
      "POST /v1/files",
      "POST /v1/batches", // gpt-4o-1's file is finished before gpt-4o-5 gets an upload
      "POST /v1/files",
      "POST /v1/batches", // finish: the open uploads of 2, 3, 4 and 5
      "POST /v1/batches",
      "POST /v1/batches",
      "POST /v1/batches",
      "POST /v1/files", // gpt-4o-1's third line, buffered: sent whole
      "POST /v1/batches",
    ]);
    expect(bodies).toStrictEqual(["stream", "stream", "stream", "stream", "stream", "bytes"]);
    expect(jobs.map((job) => [job.slot, job.requestCount])).toStrictEqual([
      ["gpt-4o-1#0", 2],
      ["gpt-4o-2#0", 2],
      ["gpt-4o-3#0", 2],
      ["gpt-4o-4#0", 2],
      ["gpt-4o-5#0", 2],
      ["gpt-4o-1#1", 1],
    ]);
    for (const job of jobs) {
      const expected = requests.filter((_, i) => slots[i] === job.slot).map(chatInputLine).join("");
      expect(await fileText(job.data.inputFileId as string)).toBe(expected);
    }
  });

  it("keeps a large batch over several models within a small budget (OPENAI_BATCH_BUFFER_BYTES): few files, each holding only its model's lines", async () => {
    const budget = 64 * 1024;
    const { ctx, bodies, stats } = recordingUploads({ OPENAI_BATCH_BUFFER_BYTES: String(budget) });
    const models = Array.from({ length: 6 }, (_, i) => `gpt-4o-${i}`);
    const requests = Array.from({ length: 2400 }, (_, i) => request(`r${i}`, models[i % models.length]!, `${i} ${"y".repeat(2000)}`));
    const writer = planBatch(batches, ctx, { batchId: "msgbatch_test", sink, files: new Map() });
    const slots: string[] = [];
    let added = 0;
    let mostHeld = 0;
    for (const item of requests) {
      slots.push(await writer.add(item));
      added += byteLength(chatInputLine(item));
      mostHeld = Math.max(mostHeld, added - stats.received);
    }
    const sentBeforeFinish = fake.calls.filter((call) => call.form).map((call) => call.form!.files[0]!.size);
    const jobs = await writer.finish();

    // About 5 MB went through a writer that held at most the budget and, per open upload, a
    // chunk on its way (64 KiB; the streams between the writer and the fake may hold another).
    expect(added).toBeGreaterThan(5_000_000);
    expect(mostHeld).toBeLessThan(budget + 4 * 2 * 64 * 1024);
    expect(stats.mostOpen).toBe(4);
    expect(bodies).toContain("stream");
    // Every file finished early held at least an eighth of the budget.
    expect(sentBeforeFinish.length).toBeGreaterThan(0);
    for (const size of sentBeforeFinish) expect(size).toBeGreaterThanOrEqual(budget / 8);
    expect(jobs.length).toBeLessThan(requests.length / 10);
    await expectFilesHoldTheirRequests(jobs, requests, slots);
  });

  it("streams lines larger than an upload chunk (64 KiB) and lines that straddle chunks, byte for byte", async () => {
    const { ctx, bodies } = recordingUploads({ OPENAI_BATCH_BUFFER_BYTES: String(64 * 1024) });
    const requests = Array.from({ length: 120 }, (_, i) => request(`r${i}`, "gpt-4o-mini", `${i} ${"w".repeat(i % 40 === 7 ? 150_000 : 1_500 + i)}`));
    const writer = planBatch(batches, ctx, { batchId: "msgbatch_test", sink, files: new Map() });
    for (const item of requests) await writer.add(item);
    const jobs = await writer.finish();
    expect(bodies).toContain("stream");
    expect(jobs).toHaveLength(1);
    expect(await fileText(jobs[0]!.data.inputFileId as string)).toBe(requests.map(chatInputLine).join(""));
  });

  it("with more than 8 models past the budget, sends the largest buffer whole when it holds less than an eighth of the budget", async () => {
    const budget = 16 * 1024;
    const { ctx, bodies, stats } = recordingUploads({ OPENAI_BATCH_BUFFER_BYTES: String(budget) });
    const models = Array.from({ length: 20 }, (_, i) => `gpt-4o-${i}`);
    const requests = Array.from({ length: 400 }, (_, i) => request(`r${i}`, models[i % models.length]!, `${i} ${"z".repeat(500)}`));
    const writer = planBatch(batches, ctx, { batchId: "msgbatch_test", sink, files: new Map() });
    const slots: string[] = [];
    let added = 0;
    let mostHeld = 0;
    for (const item of requests) {
      slots.push(await writer.add(item));
      added += byteLength(chatInputLine(item));
      mostHeld = Math.max(mostHeld, added - stats.received);
    }
    const early = fake.calls.filter((call) => call.form).map((call, i) => [bodies[i], call.form!.files[0]!.size] as const);
    const jobs = await writer.finish();

    expect(mostHeld).toBeLessThan(budget + 4 * 2 * 64 * 1024);
    expect(stats.mostOpen).toBeLessThanOrEqual(4);
    // 20 buffers share 16 KiB: the largest, under its 2 KiB eighth, went whole…
    const whole = early.filter(([kind]) => kind === "bytes");
    expect(whole.length).toBeGreaterThan(0);
    for (const [, size] of whole) expect(size).toBeLessThan(budget / 8);
    // …while a buffer that reached the eighth got an upload.
    for (const [kind, size] of early) if (kind === "stream") expect(size).toBeGreaterThanOrEqual(budget / 8);
    await expectFilesHoldTheirRequests(jobs, requests, slots);
  });

  it("sends a gateway file as the OpenAI file it maps to", async () => {
    const ctx = h.ctx;
    const stored = await uploadFile(h, { filename: "report.pdf", purpose: "user_data", content: "%PDF" });
    const files = new Map<string, ResolvedFile>([
      ["file_011GW", { gatewayId: "file_011GW", nativeId: stored.id as string, filename: "report.pdf", mimeType: "application/pdf", native: {} }],
    ]);
    const params = {
      model: "gpt-4o",
      max_tokens: 10,
      messages: [{ role: "user", content: [{ type: "document", source: { type: "file", file_id: "file_011GW" } }, { type: "text", text: "Summarise" }] }],
    };
    const { jobs } = await write(ctx, [{ custom_id: "doc", params }], files);
    expect(await fileText(jobs[0]!.data.inputFileId as string)).toBe(
      jsonl([
        {
          custom_id: "doc",
          method: "POST",
          url: "/v1/chat/completions",
          body: {
            model: "gpt-4o",
            messages: [{ role: "user", content: [{ type: "file", file: { file_id: stored.id } }, { type: "text", text: "Summarise" }] }],
            max_tokens: 10,
          },
        },
      ]),
    );
    const { job } = await pollToEnd(ctx, jobs[0]!);
    const [line] = await collect(ctx, job);
    expect(line?.result.type).toBe("succeeded");
  });
});

describe("retrieve and results", () => {
  it("polls to ended with running counts, then reads every custom_id exactly once", async () => {
    const ctx = h.ctx;
    const { jobs } = await write(ctx, [request("a", "gpt-4o-mini", "Hello"), request("c", "gpt-4o-mini", "FAIL_REQUEST please")]);
    let job = jobs[0]!;
    const inputFileId = job.data.inputFileId;

    const first = await batches.retrieve(ctx, job);
    expect(first).toStrictEqual({
      state: "in_progress",
      counts: { processing: 1, succeeded: 1, errored: 0, canceled: 0, expired: 0 },
      endedAt: null,
      data: { inputFileId, outputFileId: null, errorFileId: null },
    });
    const second = await batches.retrieve(ctx, job);
    expect(second).toMatchObject({ state: "in_progress", counts: { processing: 0, succeeded: 1, errored: 1, canceled: 0, expired: 0 } });

    const ended = await batches.retrieve(ctx, job);
    const { outputFileId, errorFileId } = ended.data as Record<string, string>;
    expect(ended).toStrictEqual({
      state: "ended",
      counts: { processing: 0, succeeded: 1, errored: 1, canceled: 0, expired: 0 },
      endedAt: "2024-04-24T23:06:40Z",
      // A completed batch ran every request: one no file mentions is OpenAI's loss.
      unrun: {
        type: "errored",
        error: {
          type: "error",
          error: { type: "api_error", message: "openai upstream error: the batch ended without a result for this request (OpenAI's output and error files have no line with its custom_id)" },
          request_id: null,
        },
      },
      data: { inputFileId, outputFileId, errorFileId },
      outputFiles: [
        {
          nativeId: outputFileId,
          filename: `msgbatch_test_${job.slot.replace("#", "-")}_output.jsonl`,
          mimeType: "application/jsonl",
          sizeBytes: expect.any(Number),
          createdAt: "2024-04-24T23:06:40Z",
          downloadable: true,
          expiresAt: "2024-05-24T23:06:40Z",
          native: { purpose: "batch_output", mimeType: "application/jsonl" },
        },
        {
          nativeId: errorFileId,
          filename: `msgbatch_test_${job.slot.replace("#", "-")}_errors.jsonl`,
          mimeType: "application/jsonl",
          sizeBytes: expect.any(Number),
          createdAt: "2024-04-24T23:06:40Z",
          downloadable: true,
          expiresAt: "2024-05-24T23:06:40Z",
          native: { purpose: "batch_output", mimeType: "application/jsonl" },
        },
      ],
    });

    job = { ...job, data: ended.data! };
    expect(await collect(ctx, job)).toStrictEqual([
      {
        custom_id: "a",
        result: {
          type: "succeeded",
          message: {
            id: expect.stringMatching(/^msg_chatcmpl-/),
            type: "message",
            role: "assistant",
            model: "gpt-4o-mini",
            content: [{ type: "text", text: "echo: Hello" }],
            stop_reason: "end_turn",
            stop_sequence: null,
            usage: { input_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 2, output_tokens_details: { thinking_tokens: 0 }, service_tier: "batch" },
          },
        },
      },
      {
        custom_id: "c",
        result: {
          type: "errored",
          error: {
            type: "error",
            error: { type: "invalid_request_error", message: "The simulated model failed this request, as FAIL_REQUEST asks." },
            request_id: expect.stringMatching(/^[0-9a-f]{32}$/),
          },
        },
      },
    ]);
    const reads = fake.calls.filter((call) => call.path.endsWith("/content"));
    expect(reads.map((call) => [call.path, call.headers.accept])).toStrictEqual([
      [`/v1/files/${outputFileId}/content`, "application/binary"],
      [`/v1/files/${errorFileId}/content`, "application/binary"],
    ]);
  });

  it("finds the result files itself when the job data does not name them yet", async () => {
    const ctx = h.ctx;
    const { jobs } = await write(ctx, [request("a", "gpt-4o-mini", "Hello")]);
    await pollToEnd(ctx, jobs[0]!);
    const lines = await collect(ctx, jobs[0]!);
    expect(lines.map((line) => [line.custom_id, line.result.type])).toStrictEqual([["a", "succeeded"]]);
  });

  it("translates tool calls and length stops", async () => {
    const ctx = h.ctx;
    const tools = [{ name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }];
    const { jobs } = await write(ctx, [
      request("tool", "gpt-4o", "CALL_TOOL for Paris", { tools, tool_choice: { type: "any" } }),
      request("long", "gpt-4o", "HIT_MAX_TOKENS now"),
    ]);
    const { job } = await pollToEnd(ctx, jobs[0]!);
    const [long, tool] = await collect(ctx, job);
    expect(tool?.result).toMatchObject({
      type: "succeeded",
      message: { content: [{ type: "tool_use", id: expect.stringMatching(/^call_/), name: "get_weather", input: { city: "Paris" } }], stop_reason: "tool_use" },
    });
    expect(long?.result).toMatchObject({ type: "succeeded", message: { content: [{ type: "text", text: "echo: HIT_MAX_TOKENS now" }], stop_reason: "max_tokens" } });
  });

  it("ends a batch that failed validation with every request errored, carrying the errors", async () => {
    const ctx = h.ctx;
    const line = chatLine("dup", { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] });
    const nativeId = await createBatchFrom(h, [line, line]);
    const job: JobRef = { slot: "gpt-4o-mini#0", nativeId, model: "gpt-4o-mini", requestCount: 2, data: { inputFileId: "file-x" } };
    const status = await batches.retrieve(ctx, job);
    expect(status).toStrictEqual({
      state: "ended",
      counts: { processing: 0, succeeded: 0, errored: 2, canceled: 0, expired: 0 },
      endedAt: "2024-04-24T23:06:40Z",
      unrun: {
        type: "errored",
        error: {
          type: "error",
          error: {
            type: "invalid_request_error",
            message:
              "openai failed the batch during input validation: line 2: The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each individual request in a batch. (duplicate_custom_id)",
          },
          request_id: null,
        },
      },
      data: { inputFileId: "file-x", outputFileId: null, errorFileId: null },
      outputFiles: [],
    });
    expect(await collect(ctx, { ...job, data: status.data! })).toStrictEqual([]);
  });
});

describe("cancel and expiry", () => {
  const four = () => [
    request("r1", "gpt-4o-mini", "one"),
    request("r2", "gpt-4o-mini", "two"),
    request("r3", "gpt-4o-mini", "three"),
    request("r4", "gpt-4o-mini", "four"),
  ];

  it("cancels: canceling, then ended with the unrun requests canceled", async () => {
    const ctx = h.ctx;
    const { jobs } = await write(ctx, four());
    const job = jobs[0]!;
    await batches.retrieve(ctx, job); // in_progress: r1 and r2 ran
    await batches.cancel(ctx, job);
    expect(fake.calls.at(-1)).toMatchObject({ method: "POST", path: `/v1/batches/${job.nativeId}/cancel`, headers: { authorization: `Bearer ${KEY}` } });
    const status = await batches.retrieve(ctx, job);
    expect(status).toMatchObject({
      state: "ended",
      counts: { processing: 0, succeeded: 2, errored: 0, canceled: 2, expired: 0 },
      unrun: { type: "canceled" },
    });
    const lines = await collect(ctx, { ...job, data: status.data! });
    expect(lines.map((line) => [line.custom_id, line.result.type])).toStrictEqual([
      ["r1", "succeeded"],
      ["r2", "succeeded"],
    ]);
    // Cancelling a batch that has ended is not an error.
    await expect(batches.cancel(ctx, job)).resolves.toBeUndefined();
  });

  it("reports canceling while OpenAI is cancelling", async () => {
    const ctx = h.ctx;
    const { jobs } = await write(ctx, four());
    await batches.cancel(ctx, jobs[0]!);
    const cancelling = (await (await h.call("GET", `/v1/batches`)).json()) as { data: { status: string }[] };
    expect(cancelling.data[0]?.status).toBe("cancelling");
  });

  it("expires: batch_expired lines become expired, counted from the error file", async () => {
    const ctx = h.ctx;
    const requests = four();
    requests[0] = request("r1", "gpt-4o-mini", "FAIL_REQUEST one");
    const { jobs } = await write(ctx, requests);
    const job = jobs[0]!;
    await batches.retrieve(ctx, job); // in_progress: r1 (failed) and r2 ran
    await fake.fetch(new Request(`${BASE}/__fake/batches/${job.nativeId}/expire`, { method: "POST" }));
    const status = await batches.retrieve(ctx, job);
    expect(status).toMatchObject({
      state: "ended",
      counts: { processing: 0, succeeded: 1, errored: 1, canceled: 0, expired: 2 },
      unrun: { type: "expired" },
      data: { errorTally: { fileId: (status.data as Record<string, unknown>).errorFileId, errored: 1, expired: 2, canceled: 0 } },
    });
    const lines = await collect(ctx, { ...job, data: status.data! });
    expect(lines.map((line) => [line.custom_id, line.result.type])).toStrictEqual([
      ["r1", "errored"],
      ["r2", "succeeded"],
      ["r3", "expired"],
      ["r4", "expired"],
    ]);
    // The tally is kept: reading the status again does not read the error file again.
    const reads = fake.calls.filter((call) => call.path.endsWith("/content")).length;
    await batches.retrieve(ctx, { ...job, data: status.data! });
    expect(fake.calls.filter((call) => call.path.endsWith("/content")).length).toBe(reads);
  });
});

describe("deleteArtifact and abort", () => {
  it("deletes files, counting one already gone as deleted", async () => {
    const ctx = h.ctx;
    const file = await uploadFile(h, { filename: "in.jsonl", purpose: "batch", content: "x\n" });
    await batches.deleteArtifact(ctx, { kind: "file", nativeId: file.id as string });
    expect(fake.calls.at(-1)).toMatchObject({ method: "DELETE", path: `/v1/files/${file.id}` });
    await expect(batches.deleteArtifact(ctx, { kind: "file", nativeId: file.id as string })).resolves.toBeUndefined();
  });

  it("cancels a batch that still runs, leaves an ended one, ignores a gone one", async () => {
    const ctx = h.ctx;
    const { jobs } = await write(ctx, [request("a", "gpt-4o-mini", "x")]);
    const id = jobs[0]!.nativeId;
    const before = fake.calls.length;
    await batches.deleteArtifact(ctx, { kind: "batch", nativeId: id });
    expect(fake.calls.slice(before).map((call) => `${call.method} ${call.path}`)).toStrictEqual([`GET /v1/batches/${id}`, `POST /v1/batches/${id}/cancel`]);

    await pollToEnd(ctx, jobs[0]!);
    const after = fake.calls.length;
    await batches.deleteArtifact(ctx, { kind: "batch", nativeId: id });
    expect(fake.calls.slice(after).map((call) => `${call.method} ${call.path}`)).toStrictEqual([`GET /v1/batches/${id}`]);

    await expect(batches.deleteArtifact(ctx, { kind: "batch", nativeId: "batch_gone" })).resolves.toBeUndefined();
    await expect(batches.deleteArtifact(ctx, { kind: "s3-object", nativeId: "x" })).rejects.toThrow("unknown artifact kind s3-object");
  });

  it("abort stops the open upload, cancels created batches and deletes created files", async () => {
    // One line per file, and a budget so small that every line moves to a streaming upload.
    const ctx = h.context({ env: { OPENAI_BATCH_MAX_LINES: "1", OPENAI_BATCH_BUFFER_BYTES: "100" } });
    const writer = planBatch(batches, ctx, { batchId: "msgbatch_test", sink, files: new Map() });
    await writer.add(request("a", "gpt-4o-mini", "x"));
    await writer.add(request("b", "gpt-4o-mini", "y")); // closes the first file: file and batch created
    expect(fake.calls.map((call) => `${call.method} ${call.path}`)).toStrictEqual(["POST /v1/files", "POST /v1/batches", "POST /v1/files"]);
    expect(artifacts.map((artifact) => artifact.kind)).toStrictEqual(["file", "batch"]);
    const [file, batch] = artifacts;
    const before = fake.calls.length;
    await writer.abort(new Error("client went away"));
    expect(fake.calls.slice(before).map((call) => `${call.method} ${call.path}`)).toStrictEqual([
      `POST /v1/batches/${batch!.nativeId}/cancel`,
      `DELETE /v1/files/${file!.nativeId}`,
    ]);
    // The aborted upload never became a file.
    const listed = (await (await h.call("GET", "/v1/files")).json()) as { data: unknown[] };
    expect(listed.data).toStrictEqual([]);
    expect((await (await h.call("GET", "/v1/batches")).json()) as Record<string, unknown>).toMatchObject({ data: [{ status: "cancelling" }] });
  });
});

describe("settings", () => {
  it("OPENAI_BATCH_BUFFER_BYTES: 8 MiB by default, at most 32 MiB, a positive integer", () => {
    const env = { OPENAI_API_KEY: KEY };
    expect(readConfig(env).batchBufferBytes).toBe(8 * 1024 * 1024);
    expect(readConfig({ ...env, OPENAI_BATCH_BUFFER_BYTES: "65536" }).batchBufferBytes).toBe(65536);
    expect(readConfig({ ...env, OPENAI_BATCH_BUFFER_BYTES: String(1024 ** 3) }).batchBufferBytes).toBe(32 * 1024 * 1024);
    expect(() => readConfig({ ...env, OPENAI_BATCH_BUFFER_BYTES: "8MB" })).toThrow('OPENAI_BATCH_BUFFER_BYTES must be a positive integer, got "8MB"');
  });
});

describe("upload time", () => {
  it("stamps files with the fake's clock", async () => {
    const file = await uploadFile(h, { filename: "a.jsonl", purpose: "batch", content: "x" });
    expect(file.created_at).toBe(NOW);
  });
});

import { describe, expect, it } from "vitest";
import { GatewayError, UpstreamError } from "../../../src/lib/errors";
import { geminiAdapter } from "../../../src/providers/gemini/index";
import type { ResolvedFile } from "../../../src/providers/types";
import type { BatchRequest, MessageParams } from "../../../src/domain/batch-request";
import type { JobRef } from "../../../src/domain/job-record";
import type { BatchResultLine } from "../../../src/domain/batch-result";
import { planBatch, check, createUpstreamBatch, messageRequest, pollToEnd as pollJobToEnd } from "../support/batches";
import { GEMINI, providerHarness, type ProviderHarness } from "../support/harness";
import { chunkedStream, collect, recordingSink, rejectionOf } from "../support/helpers";

const { key: API_KEY, origin: BASE_URL } = GEMINI;

const batches = geminiAdapter.batches;

function request(customId: string, model: string, text: string, extra: Partial<MessageParams> = {}): BatchRequest {
  return messageRequest(customId, model, text, extra);
}

function nativeRequest(text: string, extra: Record<string, unknown> = {}) {
  return { contents: [{ role: "user", parts: [{ text }] }], generationConfig: { maxOutputTokens: 64 }, ...extra };
}

async function create(h: ProviderHarness<"gemini">, requests: BatchRequest[], files: ReadonlyMap<string, ResolvedFile> = new Map()) {
  const sink = recordingSink();
  const { jobs, slots } = await createUpstreamBatch(h, requests, { batchId: "msgbatch_test", sink, files, adapter: geminiAdapter });
  return { jobs, slots, artifacts: sink.artifacts };
}

async function pollToEnd(h: ProviderHarness<"gemini">, job: JobRef) {
  const { status, statuses } = await pollJobToEnd(h, job, { carry: false, adapter: geminiAdapter });
  return { status, states: statuses };
}

const weatherTool = {
  name: "get_weather",
  description: "Weather",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
};

describe("gemini batches: file input for every model with more than one request", () => {
  it("sends a model's two or more requests as a JSONL file of {key, request}, and a model's single request inline", async () => {
    const h = providerHarness("gemini");
    const { jobs, slots, artifacts } = await create(h, [
      request("a-1", "gemini-2.5-flash", "Hello"),
      request("b-1", "models/gemini-2.5-pro", "Bonjour", { system: "Be brief." }),
      request("a-2", "gemini-2.5-flash", "World", { temperature: 0.5 }),
    ]);

    expect(slots).toStrictEqual(["gemini-2.5-flash#0", "gemini-2.5-pro#0", "gemini-2.5-flash#0"]);
    expect(h.fake.calls.map((c) => `${c.method} ${c.path} ${c.headers["x-goog-upload-command"] ?? ""}`.trim())).toStrictEqual([
      "POST /upload/v1beta/files start",
      "POST /upload/v1beta/files upload, finalize",
      "POST /v1beta/models/gemini-2.5-flash:batchGenerateContent",
      "POST /v1beta/models/gemini-2.5-pro:batchGenerateContent",
    ]);
    const inputFile = artifacts[0]!.nativeId;
    const lines = new TextDecoder().decode(h.fake.fileContent(inputFile)).trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(lines).toStrictEqual([
      { key: "a-1", request: nativeRequest("Hello") },
      { key: "a-2", request: { contents: [{ role: "user", parts: [{ text: "World" }] }], generationConfig: { maxOutputTokens: 64, temperature: 0.5 } } },
    ]);
    expect(JSON.parse(h.fake.calls[2]!.body!)).toStrictEqual({ batch: { display_name: "batchbridge-msgbatch_test", input_config: { file_name: inputFile } } });
    expect(JSON.parse(h.fake.calls[3]!.body!)).toStrictEqual({
      batch: {
        display_name: "batchbridge-msgbatch_test",
        input_config: {
          requests: { requests: [{ request: nativeRequest("Bonjour", { systemInstruction: { parts: [{ text: "Be brief." }] } }), metadata: { key: "b-1" } }] },
        },
      },
    });

    expect(jobs).toStrictEqual([
      { slot: "gemini-2.5-flash#0", nativeId: expect.stringMatching(/^batches\/[a-z0-9]+$/), model: "gemini-2.5-flash", requestCount: 2, data: { input: "file", inputFile } },
      // The single inline request's custom_id is kept with the job: Gemini's inline responses carry no key.
      { slot: "gemini-2.5-pro#0", nativeId: expect.stringMatching(/^batches\/[a-z0-9]+$/), model: "gemini-2.5-pro", requestCount: 1, data: { input: "inline", key: "b-1" } },
    ]);
    expect(artifacts).toStrictEqual([
      { kind: "file", nativeId: inputFile, data: { purpose: "batch-input", slot: "gemini-2.5-flash#0" } },
      { kind: "batch", nativeId: jobs[0]!.nativeId, data: { model: "gemini-2.5-flash", slot: "gemini-2.5-flash#0" } },
      { kind: "batch", nativeId: jobs[1]!.nativeId, data: { model: "gemini-2.5-pro", slot: "gemini-2.5-pro#0" } },
    ]);
  });

  it("polls PENDING → RUNNING → SUCCEEDED and reads every result exactly once, matched by key though the lines come out of order", async () => {
    const h = providerHarness("gemini");
    const { jobs } = await create(h, [
      request("ok", "gemini-2.5-flash", "Hello there"),
      request("fails", "gemini-2.5-flash", "please FAIL_REQUEST"),
      request("tool", "gemini-2.5-flash", "CALL_TOOL for Paris", { tools: [weatherTool] }),
      request("long", "gemini-2.5-flash", "HIT_MAX_TOKENS now"),
    ]);
    const job = jobs[0]!;
    expect(job.data.input).toBe("file");
    const first = await batches.retrieve(h.ctx, job);
    expect(first).toStrictEqual({ state: "in_progress", counts: { processing: 4, succeeded: 0, errored: 0, canceled: 0, expired: 0 }, endedAt: null });
    const { status } = await pollToEnd(h, job);
    expect(status).toMatchObject({ state: "ended", counts: { processing: 0, succeeded: 3, errored: 1, canceled: 0, expired: 0 }, endedAt: expect.stringMatching(/^\d{4}-/) });

    const results = await collect(batches.results(h.ctx, { ...job, data: status.data! }));
    // The fake returns the lines in reverse order: each is matched by its key, not its position.
    expect(results.map((r) => r.custom_id)).toStrictEqual(["long", "tool", "fails", "ok"]);
    const byId = Object.fromEntries(results.map((r) => [r.custom_id, r.result]));
    expect(byId.ok).toStrictEqual({
      type: "succeeded",
      message: {
        id: expect.stringMatching(/^msg_/),
        type: "message",
        role: "assistant",
        model: "gemini-2.5-flash",
        content: [{ type: "text", text: "echo: Hello there" }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 3, service_tier: "batch" },
      },
    });
    expect(byId.fails).toStrictEqual({
      type: "errored",
      error: {
        type: "error",
        error: { type: "invalid_request_error", message: "gemini upstream error (INVALID_ARGUMENT): Simulated failure: the request asked for FAIL_REQUEST." },
        request_id: null,
      },
    });
    const tool = byId.tool as { type: "succeeded"; message: Record<string, unknown> };
    expect(tool.message.stop_reason).toBe("tool_use");
    expect(tool.message.content).toStrictEqual([{ type: "tool_use", id: expect.stringMatching(/^toolu_[A-Za-z0-9]{24}$/), name: "get_weather", input: { city: "Paris" } }]);
    expect((byId.long as { message: Record<string, unknown> }).message.stop_reason).toBe("max_tokens");
  });

  it("matches a single inline request's response by being the only one, without metadata (the fake sends none)", async () => {
    const h = providerHarness("gemini");
    const { jobs } = await create(h, [request("only", "gemini-2.5-flash", "Hello there")]);
    const { status } = await pollToEnd(h, jobs[0]!);
    expect(status.data).toStrictEqual({ input: "inline", key: "only", output: { inline: true } });
    const results = await collect(batches.results(h.ctx, { ...jobs[0]!, data: status.data! }));
    expect(results).toStrictEqual([{ custom_id: "only", result: expect.objectContaining({ type: "succeeded" }) }]);
    expect((results[0]!.result as unknown as { message: { content: unknown } }).message.content).toStrictEqual([{ type: "text", text: "echo: Hello there" }]);
  });

  it("a key Gemini never returns is that request's errored result, not a failure of the batch", async () => {
    const h = providerHarness("gemini");
    const { jobs } = await create(h, [request("kept", "gemini-2.5-flash", "Hello"), request("lost", "gemini-2.5-flash", "LOSE_RESULT please")]);
    const { status } = await pollToEnd(h, jobs[0]!);
    expect(status.unrun).toStrictEqual({
      type: "errored",
      error: {
        type: "error",
        error: { type: "api_error", message: "gemini upstream error: the batch ended without a result for this request (Gemini returned no line with its key)" },
        request_id: null,
      },
    });
    const results = await collect(batches.results(h.ctx, { ...jobs[0]!, data: status.data! }));
    expect(results.map((r) => [r.custom_id, r.result.type])).toStrictEqual([["kept", "succeeded"]]);
  });

  it("a single inline request whose response never comes back is left to the same errored result", async () => {
    const h = providerHarness("gemini");
    const { jobs } = await create(h, [request("lost", "gemini-2.5-flash", "LOSE_RESULT please")]);
    const { status } = await pollToEnd(h, jobs[0]!);
    expect(status.unrun?.type).toBe("errored");
    expect(await collect(batches.results(h.ctx, { ...jobs[0]!, data: status.data! }))).toStrictEqual([]);
  });

  it("result lines without a key are skipped, not a failure of the batch", async () => {
    const h = providerHarness("gemini");
    const { jobs } = await create(h, [request("a", "gemini-2.5-flash", "Hello"), request("b", "gemini-2.5-flash", "World")]);
    const { status } = await pollToEnd(h, jobs[0]!);
    const responsesFile = (status.data!.output as { responsesFile: string }).responsesFile;
    const ctx = {
      ...h.ctx,
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        const response = await h.ctx.fetch(input, init);
        if (!String(input).includes(`${responsesFile}:download`)) return response;
        const text = await response.text();
        const lines = text.trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
        delete lines[0]!.key;
        return new Response(lines.map((line) => JSON.stringify(line)).join("\n"), { headers: response.headers });
      }) as typeof fetch,
    };
    const results = await collect(batches.results(ctx, { ...jobs[0]!, data: status.data! }));
    expect(results.map((r) => r.custom_id)).toStrictEqual(["a"]);
  });

  // The vault reads resultChunks: the same lines as results, a read at a time, each with the
  // text JSON.stringify gives it; a malformed line is named by its number across reads.
  function servingFile(h: ProviderHarness<"gemini">, responsesFile: string, edit: (text: string) => string) {
    return {
      ...h.ctx,
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        const response = await h.ctx.fetch(input, init);
        if (!String(input).includes(`${responsesFile}:download`)) return response;
        // Small reads, so that lines are split between reads and come in several chunks.
        return new Response(chunkedStream(new TextEncoder().encode(edit(await response.text())), 97), { headers: response.headers });
      }) as typeof fetch,
    };
  }

  it("resultChunks gives the lines results gives, in chunks, each with its JSON text", async () => {
    const h = providerHarness("gemini");
    const requests = [
      request("a", "gemini-2.5-flash", "Hello"),
      request("b", "gemini-2.5-flash", "FAIL_REQUEST"),
      request("c", "gemini-2.5-flash", 'quote " and \\ and a line\nbreak é 😀'),
      request("d", "gemini-2.5-flash", "CALL_TOOL", { tools: [weatherTool] }),
      request("e", "gemini-2.5-flash", "HIT_MAX_TOKENS"),
      request("f", "gemini-2.5-flash", "think", { thinking: { type: "enabled", budget_tokens: 1024 } }),
    ];
    const { jobs } = await create(h, requests);
    const { status } = await pollToEnd(h, jobs[0]!);
    const job = { ...jobs[0]!, data: status.data! };
    const responsesFile = (status.data!.output as { responsesFile: string }).responsesFile;
    // A blank line and a line without a key, which both readers skip.
    const ctx = servingFile(h, responsesFile, (text) => `\n${text.trimEnd()}\n  \n{"response":{}}\n`);
    const chunks = await collect(batches.resultChunks!(ctx, job));
    expect(chunks.length).toBeGreaterThan(1);
    const lines = chunks.flatMap((chunk) => chunk.lines);
    expect(chunks.flatMap((chunk) => chunk.texts!)).toStrictEqual(lines.map((line) => JSON.stringify(line)));
    // IDs for a call Gemini sent without one are random (message IDs come from Gemini's responseId).
    const sorted = (all: BatchResultLine[]) =>
      JSON.parse(JSON.stringify([...all].sort((x, y) => x.custom_id.localeCompare(y.custom_id))).replace(/"toolu_[A-Za-z0-9]{24}"/g, '"toolu_random"')) as BatchResultLine[];
    expect(sorted(lines)).toStrictEqual(sorted(await collect(batches.results(ctx, job))));
    expect(sorted(lines).map((line) => [line.custom_id, line.result.type])).toStrictEqual([
      ["a", "succeeded"],
      ["b", "errored"],
      ["c", "succeeded"],
      ["d", "succeeded"],
      ["e", "succeeded"],
      ["f", "succeeded"],
    ]);
  });

  it("resultChunks fails on a malformed line with its number, counted across reads", async () => {
    const h = providerHarness("gemini");
    const { jobs } = await create(h, [request("a", "gemini-2.5-flash", "Hello"), request("b", "gemini-2.5-flash", "World"), request("c", "gemini-2.5-flash", "Again")]);
    const { status } = await pollToEnd(h, jobs[0]!);
    const responsesFile = (status.data!.output as { responsesFile: string }).responsesFile;
    // Blank lines are not counted: the broken line is the third.
    const ctx = servingFile(h, responsesFile, (text) => {
      const lines = text.trimEnd().split("\n");
      return `${lines[0]}\n\n${lines[1]}\n{"key":"x",\n${lines[2]}\n`;
    });
    const error = await rejectionOf(collect(batches.resultChunks!(ctx, { ...jobs[0]!, data: status.data! })));
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).upstreamStatus).toBe(502);
    expect(error.message).toMatch(/^gemini upstream error \(HTTP 502\): malformed responses file line 3 \(.+\)$/);
  });

  it("sends the key in x-goog-api-key on every call, never in the URL", async () => {
    const h = providerHarness("gemini");
    const { jobs } = await create(h, [request("a", "gemini-2.5-flash", "w"), request("a2", "gemini-2.5-flash", "x"), request("b", "gemini-2.5-pro", "hi")]);
    for (const job of jobs) {
      const { status } = await pollToEnd(h, job);
      await collect(batches.results(h.ctx, { ...job, data: status.data! }));
    }
    expect(h.fake.calls.length).toBeGreaterThan(8);
    for (const call of h.fake.calls) {
      expect(call.query.key).toBeUndefined();
      expect(call.headers["x-goog-api-key"]).toBe(API_KEY);
    }
  });

  it("cites a gateway file by its Gemini URI", async () => {
    const h = providerHarness("gemini");
    const uploaded = await geminiAdapter.files!.upload(h.ctx, { filename: "notes.txt", mimeType: "text/plain", sizeBytes: 5, body: chunkedStream(new TextEncoder().encode("notes")) });
    const files = new Map<string, ResolvedFile>([
      ["file_01NOTES", { gatewayId: "file_01NOTES", nativeId: uploaded.nativeId, filename: "notes.txt", mimeType: "text/plain", native: uploaded.native }],
    ]);
    const params: MessageParams = {
      model: "gemini-2.5-flash",
      max_tokens: 64,
      messages: [{ role: "user", content: [{ type: "document", source: { type: "file", file_id: "file_01NOTES" } }, { type: "text", text: "Summarise" }] }],
    };
    const { jobs } = await create(h, [{ custom_id: "doc", params }], files);
    const body = JSON.parse(h.fake.calls.at(-1)!.body!);
    expect(body.batch.input_config.requests.requests[0].request.contents[0].parts[0]).toStrictEqual({
      fileData: { mimeType: "text/plain", fileUri: `${BASE_URL}/v1beta/${uploaded.nativeId}` },
    });
    const { status } = await pollToEnd(h, jobs[0]!);
    const [result] = await collect(batches.results(h.ctx, { ...jobs[0]!, data: status.data! }));
    expect(result!.result.type).toBe("succeeded");
  });

  it("check() refuses what Gemini cannot take before any call, and accepts the rest", () => {
    expect(() => check(batches, request("x", "gemini-2.5-flash", "hi", { top_k: 5 }), new Map())).not.toThrow();
    expect(() => check(batches, request("x", "gemini-2.5-flash", "hi", { metadata: { user_id: "u" } }), new Map())).toThrow(
      "params.metadata.user_id: has no equivalent on provider gemini",
    );
    expect(() => check(batches, request("x", "gemini/2.5", "hi"), new Map())).toThrow('params.model: "gemini/2.5" is not a Gemini model name');
  });

  it("refuses a request add() cannot translate, without calling Gemini", async () => {
    const h = providerHarness("gemini");
    const writer = planBatch(batches, h.ctx, { batchId: "msgbatch_test", sink: recordingSink(), files: new Map() });
    const error = await rejectionOf(writer.add(request("x", "gemini-2.5-flash", "hi", { tool_choice: { type: "auto", disable_parallel_tool_use: true }, tools: [weatherTool] })));
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(400);
    expect(h.fake.calls).toHaveLength(0);
  });

  it("an unknown model fails the create with Gemini's message", async () => {
    const h = providerHarness("gemini", { fake: { knownModels: ["gemini-2.5-flash"] } });
    const error = await rejectionOf(create(h, [request("x", "gemini-9-ultra", "hi")]));
    expect((error as UpstreamError).status).toBe(404);
    expect(error.message).toBe(
      "gemini upstream error (HTTP 404): models/gemini-9-ultra is not found for API version v1beta, or is not supported for batchGenerateContent. Call ListModels to see the list of available models and their supported methods.",
    );
  });

  it("a failure halfway leaves what was created recorded, for the service to clean up", async () => {
    const h = providerHarness("gemini", { fake: { knownModels: ["gemini-2.5-flash"] } });
    const sink = recordingSink();
    const writer = planBatch(batches, h.ctx, { batchId: "msgbatch_test", sink, files: new Map() });
    await writer.add(request("a", "gemini-2.5-flash", "hi"));
    await writer.add(request("b", "gemini-unknown", "hi"));
    await rejectionOf(writer.finish());
    expect(sink.artifacts).toHaveLength(1);
    expect(sink.artifacts[0]!.kind).toBe("batch");
    for (const artifact of sink.artifacts) await batches.deleteArtifact(h.ctx, artifact);
    expect(h.fake.calls.at(-1)).toMatchObject({ method: "DELETE", path: `/v1beta/${sink.artifacts[0]!.nativeId}` });
  });
});

describe("gemini batches: file input", () => {
  const env = { GEMINI_UPLOAD_CHUNK_BYTES: String(256 * 1024) };

  it("streams a model's requests to a JSONL file in chunks, and reads results from the responses file", async () => {
    const h = providerHarness("gemini", { env });
    const padding = "lorem ipsum dolor sit amet ".repeat(60);
    const requests = Array.from({ length: 400 }, (_, i) => request(`req-${i}`, "gemini-2.5-flash", `${i} ${padding}`));
    const { jobs, artifacts } = await create(h, requests);

    const commands = h.fake.calls.map((c) => `${c.method} ${c.path} ${c.headers["x-goog-upload-command"] ?? ""}`.trim());
    const chunkCount = commands.filter((c) => c.endsWith("upload")).length;
    expect(chunkCount).toBeGreaterThanOrEqual(2);
    expect(commands).toStrictEqual([
      "POST /upload/v1beta/files start",
      ...Array.from({ length: chunkCount }, () => "POST /upload/v1beta/files upload"),
      "POST /upload/v1beta/files upload, finalize",
      "POST /v1beta/models/gemini-2.5-flash:batchGenerateContent",
    ]);
    const start = h.fake.calls[0]!;
    expect(start.headers["x-goog-upload-header-content-type"]).toBe("application/jsonl");
    expect(start.headers["x-goog-upload-header-content-length"]).toBeUndefined();
    expect(JSON.parse(start.body!)).toStrictEqual({ file: { displayName: "batchbridge-msgbatch_test-gemini-2.5-flash.jsonl", mimeType: "application/jsonl" } });
    const chunks = h.fake.calls.slice(1, -1);
    let offset = 0;
    for (const chunk of chunks) {
      expect(chunk.headers["x-goog-upload-offset"]).toBe(String(offset));
      offset += Number(chunk.headers["content-length"]);
    }
    for (const chunk of chunks.slice(0, -1)) expect(chunk.headers["content-length"]).toBe(String(256 * 1024));

    const inputFile = artifacts[0]!.nativeId;
    expect(artifacts).toStrictEqual([
      { kind: "file", nativeId: inputFile, data: { purpose: "batch-input", slot: "gemini-2.5-flash#0" } },
      { kind: "batch", nativeId: jobs[0]!.nativeId, data: { model: "gemini-2.5-flash", slot: "gemini-2.5-flash#0" } },
    ]);
    expect(JSON.parse(h.fake.calls.at(-1)!.body!)).toStrictEqual({
      batch: { display_name: "batchbridge-msgbatch_test", input_config: { file_name: inputFile } },
    });
    const lines = new TextDecoder().decode(h.fake.fileContent(inputFile)).trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(lines).toStrictEqual(requests.map((r) => ({ key: r.custom_id, request: nativeRequest((r.params.messages[0] as { content: string }).content) })));
    expect(jobs).toStrictEqual([{ slot: "gemini-2.5-flash#0", nativeId: jobs[0]!.nativeId, model: "gemini-2.5-flash", requestCount: 400, data: { input: "file", inputFile } }]);

    const { status } = await pollToEnd(h, jobs[0]!);
    expect(status.counts).toStrictEqual({ processing: 0, succeeded: 400, errored: 0, canceled: 0, expired: 0 });
    const responsesFile = `files/batch-${jobs[0]!.nativeId.slice("batches/".length)}`;
    expect(status.data).toStrictEqual({ input: "file", inputFile, output: { responsesFile } });

    const callsBefore = h.fake.calls.length;
    const results = await collect(batches.results(h.ctx, { ...jobs[0]!, data: status.data! }));
    expect(h.fake.calls.slice(callsBefore).map((c) => `${c.method} ${c.path} ${JSON.stringify(c.query)}`)).toStrictEqual([
      `GET /v1beta/${responsesFile}:download {"alt":"media"}`,
    ]);
    expect(results.map((r) => r.custom_id).sort()).toStrictEqual(requests.map((r) => r.custom_id).sort());
    expect(results.every((r) => r.result.type === "succeeded")).toBe(true);
  });

  it("finds the responses file itself when the job's data does not name it yet", async () => {
    const h = providerHarness("gemini", { env });
    const padding = "x".repeat(5000);
    const { jobs } = await create(h, [request("big", "gemini-2.5-flash", padding), request("fails", "gemini-2.5-flash", "FAIL_REQUEST")]);
    expect(jobs[0]!.data.input).toBe("file");
    await pollToEnd(h, jobs[0]!);
    const results = await collect(batches.results(h.ctx, jobs[0]!));
    expect(results.map((r) => [r.custom_id, r.result.type])).toStrictEqual([
      ["fails", "errored"],
      ["big", "succeeded"],
    ]);
  });

  it("keeps a small model inline while a large one goes to a file", async () => {
    const h = providerHarness("gemini", { env });
    const { jobs } = await create(h, [
      request("small", "gemini-2.5-pro", "tiny"),
      ...Array.from({ length: 5 }, (_, i) => request(`big-${i}`, "gemini-2.5-flash", "y".repeat(1000))),
    ]);
    expect(jobs.map((j) => [j.slot, j.data.input, j.requestCount])).toStrictEqual([
      ["gemini-2.5-pro#0", "inline", 1],
      ["gemini-2.5-flash#0", "file", 5],
    ]);
  });

  it("keeps the single requests it holds for inline jobs under 4 MiB together by moving the largest to a file", async () => {
    const h = providerHarness("gemini", { env });
    const mib = 1024 * 1024;
    const { jobs } = await create(h, [
      request("a-1", "model-a", "a".repeat(1.5 * mib)),
      request("b-1", "model-b", "b".repeat(1.4 * mib)),
      request("c-1", "model-c", "c".repeat(1.3 * mib)),
    ]);
    expect(jobs.map((j) => [j.slot, j.data.input, j.requestCount])).toStrictEqual([
      ["model-a#0", "file", 1],
      ["model-b#0", "inline", 1],
      ["model-c#0", "inline", 1],
    ]);
  });

  it("sends a single request over 4 MiB as a one-line file", async () => {
    const h = providerHarness("gemini", { env });
    const { jobs } = await create(h, [request("huge", "model-a", "h".repeat(4 * 1024 * 1024))]);
    expect(jobs.map((j) => [j.slot, j.data.input, j.requestCount])).toStrictEqual([["model-a#0", "file", 1]]);
  });

  it("never has more than 4 uploads open past the 4 MiB buffer: each job's input holds exactly the requests placed in its slot, in order", async () => {
    const h = providerHarness("gemini", { env });
    const big = "z".repeat(1024 * 1024);
    const models = ["m1", "m2", "m3", "m4", "m5", "m6"];
    const requests = ["a", "b", "c"].flatMap((suffix) => models.map((m) => request(`${m}-${suffix}`, m, big)));
    const { jobs, slots } = await create(h, requests);

    let open = 0;
    let most = 0;
    for (const call of h.fake.calls) {
      const command = call.headers["x-goog-upload-command"];
      if (command === "start") open += 1;
      if (command === "upload, finalize") open -= 1;
      most = Math.max(most, open);
    }
    expect(most).toBe(4);
    // The planner names every job `<model>#<n>`; a model whose upload was closed continues in #1.
    expect(new Set(slots)).toStrictEqual(new Set(jobs.map((job) => job.slot)));
    expect(jobs.some((job) => job.slot.endsWith("#1"))).toBe(true);
    const keys = (job: JobRef): string[] =>
      job.data.input === "inline"
        ? [job.data.key as string]
        : new TextDecoder().decode(h.fake.fileContent(job.data.inputFile as string)).trimEnd().split("\n").map((line) => JSON.parse(line).key);
    for (const job of jobs) {
      expect(keys(job)).toStrictEqual(requests.filter((_, i) => slots[i] === job.slot).map((r) => r.custom_id));
      expect(job.requestCount).toBe(keys(job).length);
    }
  });

  it("abort cancels the open upload sessions (nothing is sent for a batch still within the buffer)", async () => {
    const h = providerHarness("gemini", { env });
    const writer = planBatch(batches, h.ctx, { batchId: "msgbatch_test", sink: recordingSink(), files: new Map() });
    // Past the 4 MiB buffer the model's requests stream to an upload session.
    await writer.add(request("one", "gemini-2.5-flash", "q".repeat(2.5 * 1024 * 1024)));
    expect(h.fake.calls).toStrictEqual([]);
    await writer.add(request("two", "gemini-2.5-flash", "r".repeat(2.5 * 1024 * 1024)));
    await writer.abort(new Error("client disconnected"));
    const commands = h.fake.calls.map((c) => c.headers["x-goog-upload-command"]);
    expect(commands[0]).toBe("start");
    expect(commands.at(-1)).toBe("cancel");
    expect(commands.slice(1, -1).every((command) => command === "upload")).toBe(true);
  });
});

describe("gemini batches: cancel, expiry, failure, delete", () => {
  it("a cancelled batch ends CANCELLED on the next read; requests never run come back through unrun", async () => {
    const h = providerHarness("gemini");
    const { jobs } = await create(h, [request("a", "gemini-2.5-flash", "hi"), request("b", "gemini-2.5-flash", "ho")]);
    await batches.cancel(h.ctx, jobs[0]!);
    const cancel = h.fake.calls.at(-1)!;
    expect(cancel).toMatchObject({ method: "POST", path: `/v1beta/${jobs[0]!.nativeId}:cancel`, query: {} });
    const status = await batches.retrieve(h.ctx, jobs[0]!);
    expect(status).toStrictEqual({
      state: "ended",
      counts: { processing: 0, succeeded: 0, errored: 0, canceled: 2, expired: 0 },
      endedAt: expect.any(String),
      data: { input: "file", inputFile: jobs[0]!.data.inputFile, output: { inline: true } },
      unrun: { type: "canceled" },
    });
    expect(await collect(batches.results(h.ctx, { ...jobs[0]!, data: status.data! }))).toStrictEqual([]);
    await batches.cancel(h.ctx, jobs[0]!);
  });

  it("an expired batch counts its requests as expired", async () => {
    const h = providerHarness("gemini");
    const { jobs } = await create(h, [request("a", "gemini-2.5-flash", "hi")]);
    await h.fake.fetch(new Request(`${BASE_URL}/__fake/${jobs[0]!.nativeId}/expire`, { method: "POST" }));
    const status = await batches.retrieve(h.ctx, jobs[0]!);
    expect(status.counts).toStrictEqual({ processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 1 });
    expect(status.unrun).toStrictEqual({ type: "expired" });
  });

  it("a failed batch errors the requests it never ran with Gemini's message", async () => {
    const h = providerHarness("gemini");
    const { jobs } = await create(h, [request("a", "gemini-2.5-flash", "hi")]);
    await h.fake.fetch(new Request(`${BASE_URL}/__fake/${jobs[0]!.nativeId}/fail`, { method: "POST" }));
    const status = await batches.retrieve(h.ctx, jobs[0]!);
    expect(status.counts).toStrictEqual({ processing: 0, succeeded: 0, errored: 1, canceled: 0, expired: 0 });
    expect(status.unrun).toStrictEqual({
      type: "errored",
      error: { type: "error", error: { type: "api_error", message: "gemini upstream error (INTERNAL): Simulated batch failure." }, request_id: null },
    });
  });

  it("deleteArtifact deletes batches and input files; ones already gone count as deleted", async () => {
    const h = providerHarness("gemini");
    const { artifacts } = await create(h, [request("a", "gemini-2.5-flash", "w"), request("b", "gemini-2.5-flash", "x")]);
    expect(artifacts.map((a) => a.kind)).toStrictEqual(["file", "batch"]);
    for (const artifact of artifacts) await batches.deleteArtifact(h.ctx, artifact);
    for (const artifact of artifacts) await batches.deleteArtifact(h.ctx, artifact);
    expect(h.fake.calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toStrictEqual([
      `/v1beta/${artifacts[0]!.nativeId}`,
      `/v1beta/${artifacts[1]!.nativeId}`,
      `/v1beta/${artifacts[0]!.nativeId}`,
      `/v1beta/${artifacts[1]!.nativeId}`,
    ]);
  });

  it("a generated responses file can be downloaded through the Files adapter", async () => {
    const h = providerHarness("gemini");
    const { jobs } = await create(h, [request("a", "gemini-2.5-flash", "w"), request("b", "gemini-2.5-flash", "x")]);
    const { status } = await pollToEnd(h, jobs[0]!);
    const name = (status.data!.output as { responsesFile: string }).responsesFile;
    const file: ResolvedFile = { gatewayId: "file_01OUT", nativeId: name, filename: "out.jsonl", mimeType: "application/jsonl", native: { name, source: "GENERATED" } };
    const download = await geminiAdapter.files!.download(h.ctx, file);
    expect(download.contentType).toBe("application/jsonl");
    const text = await new Response(download.body).text();
    expect(download.contentLength).toBe(new TextEncoder().encode(text).byteLength);
    const lines = text.trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(lines).toMatchObject([
      { key: "b", response: { candidates: [{ finishReason: "STOP" }] } },
      { key: "a", response: { candidates: [{ finishReason: "STOP" }] } },
    ]);
  });
});

describe("gemini batches: Gemini 3 tool loops", () => {
  it("a tool_use Gemini 3 returned goes back with its thought signature, and Gemini 3 runs the next step", async () => {
    const h = providerHarness("gemini");
    const model = "gemini-3-flash-preview";
    const first = await create(h, [request("step-1", model, "CALL_TOOL for Paris", { tools: [weatherTool] })]);
    const { status } = await pollToEnd(h, first.jobs[0]!);
    const [line] = await collect(batches.results(h.ctx, { ...first.jobs[0]!, data: status.data! }));
    const message = (line!.result as unknown as { message: { content: Array<Record<string, unknown>> } }).message;
    const toolUse = message.content[0]!;
    expect(toolUse).toMatchObject({ type: "tool_use", id: expect.stringMatching(/^toolu_gs_[A-Za-z0-9_-]+$/), name: "get_weather" });

    // The client sends the history back as it got it (a JSON round trip, as an SDK does).
    const history = JSON.parse(JSON.stringify(message.content)) as unknown[];
    const next = await create(h, [
      request("step-2", model, "unused", {
        tools: [weatherTool],
        messages: [
          { role: "user", content: "CALL_TOOL for Paris" },
          { role: "assistant", content: history },
          { role: "user", content: [{ type: "tool_result", tool_use_id: toolUse.id, content: "18C" }] },
        ],
      }),
    ]);
    const sent = JSON.parse(h.fake.calls.at(-1)!.body!).batch.input_config.requests.requests[0].request;
    expect(sent.contents[1].parts[0]).toStrictEqual({
      functionCall: { id: expect.stringMatching(/^toolu_[A-Za-z0-9]{24}$/), name: "get_weather", args: { city: "Paris" } },
      thoughtSignature: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
    });
    expect(sent.contents[2].parts[0].functionResponse.id).toBe(sent.contents[1].parts[0].functionCall.id);
    const done = await pollToEnd(h, next.jobs[0]!);
    const [answer] = await collect(batches.results(h.ctx, { ...next.jobs[0]!, data: done.status.data! }));
    expect(answer!.result.type).toBe("succeeded");
  });
});

describe("gemini batches: thinking, effort and structured outputs", () => {
  it("refuses thinking off on a model that cannot turn it off before any call, and sends budget 0 where it can", async () => {
    expect(() => check(batches, request("x", "gemini-2.5-pro", "hi", { thinking: { type: "disabled" } }), new Map())).toThrow(
      'params.thinking.type: is "disabled", but gemini-2.5-pro cannot turn thinking off on provider gemini',
    );
    const h = providerHarness("gemini");
    const { jobs } = await create(h, [request("off", "gemini-2.5-flash", "hi", { thinking: { type: "disabled" } })]);
    const sent = JSON.parse(h.fake.calls.at(-1)!.body!).batch.input_config.requests.requests[0].request;
    expect(sent.generationConfig).toStrictEqual({ maxOutputTokens: 64, thinkingConfig: { thinkingBudget: 0 } });
    const { status } = await pollToEnd(h, jobs[0]!);
    const [line] = await collect(batches.results(h.ctx, { ...jobs[0]!, data: status.data! }));
    expect(line!.result.type).toBe("succeeded");
  });

  it("answers structured outputs as one text block of JSON, and effort as Gemini 3's thinking level", async () => {
    const h = providerHarness("gemini");
    const schema = { type: "object", properties: { echo: { type: "string" } }, required: ["echo"], additionalProperties: false };
    const { jobs } = await create(h, [
      request("json", "gemini-3-flash-preview", "hi", { output_config: { format: { type: "json_schema", schema }, effort: "low" } }),
    ]);
    const sent = JSON.parse(h.fake.calls.at(-1)!.body!).batch.input_config.requests.requests[0].request;
    expect(sent.generationConfig).toStrictEqual({
      maxOutputTokens: 64,
      responseMimeType: "application/json",
      responseJsonSchema: schema,
      thinkingConfig: { thinkingLevel: "low" },
    });
    const { status } = await pollToEnd(h, jobs[0]!);
    const [line] = await collect(batches.results(h.ctx, { ...jobs[0]!, data: status.data! }));
    expect((line!.result as unknown as { message: { content: unknown } }).message.content).toStrictEqual([{ type: "text", text: '{"echo":"hi"}' }]);
  });
});

describe("gemini batches: thinking blocks sent back", () => {
  it("accepts the gateway's own thinking blocks in the history of the next request", async () => {
    const h = providerHarness("gemini");
    const model = "gemini-2.5-flash";
    const first = await create(h, [request("think", model, "Why?", { thinking: { type: "enabled", budget_tokens: 1024 } })]);
    const { status } = await pollToEnd(h, first.jobs[0]!);
    const [line] = await collect(batches.results(h.ctx, { ...first.jobs[0]!, data: status.data! }));
    const message = (line!.result as unknown as { message: { content: Array<Record<string, unknown>>; usage: Record<string, unknown> } }).message;
    expect(message.content).toStrictEqual([
      { type: "thinking", thinking: "Thinking about: Why?", signature: "" },
      { type: "text", text: "echo: Why?" },
    ]);
    const next = await create(h, [
      request("again", model, "unused", {
        thinking: { type: "enabled", budget_tokens: 1024 },
        messages: [
          { role: "user", content: "Why?" },
          { role: "assistant", content: JSON.parse(JSON.stringify(message.content)) },
          { role: "user", content: "And then?" },
        ],
      }),
    ]);
    const done = await pollToEnd(h, next.jobs[0]!);
    const [answer] = await collect(batches.results(h.ctx, { ...next.jobs[0]!, data: done.status.data! }));
    expect(answer!.result.type).toBe("succeeded");
  });
});

describe("gemini batches: nulls, failed finishes and thinking tokens", () => {
  it("sends no null to Gemini (which refuses them), reports a malformed function call as errored, and counts thinking tokens", async () => {
    const h = providerHarness("gemini");
    const { jobs } = await create(h, [
      request("nulls", "gemini-2.5-flash", "hi", { temperature: null, system: null, tool_choice: null, thinking: { type: "enabled", budget_tokens: 1024, display: null } }),
      request("malformed", "gemini-2.5-flash", "MALFORMED_CALL please"),
    ]);
    const { status } = await pollToEnd(h, jobs[0]!);
    const byId = Object.fromEntries((await collect(batches.results(h.ctx, { ...jobs[0]!, data: status.data! }))).map((r) => [r.custom_id, r.result]));
    expect(byId.nulls).toMatchObject({
      type: "succeeded",
      message: { usage: { input_tokens: 1, output_tokens: 9, output_tokens_details: { thinking_tokens: 7 } } },
    });
    expect(byId.malformed).toStrictEqual({
      type: "errored",
      error: {
        type: "error",
        error: { type: "api_error", message: "gemini upstream error (MALFORMED_FUNCTION_CALL): Malformed function call: print(default_api.get_weather(city=Paris))" },
        request_id: null,
      },
    });
  });
});

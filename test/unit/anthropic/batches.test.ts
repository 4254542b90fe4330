/** The Anthropic batches adapter against the strict fake: exact upstream bodies, lifecycle, results. */
import { beforeEach, describe, expect, it } from "vitest";
import { anthropicAdapter } from "../../../src/providers/anthropic";
import type { ProviderContext, ResolvedFile } from "../../../src/providers/types";
import type { BatchRequest } from "../../../src/domain/batch-request";
import type { BatchResultLine } from "../../../src/domain/batch-result";
import type { JobRef } from "../../../src/domain/job-record";
import type { FakeAnthropic } from "../../fakes/anthropic/index.ts";
import { providerHarness, ANTHROPIC, type ProviderHarness } from "../support/harness";
import { planBatch, check, createUpstreamBatch, messageRequest, pollToEnd as pollJobToEnd, resultsOf as sortedResults } from "../support/batches";
import { describeError, recordingSink, rejectionOf, resolved, streamOf } from "../support/helpers";

const { authHeaders: AUTH_HEADERS, now: NOW, origin: ORIGIN } = ANTHROPIC;

const batches = anthropicAdapter.batches;

let h: ProviderHarness<"anthropic">;
let fake: FakeAnthropic;
let ctx: ProviderContext;

beforeEach(() => {
  h = providerHarness("anthropic");
  ({ fake, ctx } = h);
});

function request(customId: string, text: string, extra: Record<string, unknown> = {}): BatchRequest {
  return messageRequest(customId, "claude-x", text, { max_tokens: 50, ...extra });
}

async function create(requests: BatchRequest[], files: ReadonlyMap<string, ResolvedFile> = new Map()) {
  const sink = recordingSink();
  const { slots, jobs } = await createUpstreamBatch(h, requests, { batchId: "msgbatch_gw1", sink, files, ctx });
  for (const slot of slots) expect(slot).toBe("all#0");
  return { jobs, sink };
}

async function resultsOf(job: JobRef): Promise<BatchResultLine[]> {
  return sortedResults(h, job, { ctx, sorted: true, adapter: anthropicAdapter });
}

/** Polls like the service does, carrying the status's data into the job. */
async function pollToEnd(job: JobRef): Promise<JobRef> {
  return (await pollJobToEnd(h, job, { ctx, adapter: anthropicAdapter })).job;
}

describe("create", () => {
  it("streams ONE upstream batch with exactly the requests, file IDs made native, and records it", async () => {
    const uploaded = await anthropicAdapter.files!.upload(ctx, { filename: "brief.txt", mimeType: "text/plain", sizeBytes: null, body: streamOf("The brief.") });
    const files = new Map([["file_gwdoc", resolved("file_gwdoc", uploaded)]]);
    const withDocument = {
      custom_id: "with-doc",
      params: {
        model: "claude-x",
        max_tokens: 50,
        system: "be brief",
        messages: [{ role: "user", content: [{ type: "document", source: { type: "file", file_id: "file_gwdoc" } }, { type: "text", text: "Summarise" }] }],
      },
    };
    fake.calls.length = 0;

    const { jobs, sink } = await create([request("math", "What is 15 * 7?"), withDocument], files);

    const batchId = "msgbatch_011111111111111111111113";
    expect(jobs).toEqual([{ slot: "all#0", nativeId: batchId, model: "claude-x", requestCount: 2, data: {} }]);
    expect(sink.artifacts).toEqual([{ kind: "message_batch", nativeId: batchId }]);
    const sent = {
      requests: [
        request("math", "What is 15 * 7?"),
        {
          custom_id: "with-doc",
          params: {
            ...withDocument.params,
            messages: [{ role: "user", content: [{ type: "document", source: { type: "file", file_id: uploaded.nativeId } }, { type: "text", text: "Summarise" }] }],
          },
        },
      ],
    };
    expect(fake.calls).toEqual([
      {
        method: "POST",
        path: "/v1/messages/batches",
        query: {},
        headers: { ...AUTH_HEADERS, "content-type": "application/json" },
        body: JSON.stringify(sent),
        bodyBytes: JSON.stringify(sent).length,
      },
    ]);
  });

  it("forwards the client's betas on batch calls, and reports no single model for mixed models", async () => {
    ctx = h.context({ clientBetas: ["message-batches-2024-09-24"] });
    const { jobs } = await create([request("a", "hi"), { custom_id: "b", params: { ...request("b", "yo").params, model: "claude-y" } }]);
    expect(jobs[0]!.model).toBeNull();
    expect(fake.calls[0]!.headers["anthropic-beta"]).toBe("message-batches-2024-09-24");
  });

  it("writes a large batch in chunks: every request arrives, and every custom_id comes back once", async () => {
    const requests = Array.from({ length: 3000 }, (_, index) => request(`req-${index}`, `question number ${index} ${"pad ".repeat(20)}`));
    const { jobs } = await create(requests);
    expect(jobs[0]!.requestCount).toBe(3000);
    const job = await pollToEnd(jobs[0]!);
    const ids = (await resultsOf(job)).map((line) => line.custom_id);
    expect(ids).toEqual(requests.map((item) => item.custom_id).sort((a, b) => a.localeCompare(b)));
    expect(fake.calls[0]!.bodyBytes).toBeGreaterThan(3 * 64 * 1024);
  });

  it("forwards each request's own bytes where it has them and serialises the rest; a streamed body arrives byte for byte", async () => {
    const uploaded = await anthropicAdapter.files!.upload(ctx, { filename: "brief.txt", mimeType: "text/plain", sizeBytes: null, body: streamOf("The brief.") });
    const files = new Map([["file_gwdoc", resolved("file_gwdoc", uploaded)]]);
    fake.calls.length = 0;
    // The client's own spacing and key order, as the create body's splitter hands them on.
    const withRaw = (item: BatchRequest): BatchRequest => ({ ...item, raw: new TextEncoder().encode(` {"params" : ${JSON.stringify(item.params, null, 1)}, "custom_id":"${item.custom_id}"}`) });
    const requests = Array.from({ length: 3000 }, (_, index) => withRaw(request(`req-${index}`, `question number ${index} ${"pad ".repeat(index === 1500 ? 400_000 : 20)}`)));
    const document = { type: "document", source: { type: "file", file_id: "file_gwdoc" } };
    requests.push(withRaw(request("with-doc", "x", { messages: [{ role: "user", content: [document] }] })));
    const bodyOf = (items: BatchRequest[]) =>
      `{"requests":[${items.map((item) => (item.custom_id === "with-doc" ? JSON.stringify(native) : new TextDecoder().decode(item.raw))).join(",")}]}`;
    const native = request("with-doc", "x", { messages: [{ role: "user", content: [{ ...document, source: { type: "file", file_id: uploaded.nativeId } }] }] });

    // Streamed (over 1 MiB, one request larger than a chunk): the strict fake read every request,
    // and got exactly the bytes (it records the text of bodies up to 1 MiB only).
    const { jobs } = await create(requests, files);
    expect(jobs[0]!.requestCount).toBe(3001);
    expect(fake.calls[0]!.bodyBytes).toBe(new TextEncoder().encode(bodyOf(requests)).byteLength);
    expect(fake.calls[0]!.bodyBytes).toBeGreaterThan(2 * 1024 * 1024);
    // Sent whole (under 1 MiB): the text itself.
    fake.calls.length = 0;
    const few = [...requests.slice(0, 3), requests.at(-1)!];
    await create(few, files);
    expect(fake.calls[0]!.body).toBe(bodyOf(few));
  });

  it("refuses a request naming an unresolved file before anything reaches upstream", async () => {
    const writer = planBatch(batches, ctx, { batchId: "msgbatch_gw1", sink: recordingSink(), files: new Map() });
    const bad = { custom_id: "a", params: { model: "claude-x", max_tokens: 5, messages: [{ role: "user", content: [{ type: "image", source: { type: "file", file_id: "file_gw404" } }] }] } };
    expect(describeError(await rejectionOf(writer.add(bad)))).toEqual({
      name: "GatewayError",
      status: 400,
      type: "invalid_request_error",
      message: 'messages.0.content.0.source.file_id: file "file_gw404" not found',
    });
    await writer.abort(new Error("refused"));
    expect(fake.calls).toEqual([]);
  });

  it("check refuses the same request without any I/O", () => {
    const bad = { custom_id: "a", params: { model: "claude-x", max_tokens: 5, messages: [{ role: "user", content: [{ type: "container_upload", file_id: "file_gw404" }] }] } };
    expect(() => check(batches, bad, new Map())).toThrow('messages.0.content.0.file_id: file "file_gw404" not found');
    expect(() => check(batches, request("ok", "fine"), new Map())).not.toThrow();
    expect(fake.calls).toEqual([]);
  });

  it("an upstream refusal fails finish with Anthropic's message and records nothing", async () => {
    const sink = recordingSink();
    const writer = planBatch(batches, ctx, { batchId: "msgbatch_gw1", sink, files: new Map() });
    await writer.add(request("a", "hi", { top_q: 0.5 }));
    expect(describeError(await rejectionOf(writer.finish()))).toEqual({
      name: "UpstreamError",
      status: 400,
      type: "invalid_request_error",
      message: "anthropic upstream error (HTTP 400): requests.0.params.top_q: Extra inputs are not permitted",
    });
    expect(sink.artifacts).toEqual([]);
  });

  it("an upstream that refuses mid-stream stops the writer with its error instead of hanging", async () => {
    const writer = planBatch(batches, ctx, { batchId: "msgbatch_gw1", sink: recordingSink(), files: new Map() });
    const pad = "pad ".repeat(50);
    let failure: unknown;
    try {
      await writer.add(request("bad id!", pad));
      for (let index = 0; index < 2000; index++) await writer.add(request(`r${index}`, pad));
      await writer.finish();
    } catch (error) {
      failure = error;
    }
    expect(describeError(failure)).toEqual({
      name: "UpstreamError",
      status: 400,
      type: "invalid_request_error",
      message: "anthropic upstream error (HTTP 400): requests.0.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
    });
    await writer.abort(failure);
  });

  it("abort before anything was sent makes no upstream call", async () => {
    const writer = planBatch(batches, ctx, { batchId: "msgbatch_gw1", sink: recordingSink(), files: new Map() });
    await writer.add(request("a", "hi"));
    await writer.abort(new Error("client went away"));
    expect(fake.calls).toEqual([]);
  });

  it("abort mid-stream cancels the upload: no batch gets created", async () => {
    const writer = planBatch(batches, ctx, { batchId: "msgbatch_gw1", sink: recordingSink(), files: new Map() });
    // Over the 1 MiB chunk, so the body is already streaming upstream.
    for (let index = 0; index < 8000; index++) await writer.add(request(`r${index}`, "pad ".repeat(30)));
    expect(fake.calls.map(({ method, path }) => `${method} ${path}`)).toEqual(["POST /v1/messages/batches"]);
    await writer.abort(new Error("client went away"));
    const list = (await (await h.call("GET", "/v1/messages/batches")).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
  });

  it("sends a small batch whole, with a Content-Length, and nothing before finish", async () => {
    const writer = planBatch(batches, ctx, { batchId: "msgbatch_gw1", sink: recordingSink(), files: new Map() });
    await writer.add(request("a", "hi"));
    expect(fake.calls).toEqual([]);
    await writer.finish();
    const [create] = fake.calls;
    expect(create?.body).toBe(JSON.stringify({ requests: [request("a", "hi")] }));
  });

  it("abort after the batch was created cancels it upstream", async () => {
    const sink = recordingSink();
    const writer = planBatch(batches, ctx, { batchId: "msgbatch_gw1", sink, files: new Map() });
    await writer.add(request("a", "hi"));
    const [job] = await writer.finish();
    await writer.abort(new Error("rolled back"));
    expect(fake.calls.at(-1)).toEqual({
      method: "POST",
      path: `/v1/messages/batches/${job!.nativeId}/cancel`,
      query: {},
      headers: AUTH_HEADERS,
    });
    expect((await batches.retrieve(ctx, job!)).counts).toEqual({ processing: 0, succeeded: 0, errored: 0, canceled: 1, expired: 0 });
  });
});

describe("retrieve and results", () => {
  it("polls to ended and yields every request's result exactly once, as Anthropic wrote it", async () => {
    const tools = [{ name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }];
    const { jobs } = await create([
      request("echo", "What is 2+2?"),
      request("broken", "please FAIL_REQUEST"),
      request("tool", "CALL_TOOL for the weather", { tools }),
    ]);
    const job = jobs[0]!;

    const first = await batches.retrieve(ctx, job);
    expect(first).toEqual({ state: "in_progress", counts: { processing: 3, succeeded: 0, errored: 0, canceled: 0, expired: 0 }, endedAt: null });
    const second = await batches.retrieve(ctx, job);
    const resultsUrl = `${ORIGIN}/v1/messages/batches/${job.nativeId}/results`;
    expect(second).toEqual({
      state: "ended",
      counts: { processing: 0, succeeded: 2, errored: 1, canceled: 0, expired: 0 },
      endedAt: NOW,
      data: { results_url: resultsUrl },
    });

    const lines = await resultsOf({ ...job, data: second.data! });
    const usage = (input: number, output: number) => ({
      input_tokens: input,
      output_tokens: output,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      server_tool_use: null,
      service_tier: "batch",
    });
    expect(lines).toEqual([
      {
        custom_id: "broken",
        result: {
          type: "errored",
          error: { type: "error", error: { type: "invalid_request_error", message: "Simulated failure: the request contains FAIL_REQUEST" }, request_id: expect.stringMatching(/^req_01/) },
        },
      },
      {
        custom_id: "echo",
        result: {
          type: "succeeded",
          message: {
            id: expect.stringMatching(/^msg_01/),
            type: "message",
            role: "assistant",
            model: "claude-x",
            content: [{ type: "text", text: "echo: What is 2+2?" }],
            stop_reason: "end_turn",
            stop_sequence: null,
            usage: usage(3, 4),
          },
        },
      },
      {
        custom_id: "tool",
        result: {
          type: "succeeded",
          message: {
            id: expect.stringMatching(/^msg_01/),
            type: "message",
            role: "assistant",
            model: "claude-x",
            content: [{ type: "tool_use", id: expect.stringMatching(/^toolu_01/), name: "get_weather", input: { city: "Paris" } }],
            stop_reason: "tool_use",
            stop_sequence: null,
            usage: usage(4, 1),
          },
        },
      },
    ]);
    expect(fake.calls.at(-1)).toEqual({
      method: "GET",
      path: `/v1/messages/batches/${job.nativeId}/results`,
      query: {},
      headers: { ...AUTH_HEADERS, accept: "application/binary" },
    });
  });

  it("reads results from the documented path when the job has no results_url", async () => {
    const { jobs } = await create([request("a", "hi")]);
    await pollToEnd(jobs[0]!);
    expect((await resultsOf(jobs[0]!)).map((line) => line.result.type)).toEqual(["succeeded"]);
    expect(fake.calls.at(-1)!.path).toBe(`/v1/messages/batches/${jobs[0]!.nativeId}/results`);
  });
});

describe("cancel", () => {
  it("cancels upstream; the batch ends with every unrun request canceled", async () => {
    const { jobs } = await create([request("a", "one"), request("b", "two")]);
    const job = jobs[0]!;
    await batches.cancel(ctx, job);
    expect(fake.calls.at(-1)).toEqual({ method: "POST", path: `/v1/messages/batches/${job.nativeId}/cancel`, query: {}, headers: AUTH_HEADERS });
    const ended = await pollToEnd(job);
    expect(await resultsOf(ended)).toEqual([
      { custom_id: "a", result: { type: "canceled" } },
      { custom_id: "b", result: { type: "canceled" } },
    ]);
  });

  it("expired batches report every request as expired", async () => {
    const { jobs } = await create([request("a", "one")]);
    await fake.fetch(new Request(`${ORIGIN}/__fake/batches/${jobs[0]!.nativeId}/expire`, { method: "POST" }));
    const status = await batches.retrieve(ctx, jobs[0]!);
    expect(status.counts).toEqual({ processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 1 });
    expect(await resultsOf(jobs[0]!)).toEqual([{ custom_id: "a", result: { type: "expired" } }]);
  });
});

describe("deleteArtifact", () => {
  it("deletes an ended batch, and counts one already gone as deleted", async () => {
    const { jobs, sink } = await create([request("a", "hi")]);
    await pollToEnd(jobs[0]!);
    await batches.deleteArtifact(ctx, sink.artifacts[0]!);
    await batches.deleteArtifact(ctx, sink.artifacts[0]!);
    expect(fake.calls.slice(-2).map(({ method, path }) => `${method} ${path}`)).toEqual([
      `DELETE /v1/messages/batches/${jobs[0]!.nativeId}`,
      `DELETE /v1/messages/batches/${jobs[0]!.nativeId}`,
    ]);
    expect((await h.call("GET", `/v1/messages/batches/${jobs[0]!.nativeId}`)).status).toBe(404);
  });

  it("cancels a batch that is still running and fails, so the record stays for the reconciler", async () => {
    const { jobs, sink } = await create([request("a", "hi")]);
    fake.calls.length = 0;
    await expect(batches.deleteArtifact(ctx, sink.artifacts[0]!)).rejects.toMatchObject({ status: 400 });
    const id = jobs[0]!.nativeId;
    expect(fake.calls.map(({ method, path }) => `${method} ${path}`)).toEqual([
      `DELETE /v1/messages/batches/${id}`,
      `GET /v1/messages/batches/${id}`,
      `POST /v1/messages/batches/${id}/cancel`,
    ]);
  });

  it("deletes a batch that ended while the delete was refused", async () => {
    const { jobs, sink } = await create([request("a", "hi")]);
    await batches.cancel(ctx, jobs[0]!);
    fake.calls.length = 0;
    await batches.deleteArtifact(ctx, sink.artifacts[0]!);
    const id = jobs[0]!.nativeId;
    // The fake ends a canceling batch on the next GET, as if it ended in between.
    expect(fake.calls.map(({ method, path }) => `${method} ${path}`)).toEqual([
      `DELETE /v1/messages/batches/${id}`,
      `GET /v1/messages/batches/${id}`,
      `DELETE /v1/messages/batches/${id}`,
    ]);
    expect((await h.call("GET", `/v1/messages/batches/${id}`)).status).toBe(404);
  });

  it("refuses an artifact kind it never made", async () => {
    expect(describeError(await rejectionOf(batches.deleteArtifact(ctx, { kind: "input_file", nativeId: "x" })))).toEqual({
      name: "GatewayError",
      status: 500,
      type: "api_error",
      message: "anthropic has no artifact of kind input_file",
    });
  });
});

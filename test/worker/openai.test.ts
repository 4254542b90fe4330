/**
 * Every route with `x-model-provider: openai`, on real local D1, with the strict OpenAI fake
 * as the upstream: what the client gets, and what OpenAI received.
 *
 * The fake moves a batch one state per GET (validating → in_progress with the first half of
 * the requests run → finalizing with all run → completed), so a gateway batch ends on its
 * third retrieve.
 */
import { describe, expect, it, vi } from "vitest";
import { batchClient, byCustomId, type ResultLine, type WireBatch } from "./support/batches";
import { countRows } from "./support/db";
import { fileForm, uploadFile, type WireFile } from "./support/files";
import { call, callWithEnv, errorOf, GATEWAY } from "./support/gateway";
import { textRequest, twoRequests } from "./support/requests";
import { bodyText, json, jsonLines } from "./support/responses";
import { callsMatching, useFakes } from "./support/upstream";

const fakes = useFakes();
const OPENAI = "openai";
const KEY = "test-openai-key";

// Retrieves and results name the batch by its ID alone, without the provider header.
const batches = batchClient({ provider: OPENAI, headerOnReads: false });
const { create, retrieve, pollUntilEnded } = batches;

/** The batch's results, ordered by custom_id. */
async function results(id: string): Promise<ResultLine[]> {
  return (await batches.results(id)).sort(byCustomId);
}

function upload(name: string, text: string, type = "text/plain", provider: string = OPENAI): Promise<WireFile> {
  return uploadFile(name, text, { type, provider });
}

function request(customId: string, model: string, content: string, extra: Record<string, unknown> = {}) {
  return textRequest(customId, content, model, extra);
}

/** A request straight to the fake (recorded in its calls like any other). */
function fake(method: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${KEY}`);
  return fakes.openai.fetch(new Request(`https://openai.fake${path}`, { ...init, method, headers }));
}

async function fakeFileText(nativeId: string): Promise<string> {
  const res = await fake("GET", `/v1/files/${nativeId}/content`);
  expect(res.status).toBe(200);
  return bodyText(res);
}

async function fakeBatches(): Promise<Record<string, any>[]> {
  return ((await (await fake("GET", "/v1/batches?limit=100")).json()) as { data: Record<string, any>[] }).data;
}

function callsTo(method: string, path: string | RegExp) {
  return callsMatching(fakes.openai.calls, method, path);
}

function chatLine(customId: string, body: Record<string, unknown>) {
  return { custom_id: customId, method: "POST", url: "/v1/chat/completions", body };
}

/** Wraps the fakes' stubbed fetch: `answer` may replace the fake's answer to one call. */
function intercept(answer: (request: Request) => Response | null | Promise<Response | null>) {
  const inner = globalThis.fetch;
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const replaced = await answer(req.clone());
    if (replaced) {
      await req.body?.cancel();
      return replaced;
    }
    return inner(req);
  });
}

function openaiError(status: number, message: string, type = "invalid_request_error", code: string | null = null): Response {
  return new Response(JSON.stringify({ error: { message, type, param: null, code } }), { status, headers: { "content-type": "application/json" } });
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

describe("files on openai", () => {
  it("uploads to OpenAI /v1/files with purpose user_data and answers Anthropic FileMetadata", async () => {
    const res = await call("/anthropic/v1/files?beta=true", {
      method: "POST",
      provider: OPENAI,
      body: fileForm("test_upload.txt", "This is a test file for Files API integration."),
    });
    const file = await json(res);
    expect(file).toEqual({
      id: expect.stringMatching(/^file_[0-9A-Z]{26}$/),
      type: "file",
      filename: "test_upload.txt",
      mime_type: "text/plain",
      size_bytes: 46,
      size: 46,
      created_at: expect.stringMatching(RFC3339),
      downloadable: false,
      expires_at: null,
      scope: null,
    });
    expect(fakes.openai.calls).toHaveLength(1);
    const [upstream] = fakes.openai.calls;
    expect(upstream).toMatchObject({ method: "POST", path: "/v1/files" });
    expect(upstream!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(upstream!.form).toEqual({
      fields: { purpose: "user_data" },
      files: [{ name: "file", filename: "test_upload.txt", contentType: "text/plain", size: 46 }],
    });
    // OpenAI holds the bytes, as a user_data file.
    const stored = (await (await fake("GET", "/v1/files?purpose=user_data")).json()) as { data: { filename: string; bytes: number }[] };
    expect(stored.data.map((f) => [f.filename, f.bytes])).toEqual([["test_upload.txt", 46]]);
  });

  it("retrieves metadata from D1 without asking OpenAI, whichever provider header the call carries", async () => {
    const file = await upload("notes.md", "# Notes\nSome notes.", "text/markdown");
    const before = fakes.openai.calls.length;
    expect(await json(await call(`/anthropic/v1/files/${file.id}`))).toEqual(file);
    expect(await json(await call(`/anthropic/v1/files/${file.id}?beta=true`, { provider: OPENAI }))).toEqual(file);
    expect(fakes.openai.calls.length).toBe(before);
  });

  it("refuses to download an upload (OpenAI never serves user_data files) without asking OpenAI", async () => {
    const file = await upload("a.txt", "hello");
    const before = fakes.openai.calls.length;
    const error = await errorOf(await call(`/anthropic/v1/files/${file.id}/content`, { provider: OPENAI }));
    expect(error).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message: `File ${file.id} is not downloadable: only files a provider generated (such as batch output) can be downloaded`,
    });
    expect(fakes.openai.calls.length).toBe(before);
  });

  it("deletes upstream, then locally", async () => {
    const file = await upload("a.txt", "hello");
    const [stored] = ((await (await fake("GET", "/v1/files")).json()) as { data: { id: string }[] }).data;
    const deleted = await json(await call(`/anthropic/v1/files/${file.id}`, { method: "DELETE", provider: OPENAI }));
    expect(deleted).toEqual({ id: file.id, type: "file_deleted" });
    expect(callsTo("DELETE", `/v1/files/${stored!.id}`)).toHaveLength(1);
    expect((await fake("GET", `/v1/files/${stored!.id}`)).status).toBe(404);
    expect(await errorOf(await call(`/anthropic/v1/files/${file.id}`))).toMatchObject({ status: 404, type: "not_found_error", message: `File not found: ${file.id}` });
    expect(await errorOf(await call(`/anthropic/v1/files/${file.id}`, { method: "DELETE" }))).toMatchObject({ status: 404, type: "not_found_error" });
  });

  it("deletes the record when OpenAI has already lost the file", async () => {
    const file = await upload("a.txt", "hello");
    const [stored] = ((await (await fake("GET", "/v1/files")).json()) as { data: { id: string }[] }).data;
    expect((await fake("DELETE", `/v1/files/${stored!.id}`)).status).toBe(200);
    expect(await json(await call(`/anthropic/v1/files/${file.id}`, { method: "DELETE" }))).toEqual({ id: file.id, type: "file_deleted" });
    expect(await errorOf(await call(`/anthropic/v1/files/${file.id}`))).toMatchObject({ status: 404 });
  });

  it("lists from D1, newest first, only openai's files with the header, and pages", async () => {
    const anthropicFile = await upload("a.txt", "anthropic", "text/plain", "anthropic");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await upload(`o${i}.txt`, `openai ${i}`)).id);
    const before = fakes.openai.calls.length;

    const page1 = await json<{ data: WireFile[]; has_more: boolean; first_id: string; last_id: string; next_page: string | null }>(
      await call("/anthropic/v1/files?limit=2", { provider: OPENAI }),
    );
    expect(page1.data.map((f) => f.id)).toEqual([ids[2], ids[1]]);
    expect(page1).toMatchObject({ has_more: true, first_id: ids[2], last_id: ids[1] });
    expect(page1.data[0]).toMatchObject({ filename: "o2.txt", mime_type: "text/plain", size_bytes: 8, downloadable: false });
    const page2 = await json<{ data: WireFile[]; has_more: boolean; next_page: string | null }>(
      await call(`/anthropic/v1/files?limit=2&page=${page1.next_page}`, { provider: OPENAI }),
    );
    expect(page2.data.map((f) => f.id)).toEqual([ids[0]]);
    expect(page2).toMatchObject({ has_more: false, next_page: null });

    const all = await json<{ data: WireFile[] }>(await call("/anthropic/v1/files"));
    expect(all.data.map((f) => f.id)).toEqual([ids[2], ids[1], ids[0], anthropicFile.id]);
    expect(fakes.openai.calls.length).toBe(before);
  });

  it("turns OpenAI's 401 into an authentication_error naming openai, without the key, and records nothing", async () => {
    const wrongKey = "sk-proj-wrongwrongwrongwrong1234";
    const error = await errorOf(await callWithEnv({ OPENAI_API_KEY: wrongKey }, "/anthropic/v1/files", { method: "POST", body: fileForm("x.txt", "x"), provider: OPENAI }));
    expect(error).toMatchObject({
      status: 401,
      type: "authentication_error",
      message: "openai upstream error (HTTP 401): Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
    });
    expect(error.message).not.toContain("sk-proj-");
    expect(error.message).not.toContain("1234");
    expect(fakes.openai.calls[0]?.headers.authorization).toBe(`Bearer ${wrongKey}`);
    expect((await json<{ data: unknown[] }>(await call("/anthropic/v1/files"))).data).toEqual([]);
  });

  it("turns an OpenAI 503 on upload into an overloaded_error naming openai (an upload is never retried)", async () => {
    intercept((req) => (req.method === "POST" && new URL(req.url).pathname === "/v1/files" ? openaiError(503, "The server is overloaded or not ready yet.", "server_error") : null));
    const error = await errorOf(await call("/anthropic/v1/files", { method: "POST", body: fileForm("x.txt", "x"), provider: OPENAI }));
    expect(error).toMatchObject({ status: 529, type: "overloaded_error", message: "openai upstream error (HTTP 503): The server is overloaded or not ready yet." });
    expect((await json<{ data: unknown[] }>(await call("/anthropic/v1/files"))).data).toEqual([]);
  });

  it("says which secret to set when OPENAI_API_KEY is missing, without calling OpenAI", async () => {
    const error = await errorOf(await callWithEnv({ OPENAI_API_KEY: undefined }, "/anthropic/v1/files", { method: "POST", body: fileForm("x.txt", "x"), provider: OPENAI }));
    expect(error).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message: "Provider openai is not configured: set the OPENAI_API_KEY secret (`wrangler secret put OPENAI_API_KEY`, or .dev.vars locally)",
    });
    expect(fakes.openai.calls).toEqual([]);
  });
});

describe("batch create on openai", () => {
  it("writes one JSONL file of method/url/body lines (purpose batch) and one 24h /v1/batches job naming the gateway batch", async () => {
    const requests = twoRequests("gpt-4o-mini");
    const batch = await create(requests);
    expect(batch).toEqual({
      id: expect.stringMatching(/^msgbatch_[0-9A-Z]{26}$/),
      type: "message_batch",
      processing_status: "in_progress",
      request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      created_at: expect.stringMatching(RFC3339),
      expires_at: expect.stringMatching(RFC3339),
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    });
    expect(Date.parse(batch.expires_at) - Date.parse(batch.created_at)).toBe(24 * 3600 * 1000);

    expect(fakes.openai.calls.map((c) => `${c.method} ${c.path}`)).toEqual(["POST /v1/files", "POST /v1/batches"]);
    const [fileCall, batchCall] = fakes.openai.calls;
    const expectedLines = [
      chatLine("math-question", { model: "gpt-4o-mini", messages: [{ role: "user", content: "What is 15 * 7?" }], max_tokens: 100 }),
      chatLine("geography-question", { model: "gpt-4o-mini", messages: [{ role: "user", content: "What is the largest ocean?" }], max_tokens: 100 }),
    ];
    const inputText = expectedLines.map((line) => `${JSON.stringify(line)}\n`).join("");
    expect(fileCall!.form).toEqual({
      fields: { purpose: "batch" },
      files: [{ name: "file", filename: `batchbridge-${batch.id}-0.jsonl`, contentType: "application/jsonl", size: new TextEncoder().encode(inputText).byteLength }],
    });
    const [inputFile] = ((await (await fake("GET", "/v1/files?purpose=batch")).json()) as { data: { id: string }[] }).data;
    expect(await fakeFileText(inputFile!.id)).toBe(inputText);
    expect(batchCall!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(batchCall!.body!)).toEqual({
      input_file_id: inputFile!.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
      metadata: { batchbridge_batch_id: batch.id },
      output_expires_after: { anchor: "created_at", seconds: 2592000 },
    });
  });

  it("translates system, tools, tool_choice, stop_sequences, temperature, top_p and metadata.user_id into the line's body", async () => {
    await create([
      request("full", "gpt-4o", "Weather in Paris?", {
        system: [{ type: "text", text: "Be brief." }],
        temperature: 0.2,
        top_p: 0.9,
        stop_sequences: ["\n\nHuman:"],
        metadata: { user_id: "user-42" },
        tools: [{ name: "get_weather", description: "Weather for a city", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }],
        tool_choice: { type: "tool", name: "get_weather" },
      }),
      request("reasoning", "o3-mini", "Think.", { system: "Be careful." }),
    ]);
    const inputs = callsTo("POST", "/v1/batches").map((c) => (JSON.parse(c.body!) as { input_file_id: string }).input_file_id);
    expect(inputs).toHaveLength(2);
    const lines = [];
    for (const id of inputs) lines.push(...jsonLines(await fakeFileText(id)));
    expect(lines).toEqual([
      chatLine("full", {
        model: "gpt-4o",
        messages: [
          { role: "system", content: [{ type: "text", text: "Be brief." }] },
          { role: "user", content: "Weather in Paris?" },
        ],
        max_tokens: 100,
        temperature: 0.2,
        top_p: 0.9,
        stop: ["\n\nHuman:"],
        tools: [{ type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }],
        tool_choice: { type: "function", function: { name: "get_weather" } },
        safety_identifier: "user-42",
      }),
      chatLine("reasoning", {
        model: "o3-mini",
        messages: [
          { role: "developer", content: "Be careful." },
          { role: "user", content: "Think." },
        ],
        max_completion_tokens: 100,
      }),
    ]);
  });

  it("groups by model: one input file and one job per model, each file holding that model's lines only", async () => {
    const batch = await create([
      request("mini-1", "gpt-4o-mini", "One"),
      request("big-1", "gpt-4o", "Two"),
      request("mini-2", "gpt-4o-mini", "Three"),
    ]);
    expect(batch.request_counts).toEqual({ processing: 3, succeeded: 0, errored: 0, canceled: 0, expired: 0 });
    const jobs = callsTo("POST", "/v1/batches").map((c) => JSON.parse(c.body!) as { input_file_id: string; metadata: Record<string, string> });
    expect(jobs).toHaveLength(2);
    expect(callsTo("POST", "/v1/files").map((c) => c.form!.files[0]!.filename)).toEqual([`batchbridge-${batch.id}-0.jsonl`, `batchbridge-${batch.id}-1.jsonl`]);
    const byFile = await Promise.all(jobs.map(async (job) => jsonLines(await fakeFileText(job.input_file_id)) as { custom_id: string; body: { model: string } }[]));
    // Files are sent at the end, in the order their models first came: that order is not part of the contract.
    expect(byFile.map((lines) => lines.map((l) => [l.custom_id, l.body.model])).sort((a, b) => a.length - b.length)).toEqual([
      [["big-1", "gpt-4o"]],
      [["mini-1", "gpt-4o-mini"], ["mini-2", "gpt-4o-mini"]],
    ]);
    for (const job of jobs) expect(job.metadata).toEqual({ batchbridge_batch_id: batch.id });

    const ended = await pollUntilEnded(batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 3, errored: 0, canceled: 0, expired: 0 });
    const lines = await results(batch.id);
    expect(lines.map((l) => [l.custom_id, l.result.type, l.result.message?.model])).toEqual([
      ["big-1", "succeeded", "gpt-4o"],
      ["mini-1", "succeeded", "gpt-4o-mini"],
      ["mini-2", "succeeded", "gpt-4o-mini"],
    ]);
  });

  it("round-robin over 5 models (an eval running each prompt on every model): 20 requests make 5 files and 5 jobs, not 20", async () => {
    const models = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1", "o3-mini"];
    const requests = Array.from({ length: 20 }, (_, i) => request(`p${Math.floor(i / 5)}-${models[i % 5]}`.replaceAll(".", "_"), models[i % 5]!, `Prompt ${Math.floor(i / 5)}`));
    const batch = await create(requests);
    expect(batch.request_counts.processing).toBe(20);
    expect(fakes.openai.calls.map((c) => `${c.method} ${c.path}`)).toEqual(models.flatMap(() => ["POST /v1/files", "POST /v1/batches"]));
    const jobs = callsTo("POST", "/v1/batches").map((c) => JSON.parse(c.body!) as { input_file_id: string });
    for (const [index, job] of jobs.entries()) {
      const lines = jsonLines(await fakeFileText(job.input_file_id)) as { custom_id: string; body: { model: string } }[];
      expect(lines.map((l) => [l.custom_id, l.body.model])).toEqual(requests.filter((_, i) => i % 5 === index).map((r) => [r.custom_id, models[index]]));
    }
    expect(await countRows("batch_jobs")).toBe(5);
    const ended = await pollUntilEnded(batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 20, errored: 0, canceled: 0, expired: 0 });
    expect((await results(batch.id)).map((l) => l.custom_id)).toEqual(requests.map((r) => r.custom_id).sort((a, b) => a.localeCompare(b)));
  });

  it("starts another file and job once OPENAI_BATCH_MAX_LINES is reached", async () => {
    const res = await callWithEnv(
      { OPENAI_BATCH_MAX_LINES: "2" },
      "/anthropic/v1/messages/batches",
      { method: "POST", provider: OPENAI, body: { requests: [request("a", "gpt-4o-mini", "A"), request("b", "gpt-4o-mini", "B"), request("c", "gpt-4o-mini", "C")] } },
    );
    const batch = await json<WireBatch>(res);
    const jobs = callsTo("POST", "/v1/batches").map((c) => JSON.parse(c.body!) as { input_file_id: string });
    expect(jobs).toHaveLength(2);
    const split = await Promise.all(jobs.map(async (job) => (jsonLines(await fakeFileText(job.input_file_id)) as { custom_id: string }[]).map((l) => l.custom_id)));
    expect(split).toEqual([["a", "b"], ["c"]]);
    const ended = await pollUntilEnded(batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 3, errored: 0, canceled: 0, expired: 0 });
    expect((await results(batch.id)).map((l) => l.custom_id)).toEqual(["a", "b", "c"]);
  });

  it("sends the native OpenAI file ID for a document naming a gateway file", async () => {
    const file = await upload("report.pdf", "%PDF-1.4 fake", "application/pdf");
    const [native] = ((await (await fake("GET", "/v1/files?purpose=user_data")).json()) as { data: { id: string }[] }).data;
    const batch = await create([
      {
        custom_id: "with-file",
        params: {
          model: "gpt-4o-mini",
          max_tokens: 50,
          messages: [{ role: "user", content: [{ type: "text", text: "Summarise this file." }, { type: "document", source: { type: "file", file_id: file.id } }] }],
        },
      },
    ]);
    const [job] = callsTo("POST", "/v1/batches").map((c) => JSON.parse(c.body!) as { input_file_id: string });
    expect(jsonLines(await fakeFileText(job!.input_file_id))).toEqual([
      chatLine("with-file", {
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: [{ type: "text", text: "Summarise this file." }, { type: "file", file: { file_id: native!.id } }] }],
        max_tokens: 50,
      }),
    ]);
    await pollUntilEnded(batch.id);
    const [line] = await results(batch.id);
    expect(line).toMatchObject({ custom_id: "with-file", result: { type: "succeeded", message: { content: [{ type: "text", text: "echo: Summarise this file." }] } } });
  });

  it("refuses a file uploaded for another provider, or unknown, before any upstream call", async () => {
    const anthropicFile = await upload("a.pdf", "%PDF", "application/pdf", "anthropic");
    const doc = (fileId: string) => [
      { custom_id: "f", params: { model: "gpt-4o-mini", max_tokens: 5, messages: [{ role: "user", content: [{ type: "document", source: { type: "file", file_id: fileId } }] }] } },
    ];
    const other = await errorOf(await call("/anthropic/v1/messages/batches", { method: "POST", provider: OPENAI, body: { requests: doc(anthropicFile.id) } }));
    expect(other).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message: `requests.0.params.messages.0.content.0.source.file_id: file ${anthropicFile.id} lives on provider anthropic; a batch on openai can only use files uploaded with x-model-provider: openai`,
    });
    const unknown = await errorOf(await call("/anthropic/v1/messages/batches", { method: "POST", provider: OPENAI, body: { requests: doc("file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD") } }));
    expect(unknown).toMatchObject({ status: 400, message: "requests.0.params.messages.0.content.0.source.file_id: file not found: file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD" });
    expect(fakes.openai.calls).toEqual([]);
  });

  it.each([
    ["top_k", { top_k: 5 }, "requests.1.params.top_k: has no equivalent on provider openai; remove it or use provider anthropic"],
    ["thinking", { thinking: { type: "enabled", budget_tokens: 1024 } }, "requests.1.params.thinking: (extended thinking) has no equivalent on provider openai; remove it or use provider anthropic"],
    ["service_tier", { service_tier: "auto" }, "requests.1.params.service_tier: has no equivalent on provider openai; remove it or use provider anthropic"],
    ["metadata keys but user_id", { metadata: { session: "s1" } }, "requests.1.params.metadata.session: has no equivalent on provider openai; remove it or use provider anthropic"],
  ])("refuses %s with a 400 naming the param and openai, before any upstream call", async (_, extra, message) => {
    const error = await errorOf(
      await call("/anthropic/v1/messages/batches", { method: "POST", provider: OPENAI, body: { requests: [request("ok", "gpt-4o-mini", "fine"), request("bad", "gpt-4o-mini", "Hi", extra)] } }),
    );
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error", message });
    expect(fakes.openai.calls).toEqual([]);
    expect((await json<{ data: unknown[] }>(await call("/anthropic/v1/messages/batches"))).data).toEqual([]);
  });

  it("rolls back on an OpenAI 429 at POST /v1/batches: the input file is deleted upstream and no batch is left", async () => {
    const refused: { input_file_id: string }[] = [];
    intercept(async (req) => {
      if (req.method !== "POST" || new URL(req.url).pathname !== "/v1/batches") return null;
      refused.push((await req.json()) as { input_file_id: string });
      return openaiError(429, "You've exceeded the 2000 batch creations per hour limit.", "invalid_request_error", "rate_limit_exceeded");
    });
    const error = await errorOf(await call("/anthropic/v1/messages/batches", { method: "POST", provider: OPENAI, body: { requests: twoRequests("gpt-4o-mini") } }));
    expect(error).toMatchObject({ status: 429, type: "rate_limit_error", message: "openai upstream error (HTTP 429): You've exceeded the 2000 batch creations per hour limit." });
    expect(callsTo("POST", "/v1/files")).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const [job] = refused;
    // The writer's abort and the service's clean-up of recorded artifacts both delete it; the second finds it gone.
    expect(new Set(callsTo("DELETE", /^\/v1\/files\//).map((c) => c.path))).toEqual(new Set([`/v1/files/${job!.input_file_id}`]));
    expect(((await (await fake("GET", "/v1/files")).json()) as { data: unknown[] }).data).toEqual([]);
    expect((await json<{ data: unknown[] }>(await call("/anthropic/v1/messages/batches"))).data).toEqual([]);
  });

  it("rolls back the first model's job when the second model's job fails", async () => {
    let batchCreates = 0;
    intercept((req) => {
      if (req.method !== "POST" || new URL(req.url).pathname !== "/v1/batches") return null;
      batchCreates++;
      return batchCreates === 2 ? openaiError(500, "The server had an error while processing your request.", "server_error") : null;
    });
    const error = await errorOf(
      await call("/anthropic/v1/messages/batches", { method: "POST", provider: OPENAI, body: { requests: [request("a", "gpt-4o-mini", "A"), request("b", "gpt-4o", "B")] } }),
    );
    expect(error).toMatchObject({ status: 500, type: "api_error", message: "openai upstream error (HTTP 500): The server had an error while processing your request." });
    const [first] = await fakeBatches();
    expect(first?.status).toBe("cancelled");
    expect(((await (await fake("GET", "/v1/files?purpose=batch")).json()) as { data: unknown[] }).data).toEqual([]);
    expect((await json<{ data: unknown[] }>(await call("/anthropic/v1/messages/batches"))).data).toEqual([]);
  });

  it("streams a large body (over 4 MiB); a late param OpenAI cannot take cancels the jobs and deletes the files already created", async () => {
    const padding = "x".repeat(2000);
    const requests: unknown[] = Array.from({ length: 2500 }, (_, i) => request(`r${i}`, "gpt-4o-mini", `${i} ${padding}`));
    requests.push(request("late", "gpt-4o-mini", "Hi", { top_k: 3 }));
    const res = await callWithEnv({ OPENAI_BATCH_MAX_LINES: "1000" }, "/anthropic/v1/messages/batches", { method: "POST", provider: OPENAI, body: { requests } });
    const error = await errorOf(res);
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error", message: "requests.2500.params.top_k: has no equivalent on provider openai; remove it or use provider anthropic" });
    // Two files had filled up and become jobs before the bad request arrived.
    const jobs = callsTo("POST", "/v1/batches");
    expect(jobs).toHaveLength(2);
    const natives = await fakeBatches();
    expect(natives.map((n) => n.status)).toEqual(["cancelled", "cancelled"]);
    expect(((await (await fake("GET", "/v1/files?purpose=batch")).json()) as { data: unknown[] }).data).toEqual([]);
    expect((await json<{ data: unknown[] }>(await call("/anthropic/v1/messages/batches"))).data).toEqual([]);
  });

  it("says which secret to set when OPENAI_API_KEY is missing, without calling OpenAI", async () => {
    const error = await errorOf(
      await callWithEnv({ OPENAI_API_KEY: undefined }, "/anthropic/v1/messages/batches", { method: "POST", provider: OPENAI, body: { requests: twoRequests("gpt-4o-mini") } }),
    );
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(error.message).toContain("OPENAI_API_KEY");
    expect(fakes.openai.calls).toEqual([]);
  });
});

describe("batch lifecycle on openai", () => {
  it.each([
    { name: "no custom_id", strip: (line: Record<string, unknown>) => ({ ...line, custom_id: undefined }) },
    { name: "a null custom_id", strip: (line: Record<string, unknown>) => ({ ...line, custom_id: null }) },
    { name: "an empty custom_id", strip: (line: Record<string, unknown>) => ({ ...line, custom_id: "" }) },
  ])("skips an output line with $name: its request is the one no line mentions, and the batch ends", async ({ strip }) => {
    const batch = await create(twoRequests("gpt-4o-mini"));
    // The output file's line for one request comes without its custom_id (what an OpenAI-compatible server may write).
    const inner = globalThis.fetch;
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const isContent = /^\/v1\/files\/[^/]+\/content$/.test(new URL(request.url).pathname);
      const answer = await inner(request);
      if (!isContent) return answer;
      const lines = jsonLines(await answer.text()) as Record<string, unknown>[];
      const text = lines.map((line) => JSON.stringify("response" in line && line.custom_id === "math-question" ? strip(line) : line)).join("\n");
      return new Response(`${text}\n`, { status: answer.status, headers: { "content-type": answer.headers.get("content-type") ?? "application/octet-stream" } });
    });

    const ended = await pollUntilEnded(batch.id);

    // A completed batch ran every request: the one without a line is OpenAI's loss, errored.
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 1, errored: 1, canceled: 0, expired: 0 });
    const lines = await results(batch.id);
    expect(lines.map((line) => [line.custom_id, line.result.type])).toEqual([
      ["geography-question", "succeeded"],
      ["math-question", "errored"],
    ]);
    expect(lines[1]!.result).toEqual({
      type: "errored",
      error: {
        type: "error",
        error: { type: "api_error", message: "openai upstream error: the batch ended without a result for this request (OpenAI's output and error files have no line with its custom_id)" },
        request_id: null,
      },
    });
  });

  it("merges OpenAI's states and counts while polling, then stops asking once ended", async () => {
    const batch = await create(twoRequests("gpt-4o-mini"));
    const [native] = await fakeBatches();
    const gets = () => callsTo("GET", `/v1/batches/${native!.id}`).length;

    const running = await retrieve(batch.id); // OpenAI: in_progress, first request run
    expect(running).toMatchObject({ processing_status: "in_progress", request_counts: { processing: 1, succeeded: 1, errored: 0, canceled: 0, expired: 0 }, ended_at: null, results_url: null });
    const finalizing = await retrieve(batch.id); // OpenAI: finalizing, both run
    expect(finalizing).toMatchObject({ processing_status: "in_progress", request_counts: { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 } });
    const ended = await retrieve(batch.id); // OpenAI: completed
    expect(ended).toEqual({
      ...batch,
      processing_status: "ended",
      request_counts: { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 },
      ended_at: expect.stringMatching(RFC3339),
      results_url: `${GATEWAY}/anthropic/v1/messages/batches/${batch.id}/results`,
    });
    expect(gets()).toBe(3);
    expect(await retrieve(batch.id)).toEqual(ended);
    expect(gets()).toBe(3);
  });

  it("serves results as Anthropic messages: text, stop_reason, usage, model and an id", async () => {
    const batch = await create([
      request("plain", "gpt-4o-mini", "What is 15 * 7?"),
      request("long", "gpt-4o-mini", "HIT_MAX_TOKENS now"),
      request("tool", "gpt-4o-mini", "CALL_TOOL please", {
        tools: [{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }],
      }),
    ]);
    await pollUntilEnded(batch.id);
    const lines = await results(batch.id);
    const usage = (input: number, output: number) => ({ input_tokens: input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: output, output_tokens_details: { thinking_tokens: 0 }, service_tier: "batch" });
    expect(lines).toEqual([
      {
        custom_id: "long",
        result: {
          type: "succeeded",
          message: {
            id: expect.stringMatching(/^msg_chatcmpl-/),
            type: "message",
            role: "assistant",
            model: "gpt-4o-mini",
            content: [{ type: "text", text: "echo: HIT_MAX_TOKENS now" }],
            stop_reason: "max_tokens",
            stop_sequence: null,
            usage: usage(2, 3),
          },
        },
      },
      {
        custom_id: "plain",
        result: {
          type: "succeeded",
          message: {
            id: expect.stringMatching(/^msg_chatcmpl-/),
            type: "message",
            role: "assistant",
            model: "gpt-4o-mini",
            content: [{ type: "text", text: "echo: What is 15 * 7?" }],
            stop_reason: "end_turn",
            stop_sequence: null,
            usage: usage(5, 6),
          },
        },
      },
      {
        custom_id: "tool",
        result: {
          type: "succeeded",
          message: {
            id: expect.stringMatching(/^msg_chatcmpl-/),
            type: "message",
            role: "assistant",
            model: "gpt-4o-mini",
            content: [{ type: "tool_use", id: expect.stringMatching(/^call_/), name: "get_weather", input: { city: "Paris" } }],
            stop_reason: "tool_use",
            stop_sequence: null,
            usage: usage(2, 1),
          },
        },
      },
    ]);
    const ids = lines.map((l) => l.result.message!.id);
    expect(new Set(ids).size).toBe(3);
  });

  it("reports a request OpenAI failed as errored, with the Anthropic error type for its status and counts that match", async () => {
    const batch = await create([...twoRequests("gpt-4o-mini"), request("bad", "gpt-4o-mini", "FAIL_REQUEST please"), request("nomodel", "davinci-002", "Hi")]);
    const ended = await pollUntilEnded(batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 2, canceled: 0, expired: 0 });
    const lines = await results(batch.id);
    expect(lines.map((l) => l.custom_id)).toEqual(["bad", "geography-question", "math-question", "nomodel"]);
    expect(lines[0]!.result).toEqual({
      type: "errored",
      error: {
        type: "error",
        error: { type: "invalid_request_error", message: "The simulated model failed this request, as FAIL_REQUEST asks." },
        request_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      },
    });
    expect(lines[3]!.result).toEqual({
      type: "errored",
      error: {
        type: "error",
        error: { type: "not_found_error", message: "The model `davinci-002` does not exist or you do not have access to it." },
        request_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      },
    });
    expect(lines[1]!.result.type).toBe("succeeded");
    expect(lines[2]!.result.type).toBe("succeeded");
  });

  it("registers OpenAI's output and error files as downloadable gateway files of the batch's owner", async () => {
    const batch = await create([request("good", "gpt-4o-mini", "Hello"), request("bad", "gpt-4o-mini", "FAIL_REQUEST")]);
    await pollUntilEnded(batch.id);
    const [native] = await fakeBatches();
    expect(native).toMatchObject({ status: "completed", output_file_id: expect.any(String), error_file_id: expect.any(String) });

    const listed = await json<{ data: WireFile[] }>(await call("/anthropic/v1/files", { provider: OPENAI }));
    expect(listed.data).toHaveLength(2);
    for (const file of listed.data) {
      expect(file).toEqual({
        id: expect.stringMatching(/^file_[0-9A-Z]{26}$/),
        type: "file",
        filename: expect.stringMatching(/\.jsonl$/),
        mime_type: "application/jsonl",
        size_bytes: expect.any(Number),
        size: file.size_bytes,
        created_at: expect.stringMatching(RFC3339),
        downloadable: true,
        expires_at: null,
        scope: null,
      });
    }
    const outputText = await fakeFileText(native!.output_file_id);
    const errorText = await fakeFileText(native!.error_file_id);
    const downloads: string[] = [];
    for (const file of listed.data) {
      const res = await call(`/anthropic/v1/files/${file.id}/content`, { provider: OPENAI });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/jsonl");
      const text = await bodyText(res);
      expect(new TextEncoder().encode(text).byteLength).toBe(file.size_bytes);
      downloads.push(text);
    }
    expect(downloads.sort()).toEqual([outputText, errorText].sort());
    expect((jsonLines(outputText) as { custom_id: string }[]).map((l) => l.custom_id)).toEqual(["good"]);
    expect((jsonLines(errorText) as { custom_id: string; response: { status_code: number } }[]).map((l) => [l.custom_id, l.response.status_code])).toEqual([["bad", 400]]);
    // The download streamed OpenAI's own content route.
    expect(callsTo("GET", `/v1/files/${native!.output_file_id}/content`).length).toBeGreaterThanOrEqual(2);
    // A second retrieve does not register them twice.
    await retrieve(batch.id);
    expect((await json<{ data: WireFile[] }>(await call("/anthropic/v1/files", { provider: OPENAI }))).data).toHaveLength(2);
  });

  it("cancels every job: canceling at once, then ended with the unrun requests canceled", async () => {
    const batch = await create([
      request("a", "gpt-4o-mini", "A"),
      request("b", "gpt-4o-mini", "B"),
      request("c", "gpt-4o", "C"),
      request("d", "gpt-4o", "D"),
    ]);
    const canceling = await json<WireBatch>(await call(`/anthropic/v1/messages/batches/${batch.id}/cancel?beta=true`, { method: "POST" }));
    expect(canceling).toMatchObject({ id: batch.id, processing_status: "canceling", cancel_initiated_at: expect.stringMatching(RFC3339), results_url: null, ended_at: null });
    const natives = await fakeBatches();
    expect(natives).toHaveLength(2);
    for (const native of natives) expect(callsTo("POST", `/v1/batches/${native.id}/cancel`)).toHaveLength(1);
    expect(natives.map((n) => n.status)).toEqual(["cancelling", "cancelling"]);

    const ended = await pollUntilEnded(batch.id);
    // The cancel's own refresh let OpenAI run the first request of each job.
    expect(ended).toMatchObject({
      processing_status: "ended",
      cancel_initiated_at: canceling.cancel_initiated_at,
      request_counts: { processing: 0, succeeded: 2, errored: 0, canceled: 2, expired: 0 },
      results_url: `${GATEWAY}/anthropic/v1/messages/batches/${batch.id}/results`,
    });
    const lines = await results(batch.id);
    expect(lines.map((l) => [l.custom_id, l.result.type])).toEqual([
      ["a", "succeeded"],
      ["b", "canceled"],
      ["c", "succeeded"],
      ["d", "canceled"],
    ]);
    expect(lines[1]!.result).toEqual({ type: "canceled" });

    // Cancelling an ended batch changes nothing and asks OpenAI nothing.
    const before = fakes.openai.calls.length;
    expect(await json(await call(`/anthropic/v1/messages/batches/${batch.id}/cancel`, { method: "POST" }))).toEqual(ended);
    expect(fakes.openai.calls.length).toBe(before);
  });

  it("cancels a batch whose job ended upstream since the last poll: canceling, then ended, no error", async () => {
    const batch = await create(twoRequests("gpt-4o-mini"));
    const [native] = await fakeBatches();
    // The job ends upstream just before the cancel reaches OpenAI, which then refuses it (400).
    intercept(async (request) => {
      if (request.method === "POST" && new URL(request.url).pathname.endsWith("/cancel")) {
        await fakes.openai.fetch(new Request(`https://openai.fake/__fake/batches/${native!.id}/expire`, { method: "POST" }));
      }
      return null;
    });
    const res = await call(`/anthropic/v1/messages/batches/${batch.id}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ id: batch.id, processing_status: "canceling" });
    expect(callsTo("POST", `/v1/batches/${native!.id}/cancel`)).toHaveLength(1);
    // The cancel's own refresh let OpenAI run the first request before the job expired.
    const ended = await pollUntilEnded(batch.id);
    expect(ended).toMatchObject({ processing_status: "ended", request_counts: { processing: 0, succeeded: 1, errored: 0, canceled: 0, expired: 1 } });
  });

  it("reports an OpenAI batch that expired: what ran succeeded, batch_expired lines become expired results", async () => {
    const batch = await create(twoRequests("gpt-4o-mini"));
    await retrieve(batch.id); // OpenAI runs the first request
    const [native] = await fakeBatches();
    expect((await fakes.openai.fetch(new Request(`https://openai.fake/__fake/batches/${native!.id}/expire`, { method: "POST" }))).status).toBe(200);
    const ended = await retrieve(batch.id);
    expect(ended).toMatchObject({ processing_status: "ended", cancel_initiated_at: null, request_counts: { processing: 0, succeeded: 1, errored: 0, canceled: 0, expired: 1 } });
    const lines = await results(batch.id);
    expect(lines.map((l) => l.custom_id)).toEqual(["geography-question", "math-question"]);
    expect(lines[0]!.result).toEqual({ type: "expired" });
    expect(lines[1]!.result).toMatchObject({ type: "succeeded", message: { content: [{ type: "text", text: "echo: What is 15 * 7?" }] } });
  });

  it("ends an OpenAI batch that failed validation with every request errored, quoting OpenAI's validation errors", async () => {
    const batch = await create(twoRequests("gpt-4o-mini"));
    // OpenAI answers the batch as failed, with its validation errors (the gateway's own lines are always valid).
    intercept(async (req) => {
      if (req.method !== "GET" || !new URL(req.url).pathname.startsWith("/v1/batches/")) return null;
      const real = (await (await fakes.openai.fetch(req)).json()) as Record<string, unknown>;
      const failed = {
        ...real,
        status: "failed",
        failed_at: real.created_at,
        request_counts: { total: 0, completed: 0, failed: 0 },
        errors: { object: "list", data: [{ code: "invalid_value", message: "Invalid value for 'max_tokens'.", param: "body.max_tokens", line: 2 }] },
      };
      return new Response(JSON.stringify(failed), { headers: { "content-type": "application/json" } });
    });
    const ended = await retrieve(batch.id);
    expect(ended).toMatchObject({ processing_status: "ended", ended_at: expect.stringMatching(RFC3339), request_counts: { processing: 0, succeeded: 0, errored: 2, canceled: 0, expired: 0 } });
    const errored = {
      type: "errored",
      error: {
        type: "error",
        error: { type: "invalid_request_error", message: "openai failed the batch during input validation: line 2: Invalid value for 'max_tokens'. (invalid_value)" },
        request_id: null,
      },
    };
    expect(await results(batch.id)).toEqual([
      { custom_id: "geography-question", result: errored },
      { custom_id: "math-question", result: errored },
    ]);
  });

  it("refuses results while processing, with Anthropic's 400", async () => {
    const batch = await create(twoRequests("gpt-4o-mini"));
    const error = await errorOf(await call(`/anthropic/v1/messages/batches/${batch.id}/results`));
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(error.message).toBe(`Message batch ${batch.id} has not finished processing (processing_status: in_progress); results are available once it has ended.`);
  });

  it("refuses delete while processing; once ended deletes the input, output and error files upstream and every record", async () => {
    const batch = await create([request("good", "gpt-4o-mini", "Hello"), request("bad", "gpt-4o-mini", "FAIL_REQUEST")]);
    const refused = await errorOf(await call(`/anthropic/v1/messages/batches/${batch.id}`, { method: "DELETE" }));
    expect(refused).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(refused.message).toMatch(/still processing/);
    await pollUntilEnded(batch.id);
    const [native] = await fakeBatches();
    const fileIds = [native!.input_file_id, native!.output_file_id, native!.error_file_id] as string[];
    const outputs = await json<{ data: WireFile[] }>(await call("/anthropic/v1/files"));
    expect(outputs.data).toHaveLength(2);

    const deleted = await json(await call(`/anthropic/v1/messages/batches/${batch.id}`, { method: "DELETE", provider: OPENAI }));
    expect(deleted).toEqual({ id: batch.id, type: "message_batch_deleted" });
    expect(callsTo("DELETE", /^\/v1\/files\//).map((c) => c.path).sort()).toEqual(fileIds.map((id) => `/v1/files/${id}`).sort());
    expect(callsTo("POST", /\/cancel$/)).toEqual([]);
    for (const id of fileIds) expect((await fake("GET", `/v1/files/${id}`)).status).toBe(404);
    expect(await errorOf(await call(`/anthropic/v1/messages/batches/${batch.id}`))).toMatchObject({ status: 404, type: "not_found_error", message: `Message batch not found: ${batch.id}` });
    expect((await json<{ data: unknown[] }>(await call("/anthropic/v1/files"))).data).toEqual([]);
    for (const file of outputs.data) expect(await errorOf(await call(`/anthropic/v1/files/${file.id}/content`))).toMatchObject({ status: 404 });
  });

  it("lists openai's batches newest first with the header, every provider's without it, and pages", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create([request(`r${i}`, "gpt-4o-mini", "x")])).id);
    const anthropicBatch = await json<WireBatch>(await call("/anthropic/v1/messages/batches", { method: "POST", body: { requests: twoRequests() } }));
    const page1 = await json<{ data: WireBatch[]; has_more: boolean; first_id: string; last_id: string }>(
      await call("/anthropic/v1/messages/batches?limit=2", { provider: OPENAI }),
    );
    expect(page1.data.map((b) => b.id)).toEqual([ids[2], ids[1]]);
    expect(page1).toMatchObject({ has_more: true, first_id: ids[2], last_id: ids[1] });
    const page2 = await json<{ data: WireBatch[]; has_more: boolean }>(await call(`/anthropic/v1/messages/batches?limit=2&after_id=${page1.last_id}`, { provider: OPENAI }));
    expect(page2.data.map((b) => b.id)).toEqual([ids[0]]);
    expect(page2.has_more).toBe(false);
    const all = await json<{ data: WireBatch[] }>(await call("/anthropic/v1/messages/batches"));
    expect(all.data.map((b) => b.id)).toEqual([anthropicBatch.id, ids[2], ids[1], ids[0]]);
  });
});

describe("upstream errors on openai", () => {
  it("turns a 5xx on retrieve (after retries) into an api_error naming openai, and leaves the batch usable", async () => {
    const batch = await create(twoRequests("gpt-4o-mini"));
    let failures = 0;
    intercept((req) => {
      if (req.method !== "GET" || !new URL(req.url).pathname.startsWith("/v1/batches/") || failures >= 4) return null;
      failures++;
      return openaiError(500, "The server had an error while processing your request. Sorry about that!", "server_error");
    });
    const error = await errorOf(await call(`/anthropic/v1/messages/batches/${batch.id}`));
    expect(error).toMatchObject({ status: 500, type: "api_error", message: "openai upstream error (HTTP 500): The server had an error while processing your request. Sorry about that!" });
    expect(failures).toBe(4);
    expect(await retrieve(batch.id)).toMatchObject({ processing_status: "in_progress", request_counts: { processing: 1, succeeded: 1 } });
  });

  it("retries a transient 503 on retrieve and answers as if nothing happened", async () => {
    const batch = await create(twoRequests("gpt-4o-mini"));
    let failures = 0;
    intercept((req) => {
      if (req.method !== "GET" || failures >= 1) return null;
      failures++;
      return openaiError(503, "Service Unavailable", "server_error");
    });
    expect(await retrieve(batch.id)).toMatchObject({ processing_status: "in_progress", request_counts: { processing: 1, succeeded: 1 } });
    expect(failures).toBe(1);
  });

  it("turns OpenAI's 404 for a batch it no longer knows into a not_found_error naming openai", async () => {
    const batch = await create(twoRequests("gpt-4o-mini"));
    fakes.openai.reset();
    const error = await errorOf(await call(`/anthropic/v1/messages/batches/${batch.id}`));
    expect(error.status).toBe(404);
    expect(error.type).toBe("not_found_error");
    expect(error.message).toMatch(/^openai upstream error \(HTTP 404\): No batch found with id '/);
  });

  it("turns a malformed OpenAI answer into an api_error naming openai", async () => {
    const batch = await create(twoRequests("gpt-4o-mini"));
    intercept((req) => (req.method === "GET" && new URL(req.url).pathname.startsWith("/v1/batches/") ? new Response("<html>gateway timeout</html>", { status: 200, headers: { "content-type": "text/html" } }) : null));
    const error = await errorOf(await call(`/anthropic/v1/messages/batches/${batch.id}`));
    expect(error).toMatchObject({ status: 500, type: "api_error", message: "openai upstream error (HTTP 502): malformed response: the body was not JSON (not passed on)" });
  });

  it("turns a 429 on results being vaulted into a rate_limit_error naming openai, and publishes nothing until they are", async () => {
    const batch = await create(twoRequests("gpt-4o-mini"));
    let limited = true;
    intercept((req) => (limited && new URL(req.url).pathname.endsWith("/content") ? openaiError(429, "Rate limit reached for requests", "requests", "rate_limit_exceeded") : null));
    let res: Response | undefined;
    for (let i = 0; i < 6; i++) {
      res = await call(`/anthropic/v1/messages/batches/${batch.id}`);
      if (res.status !== 200) break;
      expect(((await res.json()) as WireBatch).processing_status).toBe("in_progress");
    }
    expect(await errorOf(res!)).toMatchObject({ status: 429, type: "rate_limit_error", message: "openai upstream error (HTTP 429): Rate limit reached for requests" });
    // A results call tries the vault again, and says why it failed.
    expect(await errorOf(await call(`/anthropic/v1/messages/batches/${batch.id}/results`))).toMatchObject({ status: 429, type: "rate_limit_error" });
    limited = false;
    expect((await retrieve(batch.id)).processing_status).toBe("ended");
    expect((await results(batch.id)).map((line) => line.custom_id)).toEqual(["geography-question", "math-question"]);
  });

  it("never lets the key into an error, even when OpenAI quotes it whole", async () => {
    const batch = await create(twoRequests("gpt-4o-mini"));
    intercept((req) => (req.method === "GET" ? openaiError(401, `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`, "invalid_request_error", "invalid_api_key") : null));
    const res = await call(`/anthropic/v1/messages/batches/${batch.id}`);
    const text = await res.clone().text();
    expect(text).not.toContain(KEY);
    expect(await errorOf(res)).toMatchObject({
      status: 401,
      type: "authentication_error",
      message: "openai upstream error (HTTP 401): Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
    });
  });
});

describe("reasoning models on openai", () => {
  it("refuses temperature on a reasoning model with a 400 naming the param and the model, before any upstream call", async () => {
    const res = await call("/anthropic/v1/messages/batches", {
      method: "POST",
      provider: OPENAI,
      body: { requests: [request("ok", "o3", "Hi"), request("warm", "o3", "Hi", { temperature: 0.3 })] },
    });
    expect(await errorOf(res)).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message: "requests.1.params.temperature: is not supported by model o3 (OpenAI reasoning models take only the default, 1) on provider openai; remove it or use provider anthropic",
    });
    expect(fakes.openai.calls).toEqual([]);
    expect((await json<{ data: unknown[] }>(await call("/anthropic/v1/messages/batches"))).data).toEqual([]);
  });

  it("sends max_tokens as max_completion_tokens and leaves out the default temperature", async () => {
    await create([request("r", "gpt-5-mini", "Hi", { temperature: 1, system: "Be brief." })]);
    const [inputFile] = ((await (await fake("GET", "/v1/files?purpose=batch")).json()) as { data: { id: string }[] }).data;
    expect(JSON.parse(await fakeFileText(inputFile!.id))).toEqual(
      chatLine("r", { model: "gpt-5-mini", messages: [{ role: "developer", content: "Be brief." }, { role: "user", content: "Hi" }], max_completion_tokens: 100 }),
    );
  });
});

describe("null params, cut-off tool calls and thinking tokens on openai", () => {
  it("takes null values as absent params: the batch is created and OpenAI gets none of them", async () => {
    const batch = await create([
      request("nulls", "gpt-4o-mini", "Hi", {
        system: null,
        temperature: null,
        top_p: null,
        top_k: null,
        stop_sequences: null,
        metadata: { user_id: null },
        tools: null,
        tool_choice: null,
        thinking: null,
        output_config: null,
      }),
    ]);
    expect(batch.processing_status).toBe("in_progress");
    const [inputFile] = ((await (await fake("GET", "/v1/files?purpose=batch")).json()) as { data: { id: string }[] }).data;
    expect(JSON.parse(await fakeFileText(inputFile!.id))).toEqual(
      chatLine("nulls", { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }], max_tokens: 100 }),
    );
  });

  it("reports a tool call cut off by max_tokens as Anthropic does (succeeded, max_tokens, without the cut call), and reasoning tokens as thinking tokens", async () => {
    const tools = [{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }];
    const batch = await create([
      request("cut", "gpt-4o-mini", "CALL_TOOL but HIT_MAX_TOKENS", { tools }),
      request("think", "o4-mini", "Two words"),
    ]);
    await pollUntilEnded(batch.id);
    const [cut, think] = await results(batch.id);
    expect(cut).toMatchObject({
      custom_id: "cut",
      result: { type: "succeeded", message: { content: [], stop_reason: "max_tokens" } },
    });
    // The fake's o4-mini answers "echo: Two words" (3) and reasons one token per input word (2), within its output tokens.
    expect(think).toMatchObject({
      custom_id: "think",
      result: { type: "succeeded", message: { usage: { input_tokens: 2, output_tokens: 5, output_tokens_details: { thinking_tokens: 2 } } } },
    });
  });
});

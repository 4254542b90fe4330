/**
 * The Anthropic fake is strict: it refuses what the real API refuses, with the real status and
 * error body. A lenient fake would let the adapter's bugs pass here and fail in production.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { FakeAnthropic } from "../../fakes/anthropic/index.ts";
import rejections from "../../fixtures/anthropic/fake-batch-rejections.json";
import { providerHarness, ANTHROPIC, type ProviderHarness } from "../support/harness";

const { authHeaders: AUTH_HEADERS, key: KEY, now: NOW, origin: ORIGIN } = ANTHROPIC;

const FILES = { "anthropic-beta": "files-api-2025-04-14" };
const JSON_TYPE = { "content-type": "application/json" };

let h: ProviderHarness<"anthropic">;
let fake: FakeAnthropic;

beforeEach(() => {
  h = providerHarness("anthropic");
  fake = h.fake;
});

/** The error body of `response`, checked to carry the same request ID as its header. */
async function errorOf(response: Response): Promise<{ status: number; type: string; message: string; details?: unknown }> {
  const body = (await response.json()) as { type: string; error: { type: string; message: string; details?: unknown }; request_id: string };
  expect(body.type).toBe("error");
  expect(body.request_id).toBe(response.headers.get("request-id"));
  expect(body.request_id).toMatch(/^req_01/);
  return { status: response.status, ...body.error };
}

function request(customId: string, content: unknown = "hi", extra: Record<string, unknown> = {}) {
  return { custom_id: customId, params: { model: "claude-x", max_tokens: 10, messages: [{ role: "user", content }], ...extra } };
}

async function createBatch(requests: unknown[]): Promise<{ id: string; [key: string]: unknown }> {
  const response = await h.call("POST", "/v1/messages/batches", { headers: JSON_TYPE, body: JSON.stringify({ requests }) });
  expect(response.status).toBe(200);
  return response.json();
}

async function upload(filename: string, type: string, text: string, fields: Array<[string, string]> = []): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  form.append("file", new File([text], filename, { type }));
  return h.call("POST", "/v1/files?beta=true", { headers: FILES, body: form });
}

describe("auth and headers", () => {
  it("requires a key", async () => {
    const response = await fake.fetch(new Request(`${ORIGIN}/v1/messages/batches`, { headers: { "anthropic-version": "2023-06-01" } }));
    expect(await errorOf(response)).toEqual({ status: 401, type: "authentication_error", message: "x-api-key header is required" });
  });

  it("refuses a wrong x-api-key or bearer token, and accepts the right bearer token", async () => {
    const wrongKey = await h.call("GET", "/v1/messages/batches", { headers: { "x-api-key": "nope" } });
    expect(await errorOf(wrongKey)).toEqual({ status: 401, type: "authentication_error", message: "invalid x-api-key" });
    const bearer = (token: string) => fake.fetch(new Request(`${ORIGIN}/v1/messages/batches`, { headers: { authorization: `Bearer ${token}`, "anthropic-version": "2023-06-01" } }));
    expect(await errorOf(await bearer("nope"))).toEqual({ status: 401, type: "authentication_error", message: "Invalid bearer token" });
    expect((await bearer(KEY)).status).toBe(200);
  });

  it("requires a known anthropic-version", async () => {
    const missing = await fake.fetch(new Request(`${ORIGIN}/v1/messages/batches`, { headers: { "x-api-key": KEY } }));
    expect(await errorOf(missing)).toEqual({ status: 400, type: "invalid_request_error", message: "anthropic-version: header is required" });
    const unknown = await h.call("GET", "/v1/messages/batches", { headers: { "anthropic-version": "2024-01-01" } });
    expect(await errorOf(unknown)).toEqual({ status: 400, type: "invalid_request_error", message: 'anthropic-version: "2024-01-01" is not a valid version' });
  });

  it("refuses unknown betas with the API's message", async () => {
    const response = await h.call("GET", "/v1/messages/batches", { headers: { "anthropic-beta": "message-batches-2024-09-24,made-up-2099-01-01" } });
    expect(await errorOf(response)).toEqual({
      status: 400,
      type: "invalid_request_error",
      message: "Unexpected value(s) `made-up-2099-01-01` for the `anthropic-beta` header. Please consult our documentation at platform.claude.com/docs or try again without the header.",
    });
  });

  it("serves files routes with and without the files beta (the Files API is GA), and the beta page shape only with it", async () => {
    const ga = await h.call("GET", "/v1/files");
    expect(ga.status).toBe(200);
    expect(await ga.json()).toEqual({ data: [], next_page: null });
    const beta = await h.call("GET", "/v1/files?beta=true", { headers: FILES });
    expect(await beta.json()).toEqual({ data: [], first_id: null, last_id: null, has_more: false });
    expect((await h.call("GET", "/v1/messages/batches?beta=true")).status).toBe(200);
  });

  it("answers unknown paths 404 and wrong methods 405", async () => {
    expect(await errorOf(await h.call("GET", "/v1/batches"))).toEqual({ status: 404, type: "not_found_error", message: "Not Found" });
    expect(await errorOf(await h.call("PUT", "/v1/messages/batches"))).toEqual({ status: 405, type: "invalid_request_error", message: "Method Not Allowed" });
  });

  it("records every API call, and the control routes list and forget them", async () => {
    await h.call("GET", "/v1/messages/batches?limit=5");
    const listed = (await (await fake.fetch(new Request(`${ORIGIN}/__fake/calls`))).json()) as unknown[];
    expect(listed).toEqual([{ method: "GET", path: "/v1/messages/batches", query: { limit: "5" }, headers: AUTH_HEADERS }]);
    await fake.fetch(new Request(`${ORIGIN}/__fake/reset`, { method: "POST" }));
    expect(fake.calls).toEqual([]);
  });
});

describe("files", () => {
  it("stores an upload's metadata: last path component as filename, the part's type as mime_type", async () => {
    const response = await upload("docs/q3/report.txt", "text/plain", "quarterly");
    expect(await response.json()).toEqual({
      id: "file_011111111111111111111112",
      type: "file",
      filename: "report.txt",
      mime_type: "text/plain",
      size_bytes: 9,
      created_at: NOW,
      downloadable: false,
    });
  });

  it("accepts expires_in_seconds (3600–7776000) and refuses it out of range", async () => {
    const ok = (await (await upload("a.txt", "text/plain", "x", [["expires_in_seconds", "3600"]])).json()) as Record<string, unknown>;
    expect(ok.expires_at).toBe("2026-01-01T01:00:00.000Z");
    expect(await errorOf(await upload("a.txt", "text/plain", "x", [["expires_in_seconds", "60"]]))).toEqual({
      status: 400,
      type: "invalid_request_error",
      message: "expires_in_seconds: Input should be greater than or equal to 3600",
    });
  });

  it("refuses an upload that is not exactly one `file` part (plus the optional expiry)", async () => {
    expect(await errorOf(await upload("a.txt", "text/plain", "x", [["purpose", "batch"]]))).toEqual({
      status: 400,
      type: "invalid_request_error",
      message: "purpose: Extra inputs are not permitted",
    });
    const twoFiles = new FormData();
    twoFiles.append("file", new File(["a"], "a.txt"));
    twoFiles.append("file", new File(["b"], "b.txt"));
    expect((await errorOf(await h.call("POST", "/v1/files", { headers: FILES, body: twoFiles }))).message).toBe("file: only one file can be uploaded per request");
    const noFile = new FormData();
    noFile.append("expires_in_seconds", "3600");
    expect((await errorOf(await h.call("POST", "/v1/files", { headers: FILES, body: noFile }))).message).toBe("file: Field required");
    const notMultipart = await h.call("POST", "/v1/files", { headers: { ...FILES, ...JSON_TYPE }, body: "{}" });
    expect((await errorOf(notMultipart)).message).toBe("Content-Type must be multipart/form-data with a boundary");
  });

  it("lists newest first with before_id, after_id and limit", async () => {
    for (const name of ["1.txt", "2.txt", "3.txt"]) await upload(name, "text/plain", name);
    const list = async (query: string) => {
      const page = (await (await h.call("GET", `/v1/files?${query}`, { headers: FILES })).json()) as { data: Array<{ filename: string }>; has_more: boolean; first_id: string; last_id: string };
      return { names: page.data.map((file) => file.filename), has_more: page.has_more };
    };
    const [third, second, first] = ["file_011111111111111111111114", "file_011111111111111111111113", "file_011111111111111111111112"];
    expect(await list("limit=2")).toEqual({ names: ["3.txt", "2.txt"], has_more: true });
    expect(await list(`after_id=${second}`)).toEqual({ names: ["1.txt"], has_more: false });
    expect(await list(`before_id=${first}&limit=1`)).toEqual({ names: ["2.txt"], has_more: true });
    expect(await list(`before_id=${third}`)).toEqual({ names: [], has_more: false });
    for (const [query, message] of [
      ["limit=0", "limit: Input should be greater than or equal to 1"],
      ["limit=1001", "limit: Input should be less than or equal to 1000"],
      ["limit=ten", "limit: Input should be a valid integer, unable to parse string as an integer"],
    ]) {
      expect((await errorOf(await h.call("GET", `/v1/files?${query}`, { headers: FILES }))).message).toBe(message);
    }
  });

  it("lists in the GA shape without the files beta: a page token, ids, and next_page", async () => {
    for (const name of ["1.txt", "2.txt", "3.txt"]) await upload(name, "text/plain", name);
    const list = async (query: string) => {
      const response = await h.call("GET", `/v1/files?${query}`);
      const page = (await response.json()) as { data: Array<{ filename: string }>; next_page: string | null };
      expect(Object.keys(page).sort()).toEqual(["data", "next_page"]);
      return page;
    };
    const first = await list("limit=2");
    expect(first.data.map((file) => file.filename)).toEqual(["3.txt", "2.txt"]);
    expect(first.next_page).toEqual(expect.any(String));
    const second = await list(`limit=2&page=${first.next_page}`);
    expect(second).toMatchObject({ data: [{ filename: "1.txt" }], next_page: null });
    const picked = await list("ids[]=file_011111111111111111111112&ids[]=file_011111111111111111111114");
    expect(picked.data.map((file) => file.filename)).toEqual(["3.txt", "1.txt"]);
    expect((await errorOf(await h.call("GET", "/v1/files?page=bogus"))).message).toBe("page: Invalid page token: bogus");
  });

  it("refuses to download an uploaded file with file_not_downloadable", async () => {
    const { id } = (await (await upload("a.txt", "text/plain", "x")).json()) as { id: string };
    expect(await errorOf(await h.call("GET", `/v1/files/${id}/content`, { headers: FILES }))).toEqual({
      status: 400,
      type: "invalid_request_error",
      message: `File ${id} is not downloadable: only files generated by a tool, such as the code execution tool, can be downloaded`,
      details: { error_code: "file_not_downloadable" },
    });
  });

  it("deletes a file once; then it is not found", async () => {
    const { id } = (await (await upload("a.txt", "text/plain", "x")).json()) as { id: string };
    expect(await (await h.call("DELETE", `/v1/files/${id}`, { headers: FILES })).json()).toEqual({ id, type: "file_deleted" });
    expect(await errorOf(await h.call("GET", `/v1/files/${id}`, { headers: FILES }))).toEqual({ status: 404, type: "not_found_error", message: `File not found: ${id}` });
    expect((await h.call("DELETE", `/v1/files/${id}`, { headers: FILES })).status).toBe(404);
  });
});

describe("batch create", () => {
  type Rejection = { name: string; body?: unknown; raw?: string; uploadTextFile?: boolean; status: number; message: string };

  it.each(rejections as Rejection[])("refuses $name", async ({ body, raw, uploadTextFile, status, message }) => {
    let text = raw ?? JSON.stringify(body);
    let expected = message;
    if (uploadTextFile) {
      const { id } = (await (await upload("a.txt", "text/plain", "x")).json()) as { id: string };
      text = text.replaceAll("$FILE", id);
      expected = expected.replaceAll("$FILE", id);
    }
    const response = await h.call("POST", "/v1/messages/batches", { headers: JSON_TYPE, body: text });
    expect(await errorOf(response)).toEqual({ status, type: "invalid_request_error", message: expected });
    expect((await (await h.call("GET", "/v1/messages/batches")).json()) as { data: unknown[] }).toMatchObject({ data: [] });
  });

  it("refuses a body that is not application/json", async () => {
    const response = await h.call("POST", "/v1/messages/batches", { headers: { "content-type": "text/plain" }, body: JSON.stringify({ requests: [request("a")] }) });
    expect(await errorOf(response)).toEqual({ status: 400, type: "invalid_request_error", message: "Content-Type must be application/json" });
  });

  it("refuses more than 100,000 requests, counting them all", async () => {
    const one = JSON.stringify(request("r").params);
    const encoder = new TextEncoder();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        let text = sent === 0 ? '{"requests":[' : "";
        for (let n = 0; n < 5000 && sent < 100_001; n++, sent++) text += `${sent ? "," : ""}{"custom_id":"r${sent}","params":${one}}`;
        if (sent === 100_001) text += "]}";
        controller.enqueue(encoder.encode(text));
        if (sent === 100_001) controller.close();
      },
    });
    const response = await h.call("POST", "/v1/messages/batches", { headers: JSON_TYPE, body });
    expect(await errorOf(response)).toEqual({ status: 400, type: "invalid_request_error", message: "requests: List should have at most 100000 items after validation, not 100001" });
  });

  it("accepts the 2026 params, tools, mid-conversation system messages and a max_tokens 0 pre-warm, and answers a MessageBatch", async () => {
    const batch = await createBatch([
      request("warm", "prefix", { max_tokens: 0 }),
      request("a", [{ type: "text", text: "hello" }], { system: [{ type: "text", text: "be brief" }], temperature: 0.5, output_config: { effort: "low" }, tools: [{ name: "t", input_schema: { type: "object" } }] }),
      { custom_id: "b", params: { model: "claude-x", max_tokens: 1, messages: [{ role: "user", content: "a" }, { role: "system", content: "now French" }, { role: "user", content: "b" }] } },
    ]);
    expect(batch).toEqual({
      id: "msgbatch_011111111111111111111112",
      type: "message_batch",
      processing_status: "in_progress",
      request_counts: { processing: 3, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      created_at: NOW,
      expires_at: "2026-01-02T00:00:00.000Z",
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    });
  });
});

describe("batch lifecycle", () => {
  it("ends after two GETs, with results_url on the fake's own origin and JSONL results in no input order", async () => {
    const { id } = await createBatch([request("first"), request("second", "HIT_MAX_TOKENS please")]);
    const get = async () => (await (await h.call("GET", `/v1/messages/batches/${id}`)).json()) as Record<string, unknown>;
    expect((await get()).processing_status).toBe("in_progress");
    const ended = await get();
    expect(ended).toMatchObject({
      processing_status: "ended",
      ended_at: NOW,
      request_counts: { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 },
      results_url: `${ORIGIN}/v1/messages/batches/${id}/results`,
    });
    const results = await h.call("GET", `/v1/messages/batches/${id}/results`);
    expect(results.headers.get("content-type")).toBe("application/x-jsonl");
    expect(results.headers.get("content-disposition")).toBe(`attachment; filename*=utf-8''${id}_results.jsonl`);
    const text = new TextDecoder().decode(await results.arrayBuffer());
    const lines = text.trim().split("\n").map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.custom_id, line.result.message.stop_reason])).toEqual([
      ["second", "max_tokens"],
      ["first", "end_turn"],
    ]);
  });

  it("refuses results before the batch ends", async () => {
    const { id } = await createBatch([request("a")]);
    expect(await errorOf(await h.call("GET", `/v1/messages/batches/${id}/results`))).toEqual({
      status: 400,
      type: "invalid_request_error",
      message: `Message Batch ${id} has not finished processing; results are available once it has ended`,
    });
  });

  it("cancel: canceling, then ended with every request canceled; an ended batch cannot be canceled", async () => {
    const { id } = await createBatch([request("a"), request("b")]);
    const canceling = (await (await h.call("POST", `/v1/messages/batches/${id}/cancel?beta=true`)).json()) as Record<string, unknown>;
    expect(canceling).toMatchObject({ processing_status: "canceling", cancel_initiated_at: NOW, request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 } });
    const ended = (await (await h.call("GET", `/v1/messages/batches/${id}`)).json()) as Record<string, unknown>;
    expect(ended).toMatchObject({ processing_status: "ended", request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 2, expired: 0 } });
    expect(await errorOf(await h.call("POST", `/v1/messages/batches/${id}/cancel`))).toEqual({
      status: 400,
      type: "invalid_request_error",
      message: `Message Batch ${id} has already ended and cannot be canceled`,
    });
  });

  it("deletes only ended batches", async () => {
    const { id } = await createBatch([request("a")]);
    expect(await errorOf(await h.call("DELETE", `/v1/messages/batches/${id}`))).toEqual({
      status: 400,
      type: "invalid_request_error",
      message: `Message Batch ${id} cannot be deleted while it is still processing; cancel it and wait for it to end first`,
    });
    await fake.fetch(new Request(`${ORIGIN}/__fake/batches/${id}/expire`, { method: "POST" }));
    expect(await (await h.call("DELETE", `/v1/messages/batches/${id}`)).json()).toEqual({ id, type: "message_batch_deleted" });
    expect(await errorOf(await h.call("GET", `/v1/messages/batches/${id}`))).toEqual({ status: 404, type: "not_found_error", message: `Message Batch not found: ${id}` });
  });

  it("lists batches newest first without moving them forward", async () => {
    const first = await createBatch([request("a")]);
    const second = await createBatch([request("b")]);
    const page = (await (await h.call("GET", "/v1/messages/batches?limit=1")).json()) as { data: Array<{ id: string; processing_status: string }>; has_more: boolean; first_id: string; last_id: string };
    expect(page).toMatchObject({ has_more: true, first_id: second.id, last_id: second.id });
    const rest = (await (await h.call("GET", `/v1/messages/batches?after_id=${second.id}`)).json()) as { data: Array<{ id: string; processing_status: string }>; has_more: boolean };
    expect(rest.data.map((batch) => [batch.id, batch.processing_status])).toEqual([[first.id, "in_progress"]]);
    expect(rest.has_more).toBe(false);
  });
});

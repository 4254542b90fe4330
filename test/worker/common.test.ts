/**
 * What every route shares: health, request IDs, auth, provider selection, unknown IDs and
 * routes, and validation. None of these may reach a provider: fetch throws if called.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { call, callWithEnv, errorOf } from "./support/gateway";
import { twoRequests } from "./support/requests";

let upstreamCalls = 0;
beforeEach(() => {
  upstreamCalls = 0;
  vi.stubGlobal("fetch", async () => {
    upstreamCalls++;
    throw new Error("no upstream call expected");
  });
  return () => vi.unstubAllGlobals();
});

describe("health and request IDs", () => {
  it("answers /health", async () => {
    const res = await call("/health", { key: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(res.headers.get("request-id")).toMatch(/^req_[1-9A-HJ-NP-Za-km-z]{24}$/);
  });

  it("says on /health when npm run dev runs it against the local simulators", async () => {
    const res = await callWithEnv({ BATCHBRIDGE_SIMULATORS: "true" }, "/health", { key: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", simulators: true });
    const other = await callWithEnv({ BATCHBRIDGE_SIMULATORS: "false" }, "/health", { key: null });
    expect(await other.json()).toEqual({ status: "ok" });
  });

  it("gives every error a request-id header matching its body", async () => {
    const res = await call("/anthropic/v1/nothing-here");
    expect(res.status).toBe(404);
    const body = (await res.json()) as { request_id: string };
    expect(body).toEqual({ type: "error", error: { type: "not_found_error", message: "Not found: GET /anthropic/v1/nothing-here" }, request_id: res.headers.get("request-id") });
  });
});

describe("auth", () => {
  it("refuses a request with no key", async () => {
    const error = await errorOf(await call("/anthropic/v1/files", { key: null }));
    expect(error).toMatchObject({ status: 401, type: "authentication_error", message: "x-api-key header is required (or Authorization: Bearer <key>)" });
  });

  it("accepts any key, as x-api-key or bearer, while no virtual keys exist", async () => {
    expect((await call("/anthropic/v1/files", { key: "dummy" })).status).toBe(200);
    const bearer = await call("/anthropic/v1/messages/batches", { key: null, headers: { authorization: "Bearer virtual-or-dummy" } });
    expect(bearer.status).toBe(200);
  });
});

describe("provider selection", () => {
  it("names the valid providers for an unknown one", async () => {
    const error = await errorOf(await call("/anthropic/v1/files", { provider: "cohere" }));
    expect(error).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message: 'x-model-provider: unknown provider "cohere"; valid values are anthropic, openai, gemini, bedrock',
    });
  });

  it("refuses the files routes on bedrock, which has no Files API", async () => {
    const error = await errorOf(await call("/anthropic/v1/files/file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD", { provider: "bedrock", method: "DELETE" }));
    expect(error.status).toBe(404);
    const upload = new FormData();
    upload.append("file", new File(["hello"], "a.txt", { type: "text/plain" }));
    const refused = await errorOf(await call("/anthropic/v1/files", { provider: "bedrock", method: "POST", body: upload }));
    expect(refused).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(refused.message).toMatch(/^bedrock has no Files API/);
    expect(upstreamCalls).toBe(0);
  });
});

describe("unknown and malformed IDs answer 404 without a lookup upstream", () => {
  it.each([
    ["GET", "/anthropic/v1/files/file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD", "File not found: file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD"],
    ["GET", "/anthropic/v1/files/file-abc123/content", "File not found: file-abc123"],
    ["DELETE", "/anthropic/v1/files/..%2F..%2Fetc", "File not found: ../../etc"],
    ["GET", "/anthropic/v1/messages/batches/msgbatch_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD", "Message batch not found: msgbatch_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD"],
    ["GET", "/anthropic/v1/messages/batches/batch_abc/results", "Message batch not found: batch_abc"],
    ["POST", "/anthropic/v1/messages/batches/msgbatch_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD/cancel", "Message batch not found: msgbatch_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD"],
    ["DELETE", "/anthropic/v1/messages/batches/msgbatch_x", "Message batch not found: msgbatch_x"],
  ])("%s %s", async (method, path, message) => {
    const error = await errorOf(await call(path, { method }));
    expect(error).toMatchObject({ status: 404, type: "not_found_error", message });
    expect(upstreamCalls).toBe(0);
  });
});

describe("batch create validation", () => {
  const valid = twoRequests();
  const withParams = (params: Record<string, unknown>, model?: string) => [{ custom_id: "a", params: { ...valid[0]!.params, ...(model ? { model } : {}), ...params } }];
  const systemTurn = { messages: [{ role: "user", content: "hi" }, { role: "system", content: "Answer in French." }, { role: "user", content: "Bonjour?" }] };
  // The shared schema takes what Anthropic takes (max_tokens 0, system turns: see
  // docs/sources/anthropic.md); every other provider refuses what it cannot take, naming itself.
  it.each([
    ["malformed JSON", "{\"requests\": [", 400, "The request body is not valid JSON."],
    ["no requests", {}, 400, "requests: Field required"],
    ["requests not a list", { requests: {} }, 400, "requests: Input should be a valid list"],
    ["an empty list", { requests: [] }, 400, "requests: must be a list of at least 1 request"],
    ["an extra top-level field", { requests: valid, model: "x" }, 400, "model: Extra inputs are not permitted"],
    ["a bad custom_id", { requests: [{ ...valid[0], custom_id: "has space" }] }, 400, "requests.0.custom_id: must be 1 to 64 characters of letters, digits, '_' or '-' (^[a-zA-Z0-9_-]{1,64}$)"],
    ["a 65-character custom_id", { requests: [{ ...valid[0], custom_id: "x".repeat(65) }] }, 400, "requests.0.custom_id: must be 1 to 64 characters of letters, digits, '_' or '-' (^[a-zA-Z0-9_-]{1,64}$)"],
    ["a duplicate custom_id", { requests: [valid[0], valid[0]] }, 400, 'requests.1.custom_id: duplicate custom_id "math-question"; each custom_id must be unique within the batch'],
    ["max_tokens -1", { requests: withParams({ max_tokens: -1 }) }, 400, "requests.0.params.max_tokens: Too small: expected number to be >=0"],
    ["max_tokens 0 on openai", { requests: withParams({ max_tokens: 0 }, "gpt-4o-mini") }, 400, "requests.0.params.max_tokens: is 0 (a prompt-cache pre-warm with no output), which has no equivalent on provider openai; remove it or use provider anthropic", "openai"],
    ["max_tokens 0 on gemini", { requests: withParams({ max_tokens: 0 }, "gemini-2.5-flash") }, 400, "requests.0.params.max_tokens: is 0 (a prompt-cache pre-warm with no output), which has no equivalent on provider gemini; remove it or use provider anthropic", "gemini"],
    ["max_tokens 0 on bedrock", { requests: withParams({ max_tokens: 0 }) }, 400, "requests.0.params.max_tokens: is 0 (a prompt-cache pre-warm with no output), which has no equivalent on provider bedrock; remove it or use provider anthropic", "bedrock"],
    ["max_tokens null", { requests: withParams({ max_tokens: null }) }, 400, "requests.0.params.max_tokens: Invalid input: expected number, received null"],
    ["no model", { requests: [{ custom_id: "a", params: { max_tokens: 5, messages: [{ role: "user", content: "hi" }] } }] }, 400, "requests.0.params.model: Field required"],
    ["no messages", { requests: withParams({ messages: [] }) }, 400, "requests.0.params.messages: Too small: expected array to have >=1 items"],
    ["a bad role", { requests: withParams({ messages: [{ role: "robot", content: "hi" }] }) }, 400, 'requests.0.params.messages.0.role: Invalid option: expected one of "user"|"assistant"|"system"'],
    ["a system message on gemini", { requests: withParams(systemTurn, "gemini-2.5-flash") }, 400, 'requests.0.params.messages.1.role: is "system"; Gemini has only user and model turns on provider gemini; remove it or use provider anthropic', "gemini"],
    ["a system message on bedrock", { requests: withParams(systemTurn) }, 400, "requests.0.params.messages.1.role: is \"system\" (a mid-conversation system message), which Bedrock's Claude does not take (only user and assistant) on provider bedrock; remove it or use provider anthropic", "bedrock"],
    ["stream true", { requests: withParams({ stream: true }) }, 400, "requests.0.params.stream: streaming is not supported in message batches"],
    ["temperature above 1", { requests: withParams({ temperature: 1.5 }) }, 400, "requests.0.params.temperature: Too big: expected number to be <=1"],
    ["an extra field on a request", { requests: [{ ...valid[0], extra: 1 }] }, 400, "requests.0.extra: Extra inputs are not permitted"],
    ["an unknown file", { requests: withParams({ messages: [{ role: "user", content: [{ type: "document", source: { type: "file", file_id: "file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD" } }] }] }) }, 400, "requests.0.params.messages.0.content.0.source.file_id: file not found: file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD"],
  ] as [string, unknown, number, string, string?][])("refuses %s", async (_name, body, status, message, provider) => {
    const error = await errorOf(await call("/anthropic/v1/messages/batches", { method: "POST", body, provider }));
    expect(error).toMatchObject({ status, type: "invalid_request_error", message });
    expect(upstreamCalls).toBe(0);
  });

  it("refuses a body over 256 MB with 413", async () => {
    const chunk = new TextEncoder().encode(" ".repeat(1024 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"requests":['));
      },
      pull(controller) {
        if (sent++ > 260) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await call("/anthropic/v1/messages/batches", { method: "POST", body, headers: { "content-type": "application/json" } });
    // Whitespace counts against the request being read, so the per-request cap answers first.
    expect(await errorOf(res)).toMatchObject({ status: 413, type: "request_too_large" });
    expect(upstreamCalls).toBe(0);
  }, 60_000);
});

describe("streamed batch bodies (over 4 MiB)", () => {
  function streamed(parts: (string | { repeat: string; bytes: number })[]): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    const queue = [...parts];
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        const part = queue[0];
        if (part === undefined) return controller.close();
        if (typeof part === "string") {
          queue.shift();
          return controller.enqueue(encoder.encode(part));
        }
        const size = Math.min(part.bytes, 1024 * 1024);
        part.bytes -= size;
        if (part.bytes === 0) queue.shift();
        controller.enqueue(encoder.encode(part.repeat.repeat(size / part.repeat.length)));
      },
    });
  }

  it("refuses a declared Content-Length over 256 MB before reading the body", async () => {
    const body = new ReadableStream<Uint8Array>({ pull: (controller) => controller.enqueue(new Uint8Array(1024)) });
    const res = await call("/anthropic/v1/messages/batches", { method: "POST", body, headers: { "content-type": "application/json", "content-length": String(300 * 1024 * 1024) } });
    expect(await errorOf(res)).toMatchObject({ status: 413, type: "request_too_large", message: "Request too large: a message batch may be at most 268435456 bytes (256 MB)." });
    expect(upstreamCalls).toBe(0);
  });

  it("refuses a top-level key other than requests, before any upstream call", async () => {
    const body = streamed(['{"model":"x","requests":[', { repeat: " ", bytes: 5 * 1024 * 1024 }, "]}"]);
    const error = await errorOf(await call("/anthropic/v1/messages/batches", { method: "POST", body, headers: { "content-type": "application/json" } }));
    expect(error).toMatchObject({ status: 400, message: "model: Extra inputs are not permitted" });
    expect(upstreamCalls).toBe(0);
  });

  it("refuses a body that is not an object", async () => {
    const body = streamed(["[", { repeat: " ", bytes: 5 * 1024 * 1024 }, "]"]);
    const error = await errorOf(await call("/anthropic/v1/messages/batches", { method: "POST", body, headers: { "content-type": "application/json" } }));
    expect(error).toMatchObject({ status: 400, message: "The request body must be a JSON object with a requests array." });
  });

  it("refuses a single request over 32 MB with 413, without holding it", async () => {
    const body = streamed(['{"requests":[{"custom_id":"a","params":{"model":"', { repeat: "m", bytes: 40 * 1024 * 1024 }, '"}}]}']);
    const error = await errorOf(await call("/anthropic/v1/messages/batches", { method: "POST", body, headers: { "content-type": "application/json" } }));
    expect(error).toMatchObject({ status: 413, type: "request_too_large", message: "requests.0: a single request may be at most 33554432 bytes (32 MB)." });
    expect(upstreamCalls).toBe(0);
  }, 60_000);
});

describe("list query validation", () => {
  it.each([
    ["/anthropic/v1/files?limit=0", "limit: must be at least 1"],
    ["/anthropic/v1/files?limit=1001", "limit: must be at most 1000"],
    ["/anthropic/v1/messages/batches?limit=abc", "limit: must be an integer"],
    ["/anthropic/v1/messages/batches?limit=2.5", "limit: must be an integer"],
    ["/anthropic/v1/messages/batches?before_id=msgbatch_a&after_id=msgbatch_b", "before_id and after_id cannot both be set"],
    ["/anthropic/v1/files?page=bogus", "page: not a page token this API issued: bogus"],
  ])("%s", async (path, message) => {
    const error = await errorOf(await call(path));
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error", message });
  });

  it("accepts ?beta=true and the SDK's beta headers", async () => {
    const res = await call("/anthropic/v1/files?beta=true&limit=5", { headers: { "anthropic-beta": "files-api-2025-04-14" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: [], has_more: false, first_id: null, last_id: null, next_page: null });
  });
});

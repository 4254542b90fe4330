/**
 * The fake OpenAI rejects what OpenAI rejects, with OpenAI's status and body, and runs
 * batches through OpenAI's lifecycle.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { FakeOpenAI } from "../../fakes/openai/index.ts";
import { chatLine, createBatchFrom, fileLines, getBatch, postJson, uploadFile } from "../support/fakes";
import { OPENAI, providerHarness, type ProviderHarness } from "../support/harness";
import { bodyText } from "../support/helpers";

const { key: KEY, now: NOW } = OPENAI;

let h: ProviderHarness<"openai">;
let fake: FakeOpenAI;
beforeEach(() => {
  h = providerHarness("openai");
  fake = h.fake;
});

const hello = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello there" }] };

async function errorOf(response: Response): Promise<{ status: number; error: Record<string, unknown> }> {
  return { status: response.status, error: ((await response.json()) as { error: Record<string, unknown> }).error };
}

describe("auth and routing", () => {
  it("answers a missing key with OpenAI's 401", async () => {
    const response = await fake.fetch(new Request("https://openai.fake/v1/files"));
    expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    expect(await errorOf(response)).toStrictEqual({
      status: 401,
      error: {
        message:
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    });
  });

  it("answers a wrong key with OpenAI's 401, the key masked", async () => {
    const response = await h.call("GET", "/v1/files", { headers: { authorization: "Bearer sk-proj-wrongwrongwrongXYZ9" } });
    expect(await errorOf(response)).toStrictEqual({
      status: 401,
      error: {
        message: "Incorrect API key provided: sk-proj-***************XYZ9. You can find your API key at https://platform.openai.com/account/api-keys.",
        type: "invalid_request_error",
        param: null,
        code: "invalid_api_key",
      },
    });
  });

  it("refuses x-api-key auth (OpenAI takes only bearer)", async () => {
    const response = await fake.fetch(new Request("https://openai.fake/v1/batches", { headers: { "x-api-key": KEY } }));
    expect(response.status).toBe(401);
  });

  it("answers an unknown path or method with Invalid URL", async () => {
    expect(await errorOf(await h.call("GET", "/v1/messages/batches"))).toStrictEqual({
      status: 404,
      error: { message: "Invalid URL (GET /v1/messages/batches)", type: "invalid_request_error", param: null, code: null },
    });
    expect((await errorOf(await h.call("PUT", "/v1/files"))).error.message).toBe("Invalid URL (PUT /v1/files)");
    expect((await errorOf(await h.call("GET", "/files"))).error.message).toBe("Invalid URL (GET /files)");
  });

  it("records calls, serves them on /__fake/calls and forgets them on reset", async () => {
    await postJson(h, "/v1/chat/completions", hello);
    expect(fake.calls).toStrictEqual([
      {
        method: "POST",
        path: "/v1/chat/completions",
        query: {},
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify(hello),
      },
    ]);
    const served = await (await fake.fetch(new Request("https://openai.fake/__fake/calls"))).json();
    expect(served).toStrictEqual(fake.calls);
    await fake.fetch(new Request("https://openai.fake/__fake/reset", { method: "POST" }));
    expect(fake.calls).toStrictEqual([]);
  });
});

describe("files", () => {
  it("stores an upload and records its form", async () => {
    const file = await uploadFile(h, { filename: "notes.txt", purpose: "user_data", content: "hello", type: "text/plain" });
    expect(file).toStrictEqual({
      id: file.id,
      object: "file",
      bytes: 5,
      created_at: NOW,
      expires_at: null,
      filename: "notes.txt",
      purpose: "user_data",
      status: "processed",
      status_details: null,
    });
    expect(fake.calls[0]?.form).toStrictEqual({
      fields: { purpose: "user_data" },
      files: [{ name: "file", filename: "notes.txt", contentType: "text/plain", size: 5 }],
    });
    expect(await (await h.call("GET", `/v1/files/${file.id}`)).json()).toStrictEqual(file);
  });

  it("gives batch files a 30-day expiry", async () => {
    const file = await uploadFile(h, { filename: "in.jsonl", purpose: "batch", content: chatLine("a", hello) });
    expect(file.expires_at).toBe(NOW + 30 * 24 * 3600);
  });

  it("refuses a JSON upload", async () => {
    const response = await postJson(h, "/v1/files", { purpose: "batch" });
    expect(await errorOf(response)).toStrictEqual({
      status: 400,
      error: {
        message:
          "Invalid Content-Type header (application/json), expected multipart/form-data. (HINT: If you're using curl, you can pass -H 'Content-Type: multipart/form-data')",
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    });
  });

  it.each([
    ["no purpose", { file: true }, "'purpose' is a required property"],
    ["no file", { purpose: "batch" }, "'file' is a required property"],
    ["an unknown purpose", { file: true, purpose: "answers" }, "'answers' is not one of ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] - 'purpose'"],
    ["an unknown field", { file: true, purpose: "batch", extra: "x" }, "Additional properties are not allowed ('extra' was unexpected)"],
    ["a batch file that is not .jsonl", { file: true, purpose: "batch", filename: "input.json" }, "Invalid file format for Batch API. Must be .jsonl"],
  ])("refuses an upload with %s", async (_, fields: Record<string, unknown>, message) => {
    const form = new FormData();
    if (fields.purpose) form.append("purpose", fields.purpose as string);
    if (fields.extra) form.append("extra", fields.extra as string);
    if (fields.file) form.append("file", new File(["{}\n"], (fields.filename as string) ?? "input.jsonl"));
    const { status, error } = await errorOf(await h.call("POST", "/v1/files", { body: form }));
    expect(status).toBe(400);
    expect(error.message).toBe(message);
  });

  it("refuses to serve user_data uploads, as OpenAI does", async () => {
    const file = await uploadFile(h, { filename: "a.pdf", purpose: "user_data", content: "%PDF" });
    expect(await errorOf(await h.call("GET", `/v1/files/${file.id}/content`))).toStrictEqual({
      status: 400,
      error: { message: "Not allowed to download files of purpose: user_data", type: "invalid_request_error", param: null, code: null },
    });
  });

  it("serves batch files", async () => {
    const file = await uploadFile(h, { filename: "in.jsonl", purpose: "batch", content: "line\n" });
    const response = await h.call("GET", `/v1/files/${file.id}/content`);
    expect(response.status).toBe(200);
    expect(await bodyText(response)).toBe("line\n");
  });

  it("deletes once, then answers 404 No such File object", async () => {
    const file = await uploadFile(h, { filename: "a.txt", purpose: "user_data", content: "x" });
    expect(await (await h.call("DELETE", `/v1/files/${file.id}`)).json()).toStrictEqual({ id: file.id, object: "file", deleted: true });
    expect(await errorOf(await h.call("DELETE", `/v1/files/${file.id}`))).toStrictEqual({
      status: 404,
      error: { message: `No such File object: ${file.id}`, type: "invalid_request_error", param: "id", code: null },
    });
    expect((await h.call("GET", `/v1/files/${file.id}`)).status).toBe(404);
  });

  it("lists newest first, filtered by purpose", async () => {
    const a = await uploadFile(h, { filename: "a.txt", purpose: "user_data", content: "a" });
    await uploadFile(h, { filename: "b.jsonl", purpose: "batch", content: "b" });
    const c = await uploadFile(h, { filename: "c.txt", purpose: "user_data", content: "c" });
    const list = (await (await h.call("GET", "/v1/files?purpose=user_data")).json()) as Record<string, any>;
    expect(list.data.map((file: { id: string }) => file.id)).toStrictEqual([c.id, a.id]);
    expect(list).toMatchObject({ object: "list", first_id: c.id, last_id: a.id, has_more: false });
  });
});

describe("chat completions schema", () => {
  async function chatError(body: Record<string, unknown>) {
    const { status, error } = await errorOf(await postJson(h, "/v1/chat/completions", body));
    return { status, ...error };
  }

  it.each([
    ["top_k", { ...hello, top_k: 5 }, { message: "Unrecognized request argument supplied: top_k", param: null, code: null }],
    ["a top-level system", { ...hello, system: "Be brief." }, { message: "Unrecognized request argument supplied: system", param: null, code: null }],
    ["Anthropic's stop_sequences", { ...hello, stop_sequences: ["x"] }, { message: "Unrecognized request argument supplied: stop_sequences", param: null, code: null }],
    ["no messages", { model: "gpt-4o" }, { message: "Missing required parameter: 'messages'.", param: "messages", code: "missing_required_parameter" }],
    ["no model", { messages: hello.messages }, { message: "Missing required parameter: 'model'.", param: "model", code: "missing_required_parameter" }],
    [
      "an unknown role",
      { ...hello, messages: [{ role: "human", content: "x" }] },
      { message: "Invalid value: 'human'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.", param: "messages[0].role", code: "invalid_value" },
    ],
    [
      "cache_control on a part",
      { ...hello, messages: [{ role: "user", content: [{ type: "text", text: "x", cache_control: { type: "ephemeral" } }] }] },
      { message: "Unknown parameter: 'messages[0].content[0].cache_control'.", param: "messages[0].content[0].cache_control", code: "unknown_parameter" },
    ],
    [
      "an Anthropic document block",
      { ...hello, messages: [{ role: "user", content: [{ type: "document", source: {} }] }] },
      { message: "Invalid value: 'document'. Supported values are: 'text', 'image_url', 'input_audio', and 'file'.", param: "messages[0].content[0].type", code: "invalid_value" },
    ],
    [
      "an image part in a system message",
      { ...hello, messages: [{ role: "system", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] }, hello.messages[0]] },
      { message: "Invalid value: 'image_url'. Supported values are: 'text'.", param: "messages[0].content[0].type", code: "invalid_value" },
    ],
    [
      "a non-image data URL",
      { ...hello, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:application/pdf;base64,AAA" } }] }] },
      {
        message:
          "Invalid 'messages[0].content[0].image_url.url'. Expected a valid URL or a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got a value with an invalid format.",
        param: "messages[0].content[0].image_url.url",
        code: "invalid_value",
      },
    ],
    [
      "a file part naming an unknown file",
      { ...hello, messages: [{ role: "user", content: [{ type: "file", file: { file_id: "file-nope" } }] }] },
      { message: "Invalid file id 'file-nope': no such file.", param: "messages[0].content[0].file.file_id", code: "invalid_value" },
    ],
    [
      "a tool message without a preceding tool call",
      { ...hello, messages: [{ role: "user", content: "x" }, { role: "tool", tool_call_id: "call_1", content: "r" }] },
      { message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", param: "messages.[1].role", code: null },
    ],
    [
      "a tool call without its tool message",
      {
        ...hello,
        tools: [{ type: "function", function: { name: "f" } }],
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] },
          { role: "user", content: "y" },
        ],
      },
      {
        message: "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: call_1",
        param: "messages.[1].role",
        code: null,
      },
    ],
    [
      "an Anthropic-shaped tool",
      { ...hello, tools: [{ name: "f", input_schema: { type: "object" } }] },
      { message: "Missing required parameter: 'tools[0].type'.", param: "tools[0].type", code: "missing_required_parameter" },
    ],
    [
      "a tool name with a space",
      { ...hello, tools: [{ type: "function", function: { name: "get weather" } }] },
      {
        message: "Invalid 'tools[0].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
        param: "tools[0].function.name",
        code: "invalid_value",
      },
    ],
    [
      "tool_choice without tools",
      { ...hello, tool_choice: "auto" },
      { message: "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", param: "tool_choice", code: null },
    ],
    [
      "Anthropic's tool_choice any",
      { ...hello, tools: [{ type: "function", function: { name: "f" } }], tool_choice: "any" },
      { message: "Invalid value: 'any'. Supported values are: 'none', 'auto', and 'required'.", param: "tool_choice", code: "invalid_value" },
    ],
    [
      "five stop sequences",
      { ...hello, stop: ["a", "b", "c", "d", "e"] },
      { message: "Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length 5 instead.", param: "stop", code: "array_above_max_length" },
    ],
    [
      "max_tokens on a reasoning model",
      { ...hello, model: "o3-mini", max_tokens: 10 },
      { message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", param: "max_tokens", code: "unsupported_parameter" },
    ],
    [
      "a temperature above 2",
      { ...hello, temperature: 2.5 },
      { message: "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 2.5 instead.", param: "temperature", code: "decimal_above_max_value" },
    ],
    [
      "a string max_tokens",
      { ...hello, max_tokens: "10" },
      { message: "Invalid type for 'max_tokens': expected an integer, but got a string instead.", param: "max_tokens", code: "invalid_type" },
    ],
    [
      "an empty messages array",
      { model: "gpt-4o", messages: [] },
      { message: "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", param: "messages", code: "empty_array" },
    ],
    [
      "a user message without content",
      { model: "gpt-4o", messages: [{ role: "user" }] },
      { message: "Missing required parameter: 'messages[0].content'.", param: "messages[0].content", code: "missing_required_parameter" },
    ],
  ])("refuses %s", async (_, body, expected) => {
    expect(await chatError(body as Record<string, unknown>)).toStrictEqual({ status: 400, type: "invalid_request_error", ...expected });
  });

  it("answers an unknown model with 404 model_not_found", async () => {
    expect(await chatError({ ...hello, model: "claude-sonnet-4-5" })).toStrictEqual({
      status: 404,
      message: "The model `claude-sonnet-4-5` does not exist or you do not have access to it.",
      type: "invalid_request_error",
      param: null,
      code: "model_not_found",
    });
  });

  it("accepts a full valid body and echoes the last user message", async () => {
    const file = await uploadFile(h, { filename: "a.pdf", purpose: "user_data", content: "%PDF" });
    const body = {
      model: "gpt-4o",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "file", file: { file_id: file.id } }, { type: "text", text: "First question" }] },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "call_1", content: [{ type: "text", text: "result" }] },
        { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,iVBO" } }, { type: "text", text: "Second one" }] },
      ],
      tools: [{ type: "function", function: { name: "f", description: "d", parameters: { type: "object" }, strict: true } }],
      tool_choice: { type: "function", function: { name: "f" } },
      parallel_tool_calls: false,
      max_tokens: 50,
      temperature: 0.5,
      top_p: 1,
      stop: ["END"],
      safety_identifier: "user-1",
    };
    const response = await postJson(h, "/v1/chat/completions", body);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as Record<string, any>;
    expect(answer.choices).toStrictEqual([
      { index: 0, message: { role: "assistant", content: "echo: Second one", refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" },
    ]);
    // Words: "Be brief." 2 + "First question" 2 + "result" 1 + "Second one" 2; answer "echo: Second one" 3.
    expect(answer.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
  });

  it("calls the first tool on CALL_TOOL and stops for length on HIT_MAX_TOKENS", async () => {
    const tools = [{ type: "function", function: { name: "get_weather" } }];
    const called = (await (await postJson(h, "/v1/chat/completions", { ...hello, tools, messages: [{ role: "user", content: "CALL_TOOL now" }] })).json()) as Record<string, any>;
    expect(called.choices[0].finish_reason).toBe("tool_calls");
    expect(called.choices[0].message.tool_calls[0].function).toStrictEqual({ name: "get_weather", arguments: '{"city":"Paris"}' });
    const long = (await (await postJson(h, "/v1/chat/completions", { ...hello, messages: [{ role: "user", content: "HIT_MAX_TOKENS" }] })).json()) as Record<string, any>;
    expect(long.choices[0].finish_reason).toBe("length");
  });

  it("refuses a body that is not JSON", async () => {
    const response = await h.call("POST", "/v1/chat/completions", { body: "{nope", headers: { "content-type": "application/json" } });
    const { status, error } = await errorOf(response);
    expect(status).toBe(400);
    expect(error.message).toMatch(/^We could not parse the JSON body of your request\./);
  });
});

describe("batch create", () => {
  async function createError(body: Record<string, unknown>) {
    const { status, error } = await errorOf(await postJson(h, "/v1/batches", body));
    return { status, ...error };
  }
  let inputId: string;
  beforeEach(async () => {
    inputId = (await uploadFile(h, { filename: "in.jsonl", purpose: "batch", content: chatLine("a", hello) })).id as string;
  });

  it("creates a validating batch", async () => {
    const response = await postJson(h, "/v1/batches", {
      input_file_id: inputId,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
      metadata: { batchbridge_batch_id: "msgbatch_1" },
    });
    const batch = (await response.json()) as Record<string, unknown>;
    expect(batch).toStrictEqual({
      id: batch.id,
      object: "batch",
      endpoint: "/v1/chat/completions",
      model: null,
      errors: null,
      input_file_id: inputId,
      completion_window: "24h",
      status: "validating",
      output_file_id: null,
      error_file_id: null,
      created_at: NOW,
      in_progress_at: null,
      expires_at: NOW + 86400,
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
      request_counts: { total: 0, completed: 0, failed: 0 },
      metadata: { batchbridge_batch_id: "msgbatch_1" },
    });
  });

  it.each([
    ["no input_file_id", { input_file_id: undefined, endpoint: "/v1/chat/completions", completion_window: "24h" }, { message: "Missing required parameter: 'input_file_id'.", param: "input_file_id", code: "missing_required_parameter" }],
    ["an unknown param", { endpoint: "/v1/chat/completions", completion_window: "24h", priority: 1 }, { message: "Unrecognized request argument supplied: priority", param: null, code: null }],
    ["a 48h window", { endpoint: "/v1/chat/completions", completion_window: "48h" }, { message: "Invalid value: '48h'. Supported values are: '24h'.", param: "completion_window", code: "invalid_value" }],
    [
      "an unknown endpoint",
      { endpoint: "/v1/messages", completion_window: "24h" },
      {
        message:
          "Invalid value: '/v1/messages'. Supported values are: '/v1/responses', '/v1/chat/completions', '/v1/embeddings', '/v1/completions', '/v1/moderations', '/v1/images/generations', '/v1/images/edits', and '/v1/videos'.",
        param: "endpoint",
        code: "invalid_value",
      },
    ],
    [
      "17 metadata pairs",
      { endpoint: "/v1/chat/completions", completion_window: "24h", metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) },
      {
        message: "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with 17 properties instead.",
        param: "metadata",
        code: "object_above_max_properties",
      },
    ],
  ])("refuses %s", async (_, body, expected) => {
    expect(await createError({ input_file_id: inputId, ...body } as Record<string, unknown>)).toStrictEqual({
      status: 400,
      type: "invalid_request_error",
      ...expected,
    });
  });

  it("answers 404 for an unknown input file", async () => {
    expect(await createError({ input_file_id: "file-nope", endpoint: "/v1/chat/completions", completion_window: "24h" })).toStrictEqual({
      status: 404,
      message: "No such File object: file-nope",
      type: "invalid_request_error",
      param: "input_file_id",
      code: null,
    });
  });

  it("refuses an input file whose purpose is not batch", async () => {
    const file = await uploadFile(h, { filename: "in.jsonl", purpose: "user_data", content: chatLine("a", hello) });
    const error = await createError({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
    expect(error).toStrictEqual({
      status: 400,
      message: `The input file ${String(file.id)} has purpose 'user_data'; a batch input file must be uploaded with purpose 'batch'.`,
      type: "invalid_request_error",
      param: "input_file_id",
      code: "invalid_value",
    });
  });

  it("answers 404 for an unknown batch", async () => {
    expect((await errorOf(await h.call("GET", "/v1/batches/batch_nope"))).status).toBe(404);
  });
});

describe("batch lifecycle", () => {
  const lines = [
    chatLine("ok-1", { model: "gpt-4o-mini", messages: [{ role: "user", content: "One" }] }),
    chatLine("fail-1", { model: "gpt-4o-mini", messages: [{ role: "user", content: "Please FAIL_REQUEST" }] }),
    chatLine("ok-2", { model: "gpt-4o-mini", messages: [{ role: "user", content: "Two" }], max_tokens: 5 }),
    chatLine("bad-param", { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }], top_k: 3 }),
  ];

  it("goes validating → in_progress → finalizing → completed, writing output and error files", async () => {
    const id = await createBatchFrom(h, lines);
    const first = await getBatch(h, id);
    expect(first).toMatchObject({ status: "in_progress", in_progress_at: NOW, model: "gpt-4o-mini", request_counts: { total: 4, completed: 1, failed: 1 } });
    expect(await getBatch(h, id)).toMatchObject({ status: "finalizing", request_counts: { total: 4, completed: 2, failed: 2 } });
    const done = await getBatch(h, id);
    expect(done).toMatchObject({ status: "completed", completed_at: NOW, request_counts: { total: 4, completed: 2, failed: 2 } });
    expect(await getBatch(h, id)).toStrictEqual(done);

    const output = await fileLines(h, done.output_file_id);
    expect(output.map((line) => line.custom_id)).toStrictEqual(["ok-1", "ok-2"]);
    expect(output[0]).toMatchObject({ error: null, response: { status_code: 200, body: { object: "chat.completion", model: "gpt-4o-mini" } } });
    expect(output[0].response.body.choices[0].message.content).toBe("echo: One");
    const errors = await fileLines(h, done.error_file_id);
    expect(errors.map((line) => [line.custom_id, line.response.status_code, line.response.body.error.message, line.error])).toStrictEqual([
      ["fail-1", 400, "The simulated model failed this request, as FAIL_REQUEST asks.", null],
      ["bad-param", 400, "Unrecognized request argument supplied: top_k", null],
    ]);
    const outputFile = (await (await h.call("GET", `/v1/files/${done.output_file_id}`)).json()) as Record<string, unknown>;
    expect(outputFile).toMatchObject({ purpose: "batch_output", filename: `${id}_output.jsonl` });
  });

  it("fails a batch whose lines are invalid, with OpenAI's errors, during validation", async () => {
    const id = await createBatchFrom(h, [
      chatLine("a", { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }),
      "{not json",
      JSON.stringify({ custom_id: "b", method: "POST", url: "/v1/completions", body: { model: "gpt-4o-mini" } }),
      chatLine("a", { model: "gpt-4o-mini", messages: [{ role: "user", content: "y" }] }),
      chatLine("c", { model: "gpt-4o", messages: [{ role: "user", content: "z" }] }),
      JSON.stringify({ custom_id: "d", method: "POST", url: "/v1/chat/completions", params: {} }),
      JSON.stringify({ custom_id: "e", method: "GET", url: "/v1/chat/completions", body: {} }),
    ]);
    const batch = await getBatch(h, id);
    expect(batch).toMatchObject({ status: "failed", failed_at: NOW, output_file_id: null, error_file_id: null });
    expect(batch.errors).toStrictEqual({
      object: "list",
      data: [
        { code: "invalid_json_line", message: "This line is not parseable as valid JSON.", param: null, line: 2 },
        { code: "url_mismatch", message: "The URL '/v1/completions' of this request does not match the batch's endpoint '/v1/chat/completions'.", param: "url", line: 3 },
        {
          code: "duplicate_custom_id",
          message: "The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each individual request in a batch.",
          param: "custom_id",
          line: 4,
        },
        {
          code: "model_mismatch",
          message: "The model 'gpt-4o' of this request does not match the model 'gpt-4o-mini' of the batch's other requests: a batch input file may contain requests to one model only.",
          param: "body.model",
          line: 5,
        },
        { code: "unknown_parameter", message: "Unknown parameter: 'params'.", param: "params", line: 6 },
        { code: "invalid_value", message: "Invalid value: 'GET'. Supported values are: 'POST'.", param: "method", line: 7 },
      ],
    });
    expect(await getBatch(h, id)).toStrictEqual(batch);
  });

  it("fails an empty file and one with more than 50,000 requests", async () => {
    const empty = await createBatchFrom(h, [""]);
    expect((await getBatch(h, empty)).errors.data).toStrictEqual([{ code: "empty_file", message: "The batch input file is empty.", param: null, line: null }]);
    const line = chatLine("x", hello);
    const tooMany = await createBatchFrom(h, Array.from({ length: 50_001 }, () => line));
    expect((await getBatch(h, tooMany)).errors.data).toStrictEqual([
      { code: "too_many_tasks", message: "The batch input file has 50001 requests; a batch may have at most 50000.", param: null, line: null },
    ]);
  });

  it("cancels: cancelling, then cancelled with only what ran", async () => {
    const id = await createBatchFrom(h, lines);
    await getBatch(h, id); // in_progress: the first two ran
    const cancelling = (await (await h.call("POST", `/v1/batches/${id}/cancel`)).json()) as Record<string, any>;
    expect(cancelling).toMatchObject({ status: "cancelling", cancelling_at: NOW });
    const cancelled = await getBatch(h, id);
    expect(cancelled).toMatchObject({ status: "cancelled", cancelled_at: NOW, request_counts: { total: 4, completed: 1, failed: 1 } });
    expect((await fileLines(h, cancelled.output_file_id)).map((line) => line.custom_id)).toStrictEqual(["ok-1"]);
    expect((await fileLines(h, cancelled.error_file_id)).map((line) => line.custom_id)).toStrictEqual(["fail-1"]);
    expect(await errorOf(await h.call("POST", `/v1/batches/${id}/cancel`))).toStrictEqual({
      status: 400,
      error: { message: "Cannot cancel a batch with status 'cancelled'.", type: "invalid_request_error", param: null, code: null },
    });
  });

  it("expires: batch_expired lines for what did not run, not counted as failed", async () => {
    const id = await createBatchFrom(h, lines);
    await getBatch(h, id);
    const expired = (await (await fake.fetch(new Request(`https://openai.fake/__fake/batches/${id}/expire`, { method: "POST" }))).json()) as Record<string, any>;
    expect(expired).toMatchObject({ status: "expired", expired_at: NOW, request_counts: { total: 4, completed: 1, failed: 1 } });
    const errors = await fileLines(h, expired.error_file_id);
    expect(errors.map((line) => [line.custom_id, line.response?.status_code ?? null, line.error?.code ?? null])).toStrictEqual([
      ["fail-1", 400, null],
      ["ok-2", null, "batch_expired"],
      ["bad-param", null, "batch_expired"],
    ]);
    expect(errors[1].error).toStrictEqual({ code: "batch_expired", message: "This request could not be executed before the completion window expired." });
  });

  it("lists batches newest first", async () => {
    const first = await createBatchFrom(h, lines);
    const second = await createBatchFrom(h, lines);
    const list = (await (await h.call("GET", "/v1/batches?limit=1")).json()) as Record<string, any>;
    expect(list).toMatchObject({ object: "list", first_id: second, last_id: second, has_more: true });
    const next = (await (await h.call("GET", `/v1/batches?after=${second}`)).json()) as Record<string, any>;
    expect(next.data.map((batch: { id: string }) => batch.id)).toStrictEqual([first]);
  });
});

// Reasoning models (o-series, gpt-5) refuse sampling params and stop sequences: see
// docs/sources/openai.md § Reasoning models refuse temperature, top_p and stop.
describe("reasoning models", () => {
  async function chatError(body: Record<string, unknown>) {
    const { status, error } = await errorOf(await postJson(h, "/v1/chat/completions", body));
    return { status, ...error };
  }
  const ask = { messages: [{ role: "user", content: "Hello there" }] };

  it.each([
    [
      "temperature 0.3 on o3",
      { ...ask, model: "o3", temperature: 0.3 },
      { message: "Unsupported value: 'temperature' does not support 0.3 with this model. Only the default (1) value is supported.", param: "temperature", code: "unsupported_value" },
    ],
    [
      "temperature 0 on gpt-5",
      { ...ask, model: "gpt-5", temperature: 0 },
      { message: "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported.", param: "temperature", code: "unsupported_value" },
    ],
    [
      "any temperature on o3-mini",
      { ...ask, model: "o3-mini-2025-01-31", temperature: 1 },
      { message: "Unsupported parameter: 'temperature' is not supported with this model.", param: "temperature", code: "unsupported_parameter" },
    ],
    [
      "top_p on gpt-5-mini, even the default",
      { ...ask, model: "gpt-5-mini", top_p: 1 },
      { message: "Unsupported parameter: 'top_p' is not supported with this model.", param: "top_p", code: "unsupported_parameter" },
    ],
    [
      "parallel_tool_calls on o3",
      { ...ask, model: "o3", tools: [{ type: "function", function: { name: "f" } }], parallel_tool_calls: false },
      { message: "Unsupported parameter: 'parallel_tool_calls' is not supported with this model.", param: "parallel_tool_calls", code: "unsupported_parameter" },
    ],
    [
      "stop on o4-mini",
      { ...ask, model: "o4-mini", stop: ["END"] },
      { message: "Unsupported parameter: 'stop' is not supported with this model.", param: "stop", code: "unsupported_parameter" },
    ],
  ])("refuse %s", async (_, body, expected) => {
    expect(await chatError(body as Record<string, unknown>)).toStrictEqual({ status: 400, type: "invalid_request_error", ...expected });
  });

  it("take temperature 1 (the default) on o3 and gpt-5, and every sampling param on a chat model", async () => {
    expect((await postJson(h, "/v1/chat/completions", { ...ask, model: "o3", temperature: 1 })).status).toBe(200);
    expect((await postJson(h, "/v1/chat/completions", { ...ask, model: "gpt-5", temperature: 1, max_completion_tokens: 10 })).status).toBe(200);
    expect((await postJson(h, "/v1/chat/completions", { ...ask, model: "gpt-4.1", temperature: 0.3, top_p: 0.5, stop: ["x"] })).status).toBe(200);
  });

  it("in a batch, answer such a request with a 400 line in the error file, as the request itself would be answered", async () => {
    const id = await createBatchFrom(h, [
      chatLine("ok", { ...ask, model: "o3" }),
      chatLine("warm", { ...ask, model: "o3", temperature: 0.3 }),
    ]);
    let batch = await getBatch(h, id);
    while (batch.status !== "completed") batch = await getBatch(h, id);
    expect(batch.request_counts).toStrictEqual({ total: 2, completed: 1, failed: 1 });
    const [line] = await fileLines(h, batch.error_file_id);
    expect(line).toMatchObject({
      custom_id: "warm",
      error: null,
      response: {
        status_code: 400,
        body: {
          error: {
            message: "Unsupported value: 'temperature' does not support 0.3 with this model. Only the default (1) value is supported.",
            type: "invalid_request_error",
            param: "temperature",
            code: "unsupported_value",
          },
        },
      },
    });
  });
});

// See docs/sources/openai.md § output_expires_after sets when a batch's output and error files expire.
describe("output_expires_after", () => {
  async function createWith(outputExpiresAfter: unknown): Promise<Response> {
    const input = await uploadFile(h, { filename: "in.jsonl", purpose: "batch", content: chatLine("a", hello) });
    return postJson(h, "/v1/batches", {
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
      output_expires_after: outputExpiresAfter,
    });
  }

  it.each([
    ["no anchor", { seconds: 7200 }, { message: "Missing required parameter: 'output_expires_after.anchor'.", param: "output_expires_after.anchor", code: "missing_required_parameter" }],
    ["an anchor other than created_at", { anchor: "completed_at", seconds: 7200 }, { message: "Invalid value: 'completed_at'. Supported values are: 'created_at'.", param: "output_expires_after.anchor", code: "invalid_value" }],
    ["no seconds", { anchor: "created_at" }, { message: "Missing required parameter: 'output_expires_after.seconds'.", param: "output_expires_after.seconds", code: "missing_required_parameter" }],
    [
      "less than an hour",
      { anchor: "created_at", seconds: 60 },
      { message: "Invalid 'output_expires_after.seconds': integer below minimum value. Expected a value >= 3600, but got 60 instead.", param: "output_expires_after.seconds", code: "integer_below_min_value" },
    ],
    [
      "more than 30 days",
      { anchor: "created_at", seconds: 2592001 },
      { message: "Invalid 'output_expires_after.seconds': integer above maximum value. Expected a value <= 2592000, but got 2592001 instead.", param: "output_expires_after.seconds", code: "integer_above_max_value" },
    ],
    [
      "a fraction of a second",
      { anchor: "created_at", seconds: 3600.5 },
      { message: "Invalid type for 'output_expires_after.seconds': expected an integer, but got a decimal instead.", param: "output_expires_after.seconds", code: "invalid_type" },
    ],
    ["an unknown key", { anchor: "created_at", seconds: 3600, days: 1 }, { message: "Unknown parameter: 'output_expires_after.days'.", param: "output_expires_after.days", code: "unknown_parameter" }],
  ])("refuses %s", async (_, value, expected) => {
    expect(await errorOf(await createWith(value))).toStrictEqual({ status: 400, error: { type: "invalid_request_error", ...expected } });
  });

  it("expires the output and error files that many seconds after they are written", async () => {
    const response = await createWith({ anchor: "created_at", seconds: 7200 });
    expect(response.status).toBe(200);
    const { id } = (await response.json()) as { id: string };
    let batch = await getBatch(h, id);
    while (batch.status !== "completed") batch = await getBatch(h, id);
    const output = (await (await h.call("GET", `/v1/files/${batch.output_file_id}`)).json()) as Record<string, unknown>;
    expect(output).toMatchObject({ purpose: "batch_output", created_at: NOW, expires_at: NOW + 7200 });
  });
});

// See docs/sources/openai.md § Structured outputs: response_format json_schema and strict mode,
// and § reasoning_effort: which models take which values.
describe("structured outputs and reasoning effort", () => {
  async function chatError(body: Record<string, unknown>) {
    const { status, error } = await errorOf(await postJson(h, "/v1/chat/completions", body));
    return { status, ...error };
  }
  const ask = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Extract: Ada" }] };
  const person = {
    type: "object",
    properties: { name: { type: "string" }, age: { type: "integer" }, tags: { type: "array", items: { type: "string", enum: ["a", "b"] } } },
    required: ["name", "age", "tags"],
    additionalProperties: false,
  };
  const format = (schema: unknown, strict: boolean | undefined = true, name = "output") => ({
    type: "json_schema",
    json_schema: strict === undefined ? { name, schema } : { name, schema, strict },
  });
  const schemaError = (context: string, what: string) => ({
    message: `Invalid schema for response_format 'output': In context=${context}, ${what}`,
    param: "response_format",
    code: null,
  });

  it.each([
    [
      "a strict schema whose object allows other properties",
      { ...ask, response_format: format({ type: "object", properties: { name: { type: "string" } }, required: ["name"] }) },
      schemaError("()", "'additionalProperties' is required to be supplied and to be false."),
    ],
    [
      "a strict schema with an optional property in a nested array item",
      {
        ...ask,
        response_format: format({
          type: "object",
          properties: { people: { type: "array", items: { type: "object", properties: { name: { type: "string" }, role: { type: "string" } }, required: ["name"], additionalProperties: false } } },
          required: ["people"],
          additionalProperties: false,
        }),
      },
      schemaError("('properties', 'people', 'items')", "'required' is required to be supplied and to be an array including every key in properties. Missing 'role'."),
    ],
    [
      "a strict schema using allOf",
      { ...ask, response_format: format({ type: "object", properties: { name: { allOf: [{ type: "string" }] } }, required: ["name"], additionalProperties: false }) },
      schemaError("('properties', 'name')", "'allOf' is not permitted."),
    ],
    [
      "a strict schema whose root is an array",
      { ...ask, response_format: format({ type: "array", items: { type: "string" } }) },
      { message: "Invalid schema for response_format 'output': schema must be a JSON Schema of 'type: \"object\"', got 'type: \"array\"'.", param: "response_format", code: null },
    ],
    [
      "a json_schema without a name",
      { ...ask, response_format: { type: "json_schema", json_schema: { schema: person } } },
      { message: "Missing required parameter: 'response_format.json_schema.name'.", param: "response_format.json_schema.name", code: "missing_required_parameter" },
    ],
    [
      "a schema name with a space",
      { ...ask, response_format: format(person, true, "my output") },
      {
        message: "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
        param: "response_format.json_schema.name",
        code: "invalid_value",
      },
    ],
    [
      "an Anthropic-shaped format",
      { ...ask, response_format: { type: "json_schema", schema: person } },
      { message: "Unknown parameter: 'response_format.schema'.", param: "response_format.schema", code: "unknown_parameter" },
    ],
    [
      "json_schema on gpt-3.5-turbo",
      { ...ask, model: "gpt-3.5-turbo", response_format: format(person) },
      { message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", param: "response_format", code: null },
    ],
    [
      "reasoning_effort on gpt-4o",
      { ...ask, model: "gpt-4o", reasoning_effort: "low" },
      { message: "Unsupported parameter: 'reasoning_effort' is not supported with this model.", param: "reasoning_effort", code: "unsupported_parameter" },
    ],
    [
      "reasoning_effort on o1-mini",
      { ...ask, model: "o1-mini", reasoning_effort: "low" },
      { message: "Unsupported parameter: 'reasoning_effort' is not supported with this model.", param: "reasoning_effort", code: "unsupported_parameter" },
    ],
    [
      "xhigh on o3",
      { ...ask, model: "o3", reasoning_effort: "xhigh" },
      { message: "Unsupported value: 'reasoning_effort' does not support 'xhigh' with this model. Supported values are: 'low', 'medium', and 'high'.", param: "reasoning_effort", code: "unsupported_value" },
    ],
    [
      "max on gpt-5.2",
      { ...ask, model: "gpt-5.2", reasoning_effort: "max" },
      {
        message: "Unsupported value: 'reasoning_effort' does not support 'max' with this model. Supported values are: 'none', 'low', 'medium', 'high', and 'xhigh'.",
        param: "reasoning_effort",
        code: "unsupported_value",
      },
    ],
    [
      "high on gpt-5-chat-latest",
      { ...ask, model: "gpt-5-chat-latest", reasoning_effort: "high" },
      { message: "Unsupported value: 'reasoning_effort' does not support 'high' with this model. Supported values are: 'medium'.", param: "reasoning_effort", code: "unsupported_value" },
    ],
    [
      "an effort OpenAI does not define",
      { ...ask, model: "o3", reasoning_effort: "extreme" },
      {
        message: "Invalid value: 'extreme'. Supported values are: 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', and 'max'.",
        param: "reasoning_effort",
        code: "invalid_value",
      },
    ],
  ])("refuses %s", async (_, body, expected) => {
    expect(await chatError(body as Record<string, unknown>)).toStrictEqual({ status: 400, type: "invalid_request_error", ...expected });
  });

  it("answers a json_schema request with JSON that matches the schema, strict or not", async () => {
    for (const strict of [true, false, undefined]) {
      const answer = (await (await postJson(h, "/v1/chat/completions", { ...ask, response_format: format(person, strict) })).json()) as Record<string, any>;
      expect(answer.choices[0].finish_reason).toBe("stop");
      expect(JSON.parse(answer.choices[0].message.content)).toStrictEqual({ name: "echo: Extract: Ada", age: 3, tags: ["a"] });
    }
    const loose = { type: "object", properties: { name: { type: "string" } } };
    const answer = (await (await postJson(h, "/v1/chat/completions", { ...ask, response_format: format(loose, false) })).json()) as Record<string, any>;
    expect(JSON.parse(answer.choices[0].message.content)).toStrictEqual({ name: "echo: Extract: Ada" });
  });

  it("lets a reasoning model reason: reasoning tokens are part of the completion tokens", async () => {
    const answer = (await (await postJson(h, "/v1/chat/completions", { ...ask, model: "o3", reasoning_effort: "high" })).json()) as Record<string, any>;
    // Input "Extract: Ada" is 2 words, answer "echo: Extract: Ada" is 3; the model reasons one token a word of input.
    expect(answer.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 5, completion_tokens_details: { reasoning_tokens: 2 } });
    const chat = (await (await postJson(h, "/v1/chat/completions", ask)).json()) as Record<string, any>;
    expect(chat.usage).toMatchObject({ completion_tokens: 3, completion_tokens_details: { reasoning_tokens: 0 } });
  });
});

describe("a tool call cut off by the token limit", () => {
  it("stops for length in the middle of the arguments on CALL_TOOL with HIT_MAX_TOKENS", async () => {
    const tools = [{ type: "function", function: { name: "get_weather" } }];
    const body = { ...hello, tools, messages: [{ role: "user", content: "CALL_TOOL and HIT_MAX_TOKENS" }] };
    const answer = (await (await postJson(h, "/v1/chat/completions", body)).json()) as Record<string, any>;
    expect(answer.choices[0].finish_reason).toBe("length");
    expect(answer.choices[0].message.tool_calls[0].function).toStrictEqual({ name: "get_weather", arguments: '{"city":"Pa' });
  });
});

/**
 * The fake Gemini rejects what the real API rejects, with Google's error bodies.
 */
import { describe, expect, it } from "vitest";
import { countLines } from "../../fakes/gemini/batches.ts";
import { createFakeGemini } from "../../fakes/gemini/index.ts";

const KEY = "test-gemini-key";
const BASE = "https://gemini.fake";

function setup(options = {}) {
  const fake = createFakeGemini({ apiKey: KEY, ...options });
  const call = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("x-goog-api-key")) headers.set("x-goog-api-key", KEY);
    return fake.fetch(new Request(`${BASE}${path}`, { ...init, headers }));
  };
  const createBatch = (body: unknown, model = "gemini-2.5-flash") =>
    call(`/v1beta/models/${model}:batchGenerateContent`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const inline = (...requests: unknown[]) => ({
    batch: { display_name: "t", input_config: { requests: { requests: requests.map((request, i) => ({ request, metadata: { key: `k${i}` } })) } } },
  });
  const upload = async (text: string, name = "a.jsonl") => {
    const start = await call("/upload/v1beta/files", {
      method: "POST",
      headers: { "x-goog-upload-protocol": "resumable", "x-goog-upload-command": "start", "x-goog-upload-header-content-type": "application/jsonl", "content-type": "application/json" },
      body: JSON.stringify({ file: { display_name: name } }),
    });
    const session = start.headers.get("x-goog-upload-url")!;
    const bytes = new TextEncoder().encode(text);
    const done = await fake.fetch(
      new Request(session, { method: "POST", headers: { "x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0", "content-length": String(bytes.byteLength) }, body: bytes }),
    );
    return ((await done.json()) as { file: { name: string } }).file.name;
  };
  return { fake, call, createBatch, inline, upload };
}

const hello = { contents: [{ role: "user", parts: [{ text: "hello" }] }] };

describe("fake gemini: auth and routing", () => {
  it("answers a call without a key with 403 PERMISSION_DENIED", async () => {
    const { fake } = setup();
    const res = await fake.fetch(new Request(`${BASE}/v1beta/files`));
    expect(res.status).toBe(403);
    expect(await res.json()).toStrictEqual({
      error: {
        code: 403,
        message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        status: "PERMISSION_DENIED",
      },
    });
  });

  it("answers a wrong key with 400 INVALID_ARGUMENT, reason API_KEY_INVALID", async () => {
    const { call } = setup();
    const res = await call("/v1beta/files", { headers: { "x-goog-api-key": "nope" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toStrictEqual({
      error: {
        code: 400,
        message: "API key not valid. Please pass a valid API key.",
        status: "INVALID_ARGUMENT",
        details: [
          { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com", metadata: { service: "generativelanguage.googleapis.com" } },
          { "@type": "type.googleapis.com/google.rpc.LocalizedMessage", locale: "en-US", message: "API key not valid. Please pass a valid API key." },
        ],
      },
    });
  });

  it("takes the key as ?key= too, as the real API does", async () => {
    const { fake } = setup();
    expect((await fake.fetch(new Request(`${BASE}/v1beta/files?key=${KEY}`))).status).toBe(200);
  });

  it("answers unknown paths and methods with Google's HTML 404", async () => {
    const { call } = setup();
    for (const res of [await call("/v1/files"), await call("/v1beta/files", { method: "PUT" }), await call("/v1beta/models/x:generateStuff", { method: "POST" })]) {
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(await res.text()).toContain("Error 404 (Not Found)!!1");
    }
  });

  it("refuses unknown query parameters", async () => {
    const { call } = setup();
    const res = await call("/v1beta/files?limit=5");
    expect(res.status).toBe(400);
    expect(await res.json()).toStrictEqual({
      error: {
        code: 400,
        message: 'Invalid JSON payload received. Unknown name "limit": Cannot bind query parameter. Field \'limit\' could not be found in request message.',
        status: "INVALID_ARGUMENT",
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            fieldViolations: [{ field: "limit", description: 'Invalid JSON payload received. Unknown name "limit": Cannot bind query parameter. Field \'limit\' could not be found in request message.' }],
          },
        ],
      },
    });
  });

  it("records calls and resets through its control routes", async () => {
    const { fake, call } = setup();
    await call("/v1beta/files?pageSize=5");
    const calls = (await (await fake.fetch(new Request(`${BASE}/__fake/calls`))).json()) as Array<{ method: string; path: string; query: Record<string, string> }>;
    expect(calls).toMatchObject([{ method: "GET", path: "/v1beta/files", query: { pageSize: "5" } }]);
    await fake.fetch(new Request(`${BASE}/__fake/reset`, { method: "POST" }));
    expect(fake.calls).toStrictEqual([]);
  });
});

describe("fake gemini: resumable uploads", () => {
  const startHeaders = { "x-goog-upload-protocol": "resumable", "x-goog-upload-command": "start", "x-goog-upload-header-content-type": "text/plain", "content-type": "application/json" };

  it("opens a session, takes chunks at matching offsets and answers the File at finalize", async () => {
    const { fake, call } = setup();
    const start = await call("/upload/v1beta/files", { method: "POST", headers: { ...startHeaders, "x-goog-upload-header-content-length": "6" }, body: JSON.stringify({ file: { displayName: "a.txt" } }) });
    expect(start.status).toBe(200);
    expect(start.headers.get("x-goog-upload-status")).toBe("active");
    const session = start.headers.get("x-goog-upload-url")!;
    expect(session).toMatch(/^https:\/\/gemini\.fake\/upload\/v1beta\/files\?upload_id=[a-z0-9]+&upload_protocol=resumable$/);

    const chunk = (command: string, offset: number, text: string) =>
      fake.fetch(new Request(session, { method: "POST", headers: { "x-goog-upload-command": command, "x-goog-upload-offset": String(offset), "content-length": String(text.length) }, body: text }));
    const first = await chunk("upload", 0, "abc");
    expect(first.status).toBe(200);
    expect(first.headers.get("x-goog-upload-status")).toBe("active");

    const query = await fake.fetch(new Request(session, { method: "POST", headers: { "x-goog-upload-command": "query" } }));
    expect(query.headers.get("x-goog-upload-size-received")).toBe("3");

    const wrongOffset = await chunk("upload", 2, "def");
    expect(wrongOffset.status).toBe(400);
    expect(wrongOffset.headers.get("x-goog-upload-status")).toBe("active");

    const last = await chunk("upload, finalize", 3, "def");
    expect(last.status).toBe(200);
    expect(last.headers.get("x-goog-upload-status")).toBe("final");
    const { file } = (await last.json()) as { file: Record<string, string> };
    expect(file).toStrictEqual({
      name: expect.stringMatching(/^files\/[a-z0-9]{12}$/),
      displayName: "a.txt",
      mimeType: "text/plain",
      sizeBytes: "6",
      createTime: expect.any(String),
      updateTime: expect.any(String),
      expirationTime: expect.any(String),
      uri: `${BASE}/v1beta/${file.name}`,
      state: "ACTIVE",
      source: "UPLOADED",
    });
    expect(Date.parse(file.expirationTime!) - Date.parse(file.createTime!)).toBe(48 * 3_600_000);

    const after = await chunk("upload", 6, "g");
    expect(after.status).toBe(400);
    expect(after.headers.get("x-goog-upload-status")).toBe("final");
  });

  it("refuses a start without the resumable protocol or the start command", async () => {
    const { call } = setup();
    expect((await call("/upload/v1beta/files", { method: "POST", headers: { ...startHeaders, "x-goog-upload-protocol": "" }, body: "{}" })).status).toBe(400);
    expect((await call("/upload/v1beta/files", { method: "POST", headers: { ...startHeaders, "x-goog-upload-command": "upload" }, body: "{}" })).status).toBe(400);
  });

  it("refuses unknown fields in the upload metadata", async () => {
    const { call } = setup();
    const res = await call("/upload/v1beta/files", { method: "POST", headers: startHeaders, body: JSON.stringify({ file: { displayName: "a", purpose: "batch" } }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      "Invalid JSON payload received. Unknown name \"purpose\" at 'file': Cannot find field.",
    );
  });

  it("refuses a chunk whose Content-Length is missing or wrong, and a finalize at another size than announced", async () => {
    const { fake, call } = setup();
    const start = await call("/upload/v1beta/files", { method: "POST", headers: { ...startHeaders, "x-goog-upload-header-content-length": "10" }, body: "{}" });
    const session = start.headers.get("x-goog-upload-url")!;
    const noLength = await fake.fetch(new Request(session, { method: "POST", headers: { "x-goog-upload-command": "upload", "x-goog-upload-offset": "0" }, body: new ReadableStream({ start(c) { c.enqueue(new Uint8Array([1])); c.close(); } }), duplex: "half" } as RequestInit));
    expect(noLength.status).toBe(400);
    const wrongLength = await fake.fetch(new Request(session, { method: "POST", headers: { "x-goog-upload-command": "upload", "x-goog-upload-offset": "0", "content-length": "5" }, body: "abc" }));
    expect(wrongLength.status).toBe(400);
    const short = await fake.fetch(new Request(session, { method: "POST", headers: { "x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0", "content-length": "3" }, body: "abc" }));
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error: { message: string } }).error.message).toBe("The upload was finalized at 3 bytes, not the 10 announced at start.");
  });

  it("cancels a session", async () => {
    const { fake, call } = setup();
    const start = await call("/upload/v1beta/files", { method: "POST", headers: startHeaders, body: "{}" });
    const session = start.headers.get("x-goog-upload-url")!;
    const cancel = await fake.fetch(new Request(session, { method: "POST", headers: { "x-goog-upload-command": "cancel" } }));
    expect(cancel.headers.get("x-goog-upload-status")).toBe("cancelled");
  });
});

describe("fake gemini: files", () => {
  it("answers a missing file with 403 'or it may not exist', lists, deletes", async () => {
    const { call, upload } = setup();
    const missing = await call("/v1beta/files/nope");
    expect(missing.status).toBe(403);
    expect(await missing.json()).toStrictEqual({ error: { code: 403, message: "You do not have permission to access the File nope or it may not exist.", status: "PERMISSION_DENIED" } });

    const name = await upload("x");
    const list = (await (await call("/v1beta/files")).json()) as { files: Array<{ name: string }> };
    expect(list.files.map((f) => f.name)).toStrictEqual([name]);
    expect(await (await call(`/v1beta/${name}`, { method: "DELETE" })).json()).toStrictEqual({});
    expect((await call(`/v1beta/${name}`)).status).toBe(403);
    expect(await (await call("/v1beta/files")).json()).toStrictEqual({});
  });

  it("downloads generated files only, with alt=media", async () => {
    const { call, upload } = setup();
    const name = await upload("x");
    const res = await call(`/v1beta/${name}:download?alt=media`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { status: string } }).error.status).toBe("FAILED_PRECONDITION");
  });
});

describe("fake gemini: batchGenerateContent validation", () => {
  it("refuses an unknown field in a request with Google's message and path", async () => {
    const { createBatch, inline } = setup();
    const res = await createBatch(inline(hello, { ...hello, temperature: 0.2 }));
    expect(res.status).toBe(400);
    const description = "Invalid JSON payload received. Unknown name \"temperature\" at 'batch.input_config.requests.requests[1].request': Cannot find field.";
    expect(await res.json()).toStrictEqual({
      error: {
        code: 400,
        message: description,
        status: "INVALID_ARGUMENT",
        details: [{ "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field: "batch.input_config.requests.requests[1].request", description }] }],
      },
    });
  });

  it("refuses JSON Schema keywords Gemini's Schema does not have, wherever they are", async () => {
    const { createBatch, inline } = setup();
    const parameters = { type: "object", additionalProperties: false, properties: { city: { type: "string", $schema: "x" } } };
    const res = await createBatch(inline({ ...hello, tools: [{ functionDeclarations: [{ name: "f", parameters }] }] }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      [
        "Invalid JSON payload received. Unknown name \"additionalProperties\" at 'batch.input_config.requests.requests[0].request.tools[0].function_declarations[0].parameters': Cannot find field.",
        "Invalid JSON payload received. Unknown name \"$schema\" at 'batch.input_config.requests.requests[0].request.tools[0].function_declarations[0].parameters.properties[0].value': Cannot find field.",
      ].join("\n"),
    );
  });

  it("refuses values of the wrong type, bad base64 and two data fields in one part", async () => {
    const { createBatch, inline } = setup();
    const res = await createBatch(
      inline({
        contents: [{ role: "user", parts: [{ text: "a", inlineData: { mimeType: "image/png", data: "***" } }] }],
        generationConfig: { temperature: "hot" },
      }),
    );
    const messages = ((await res.json()) as { error: { message: string } }).error.message.split("\n");
    const at = "batch.input_config.requests.requests[0].request";
    expect(messages).toStrictEqual([
      `Invalid JSON payload received. Oneof field 'data' is already set. Cannot set 'inlineData'`,
      `Invalid value at '${at}.contents[0].parts[0].inline_data.data' (TYPE_BYTES), Base64 decoding failed for "***"`,
      `Invalid value at '${at}.generation_config.temperature' (TYPE_FLOAT), "hot"`,
    ]);
  });

  it("requires a display name and an input", async () => {
    const { createBatch } = setup();
    const noName = await createBatch({ batch: { input_config: { requests: { requests: [{ request: hello }] } } } });
    expect(((await noName.json()) as { error: { message: string } }).error.message).toBe("* BatchGenerateContentRequest.batch.display_name: display_name is required\n");
    const noInput = await createBatch({ batch: { display_name: "x", input_config: {} } });
    expect(noInput.status).toBe(400);
  });

  it("refuses an inline body over the payload limit", async () => {
    const { createBatch, inline } = setup({ inlineLimitBytes: 200 });
    const res = await createBatch(inline({ contents: [{ role: "user", parts: [{ text: "x".repeat(300) }] }] }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe("Request payload size exceeds the limit: 200 bytes.");
  });

  it("fails requests with roles other than user and model, and parts without data, when they run", async () => {
    const { call, createBatch, inline } = setup();
    const created = (await (await createBatch(inline(
      { contents: [{ role: "system", parts: [{ text: "x" }] }] },
      { contents: [{ role: "user", parts: [{ thought: true }] }] },
      { contents: [{ parts: [{ text: "role defaults to user" }] }] },
    ))).json()) as { name: string };
    await call(`/v1beta/${created.name}`);
    const done = (await (await call(`/v1beta/${created.name}`)).json()) as { metadata: { output: { inlinedResponses: { inlinedResponses: unknown[] } } } };
    // Inline responses come back without their metadata and out of request order (reversed here).
    expect(done.metadata.output.inlinedResponses.inlinedResponses).toStrictEqual([
      { response: expect.objectContaining({ candidates: [{ content: { role: "model", parts: [{ text: "echo: role defaults to user" }] }, finishReason: "STOP", index: 0 }] }) },
      { error: { code: 3, message: "* GenerateContentRequest.contents[0].parts[0].data: required oneof field 'data' must have one initialized field\n" } },
      { error: { code: 3, message: "Please use a valid role: user, model." } },
    ]);
  });

  it("fails a function declared with an OBJECT without properties or an ARRAY without items when it runs", async () => {
    const { call, createBatch, inline } = setup();
    const declare = (parameters: unknown) => ({ ...hello, tools: [{ functionDeclarations: [{ name: "f", parameters }] }] });
    const created = (await (
      await createBatch(inline(declare({ type: "OBJECT", properties: {} }), declare({ type: "object", properties: { tags: { type: "array" } } })))
    ).json()) as { name: string };
    await call(`/v1beta/${created.name}`);
    const done = (await (await call(`/v1beta/${created.name}`)).json()) as { metadata: { output: { inlinedResponses: { inlinedResponses: Array<{ error: { message: string } }> } } } };
    expect(done.metadata.output.inlinedResponses.inlinedResponses.map((item) => item.error.message)).toStrictEqual([
      "* GenerateContentRequest.tools[0].function_declarations[0].parameters.properties[tags].items: missing field.\n",
      "* GenerateContentRequest.tools[0].function_declarations[0].parameters.properties: should be non-empty for OBJECT type\n",
    ]);
  });
});

describe("fake gemini: batch lifecycle", () => {
  it("moves PENDING → RUNNING → SUCCEEDED one GET at a time, with string stats and zero counts left out", async () => {
    const { call, createBatch, inline } = setup();
    const create = await createBatch(inline(hello, { contents: [{ role: "user", parts: [{ text: "FAIL_REQUEST" }] }] }));
    const op = (await create.json()) as { name: string; metadata: Record<string, unknown> };
    expect(op).toStrictEqual({
      name: expect.stringMatching(/^batches\/[a-z0-9]{36}$/),
      metadata: {
        "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
        model: "models/gemini-2.5-flash",
        displayName: "t",
        createTime: expect.any(String),
        updateTime: expect.any(String),
        batchStats: { requestCount: "2", pendingRequestCount: "2" },
        state: "BATCH_STATE_PENDING",
        name: op.name,
      },
    });
    const running = (await (await call(`/v1beta/${op.name}`)).json()) as { metadata: Record<string, unknown>; done?: boolean };
    expect(running.metadata.state).toBe("BATCH_STATE_RUNNING");
    expect(running.done).toBeUndefined();
    const done = (await (await call(`/v1beta/${op.name}`)).json()) as Record<string, Record<string, unknown>>;
    expect(done.done).toBe(true);
    expect(done.metadata!.state).toBe("BATCH_STATE_SUCCEEDED");
    expect(done.metadata!.batchStats).toStrictEqual({ requestCount: "2", successfulRequestCount: "1", failedRequestCount: "1" });
    expect(done.response).toStrictEqual({ "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput", ...(done.metadata!.output as object) });
    const [failed, ok] = (done.metadata!.output as { inlinedResponses: { inlinedResponses: Array<Record<string, unknown>> } }).inlinedResponses.inlinedResponses;
    expect(ok).toStrictEqual({
      response: {
        candidates: [{ content: { role: "model", parts: [{ text: "echo: hello" }] }, finishReason: "STOP", index: 0 }],
        usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 2, totalTokenCount: 3 },
        modelVersion: "gemini-2.5-flash",
        responseId: expect.any(String),
      },
    });
    expect(failed).toStrictEqual({ error: { code: 3, message: "Simulated failure: the request asked for FAIL_REQUEST." } });
  });

  it("cancel answers {} and the next GET shows CANCELLED; cancelling an ended batch fails", async () => {
    const { call, createBatch, inline } = setup();
    const op = (await (await createBatch(inline(hello))).json()) as { name: string };
    const cancel = await call(`/v1beta/${op.name}:cancel`, { method: "POST" });
    expect(await cancel.json()).toStrictEqual({});
    const after = (await (await call(`/v1beta/${op.name}`)).json()) as { metadata: { state: string; batchStats: unknown; output?: unknown }; done: boolean };
    expect(after.metadata.state).toBe("BATCH_STATE_CANCELLED");
    expect(after.metadata.batchStats).toStrictEqual({ requestCount: "1" });
    expect(after.metadata.output).toBeUndefined();
    const again = await call(`/v1beta/${op.name}:cancel`, { method: "POST" });
    expect(again.status).toBe(400);
  });

  it("expires a batch through the control route", async () => {
    const { fake, call, createBatch, inline } = setup();
    const op = (await (await createBatch(inline(hello))).json()) as { name: string };
    await fake.fetch(new Request(`${BASE}/__fake/${op.name}/expire`, { method: "POST" }));
    const after = (await (await call(`/v1beta/${op.name}`)).json()) as { metadata: { state: string } };
    expect(after.metadata.state).toBe("BATCH_STATE_EXPIRED");
  });

  it("runs file input line by line into a generated responses file, failing only unreadable lines", async () => {
    const { call, createBatch, upload } = setup();
    const input = [
      JSON.stringify({ key: "a", request: hello }),
      JSON.stringify({ key: "b", request: { ...hello, bogus: 1 } }),
      "{not json",
    ].join("\n");
    const fileName = await upload(input);
    const op = (await (await createBatch({ batch: { display_name: "f", input_config: { file_name: fileName } } })).json()) as { name: string; metadata: Record<string, unknown> };
    expect(op.metadata.inputConfig).toStrictEqual({ fileName });
    expect(op.metadata.batchStats).toStrictEqual({ requestCount: "3", pendingRequestCount: "3" });
    await call(`/v1beta/${op.name}`);
    const done = (await (await call(`/v1beta/${op.name}`)).json()) as { metadata: { output: { responsesFile: string }; batchStats: unknown } };
    const responsesFile = done.metadata.output.responsesFile;
    expect(responsesFile).toBe(`files/batch-${op.name.slice(8)}`);
    expect(done.metadata.batchStats).toStrictEqual({ requestCount: "3", successfulRequestCount: "1", failedRequestCount: "2" });

    const meta = (await (await call(`/v1beta/${responsesFile}`)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ source: "GENERATED", mimeType: "application/jsonl", downloadUri: `${BASE}/download/v1beta/${responsesFile}:download?alt=media` });
    for (const path of [`/v1beta/${responsesFile}:download?alt=media`, `/download/v1beta/${responsesFile}:download?alt=media`]) {
      const lines = (await (await call(path)).text()).trim().split("\n").map((line) => JSON.parse(line));
      // Not in input order (reversed here): lines are matched by key.
      expect(lines.map((line) => [line.key, Object.keys(line).filter((k) => k !== "key")])).toStrictEqual([
        [undefined, ["error"]],
        ["b", ["error"]],
        ["a", ["response"]],
      ]);
      expect(lines[1].error.message).toBe("Invalid JSON payload received. Unknown name \"bogus\" at 'request': Cannot find field.");
    }
  });

  it("answers an unknown batch with 404 NOT_FOUND and an unknown model with its own 404", async () => {
    const { call, createBatch, inline } = setup({ knownModels: ["gemini-2.5-flash"] });
    const res = await call("/v1beta/batches/nope");
    expect(await res.json()).toStrictEqual({ error: { code: 404, message: "Requested entity was not found.", status: "NOT_FOUND" } });
    const model = await createBatch(inline(hello), "gemini-0");
    expect(model.status).toBe(404);
  });
});

/** What one request comes to when it runs, alone in an inline batch on `model`. */
async function outcomeOf(request: unknown, model = "gemini-2.5-flash"): Promise<{ response?: Record<string, unknown>; error?: { code: number; message: string } }> {
  const { call, createBatch, inline } = setup();
  const created = await createBatch(inline(request), model);
  const { name } = (await created.json()) as { name: string; error?: unknown };
  if (!name) throw new Error(`create failed: ${JSON.stringify(await created.clone().text())}`);
  await call(`/v1beta/${name}`);
  const done = (await (await call(`/v1beta/${name}`)).json()) as { metadata: { output: { inlinedResponses: { inlinedResponses: Array<Record<string, never>> } } } };
  return done.metadata.output.inlinedResponses.inlinedResponses[0]!;
}

describe("fake gemini: what Gemini checks when a request runs", () => {
  const weather = { functionDeclarations: [{ name: "get_weather", parameters: { type: "OBJECT", properties: { city: { type: "STRING" } } } }] };
  const loop = (call: Record<string, unknown>) => ({
    contents: [
      { role: "user", parts: [{ text: "Weather?" }] },
      { role: "model", parts: [call] },
      { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { output: "15C" } } }] },
    ],
    tools: [weather],
  });

  it("Gemini 3 refuses a function call of the current turn sent back without its thought signature, with Google's message", async () => {
    const unsigned = await outcomeOf(loop({ functionCall: { name: "get_weather", args: { city: "Paris" } } }), "gemini-3-pro-preview");
    expect(unsigned).toStrictEqual({ error: { code: 3, message: "Function call `get_weather` in the `1.` content block is missing a `thought_signature`." } });
    const signed = await outcomeOf(loop({ functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: "c2lnLUE=" }), "gemini-3-pro-preview");
    expect(signed.response).toBeDefined();
    const skipped = await outcomeOf(loop({ functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: "skip_thought_signature_validator" }), "gemini-3-pro-preview");
    expect(skipped.response).toBeDefined();
    // Earlier turns are not validated, and Gemini 2.5 validates none.
    const earlier = loop({ functionCall: { name: "get_weather", args: { city: "Paris" } } });
    earlier.contents.push({ role: "model", parts: [{ text: "15C" }] }, { role: "user", parts: [{ text: "Thanks" }] });
    expect((await outcomeOf(earlier, "gemini-3-pro-preview")).response).toBeDefined();
    expect((await outcomeOf(loop({ functionCall: { name: "get_weather", args: { city: "Paris" } } }), "gemini-2.5-flash")).response).toBeDefined();
  });

  it("Gemini 3 returns a thought signature with its function call", async () => {
    const outcome = await outcomeOf({ contents: [{ role: "user", parts: [{ text: "CALL_TOOL" }] }], tools: [weather] }, "gemini-3-flash-preview");
    const parts = (outcome.response as { candidates: Array<{ content: { parts: Array<Record<string, unknown>> } }> }).candidates[0]!.content.parts;
    expect(parts).toStrictEqual([{ functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) }]);
  });
});

describe("fake gemini: tool schemas", () => {
  it("refuses a STRING format other than enum and date-time, with Google's message", async () => {
    const declare = (format: string) => ({
      contents: [{ role: "user", parts: [{ text: "hi" }] }],
      tools: [{ functionDeclarations: [{ name: "f", parameters: { type: "OBJECT", properties: { links: { type: "ARRAY", items: { type: "OBJECT", properties: { url: { type: "STRING", format } } } } } } }] }],
    });
    expect(await outcomeOf(declare("uri"))).toStrictEqual({
      error: { code: 3, message: "* GenerateContentRequest.tools[0].function_declarations[0].parameters.properties[links].items.properties[url].format: only 'enum' and 'date-time' are supported for STRING type\n" },
    });
    expect((await outcomeOf(declare("date-time"))).response).toBeDefined();
  });
});

describe("fake gemini: thinking and structured output", () => {
  const ask = (generationConfig: Record<string, unknown>, text = "hello") => ({ contents: [{ role: "user", parts: [{ text }] }], generationConfig });
  const usage = (outcome: { response?: Record<string, unknown> }) => (outcome.response as { usageMetadata: Record<string, number> }).usageMetadata;
  const parts = (outcome: { response?: Record<string, unknown> }) =>
    (outcome.response as { candidates: Array<{ content: { parts: unknown[] } }> }).candidates[0]!.content.parts;

  it("refuses what a model cannot take, with Google's messages", async () => {
    expect((await outcomeOf(ask({ thinkingConfig: { thinkingBudget: 0 } }), "gemini-2.5-pro")).error).toStrictEqual({
      code: 3,
      message: "Budget 0 is invalid. This model only works in thinking mode.",
    });
    expect((await outcomeOf(ask({ thinkingConfig: { thinkingBudget: 0 } }), "gemini-3-flash-preview")).error?.message).toBe("Budget 0 is invalid. This model only works in thinking mode.");
    expect((await outcomeOf(ask({ thinkingConfig: { thinkingLevel: "low" } }), "gemini-2.5-flash")).error?.message).toBe("Thinking level is not supported for this model.");
    expect((await outcomeOf(ask({ thinkingConfig: { thinkingLevel: "medium" } }), "gemini-3-pro-preview")).error?.message).toBe("Thinking level medium is not supported for this model.");
    expect((await outcomeOf(ask({ thinkingConfig: { thinkingLevel: "low", thinkingBudget: 128 } }), "gemini-3-pro-preview")).error).toBeDefined();
    expect((await outcomeOf(ask({ thinkingConfig: { thinkingBudget: 0 } }), "gemini-2.5-flash")).response).toBeDefined();
  });

  it("reports thought tokens when the model thinks, and thought summaries with includeThoughts", async () => {
    const summarised = await outcomeOf(ask({ thinkingConfig: { thinkingLevel: "low", includeThoughts: true } }), "gemini-3-flash-preview");
    expect(parts(summarised)).toStrictEqual([{ text: "Thinking about: hello", thought: true }, { text: "echo: hello" }]);
    expect(usage(summarised)).toStrictEqual({ promptTokenCount: 1, candidatesTokenCount: 2, thoughtsTokenCount: 7, totalTokenCount: 10 });
    expect(usage(await outcomeOf(ask({ thinkingConfig: { thinkingBudget: 0 } }), "gemini-2.5-flash"))).toStrictEqual({ promptTokenCount: 1, candidatesTokenCount: 2, totalTokenCount: 3 });
  });

  it("answers JSON for responseMimeType application/json", async () => {
    const outcome = await outcomeOf(ask({ responseMimeType: "application/json", responseJsonSchema: { type: "object" } }));
    expect(parts(outcome)).toStrictEqual([{ text: '{"echo":"hello"}' }]);
  });

  it("ends a function call it could not form with MALFORMED_FUNCTION_CALL and no content", async () => {
    const outcome = await outcomeOf(ask({}, "MALFORMED_CALL"));
    expect((outcome.response as { candidates: unknown[] }).candidates).toStrictEqual([
      { finishReason: "MALFORMED_FUNCTION_CALL", finishMessage: expect.stringMatching(/^Malformed function call: /), index: 0 },
    ]);
  });
});

describe("fake gemini: null", () => {
  it("refuses a field set to null, as an invalid value, and takes null inside function arguments", async () => {
    const { createBatch, inline } = setup();
    const res = await createBatch(inline({ ...hello, generationConfig: { temperature: null } }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; status: string } };
    expect(body.error.status).toBe("INVALID_ARGUMENT");
    expect(body.error.message).toBe("Invalid value at 'batch.input_config.requests.requests[0].request.generation_config.temperature' (TYPE_FLOAT), null");
    const args = { contents: [{ role: "user", parts: [{ text: "x" }] }, { role: "model", parts: [{ functionCall: { name: "f", args: { q: null } } }] }, { role: "user", parts: [{ text: "y" }] }] };
    expect((await createBatch(inline(args))).status).toBe(200);
  });
});

describe("fake gemini: counting a file's lines on its bytes", () => {
  // What the fake counted before, on the decoded text: lines that are not blank once trimmed.
  const byText = (text: string) => text.split("\n").filter((line) => line.replace(/\r$/, "").trim() !== "").length;
  const text = (value: string) => [new TextEncoder().encode(value), byText(value)] as const;
  const cases: Array<[string, readonly [Uint8Array, number]]> = [
    ["empty", text("")],
    ["one line without a line feed", text('{"key":"a"}')],
    ["blank lines and CRLF", text('{"key":"a"}\r\n\r\n  \t\n{"key":"b"}\r\n')],
    ["only whitespace", text(" \n\t\n\r\n\u000b\u000c\n")],
    ["a line of non-ASCII whitespace only", text("\u00a0\u3000\ufeff\n{}\n")],
    ["non-ASCII whitespace before content", text("\u00a0x\n")],
    ["non-ASCII content", text("é\n😀\n")],
    // Decoded, a byte that starts no valid sequence is U+FFFD: content.
    ["invalid UTF-8", [new Uint8Array([0xc3, 0x0a, 0x20, 0x0a]), 1]],
  ];
  it.each(cases)("%s", (_, [bytes, expected]) => {
    // Whole, and cut at every byte (a line, and a UTF-8 sequence, may span chunks).
    expect(countLines([bytes])).toBe(expected);
    for (let cut = 0; cut <= bytes.byteLength; cut++) expect(countLines([bytes.subarray(0, cut), bytes.subarray(cut)])).toBe(expected);
  });
});

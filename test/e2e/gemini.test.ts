/**
 * The seed's workflows on gemini (`x-model-provider: gemini`), through `npm run dev`, with the
 * official SDK: what the user sees, and what the Gemini fake received. The fake is shared by
 * every e2e file, so everything is looked up by the IDs and names these tests created.
 */
import { toFile } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import type { RecordedCall } from "../fakes/gemini/index.ts";
import { fakeCalls, fakeUrl, gatewayClient, idsOf, pollUntilEnded, resultsOf } from "./support/client";
import { textRequest } from "./support/requests";
import { KEYS } from "./support/stack";

const client = gatewayClient("gemini");
const FLASH = "gemini-1.5-flash";
const PRO = "gemini-1.5-pro";

/** Gemini's own view of a file (by display name), asked of the fake directly. */
async function nativeFile(displayName: string): Promise<Record<string, string>> {
  const res = await fetch(`${fakeUrl("gemini")}/v1beta/files?pageSize=100`, { headers: { "x-goog-api-key": KEYS.gemini } });
  const { files = [] } = (await res.json()) as { files?: Record<string, string>[] };
  const found = files.find((file) => file.displayName === displayName);
  if (!found) throw new Error(`Gemini has no file named ${displayName}`);
  return found;
}

/** Gemini's batch operations for one gateway batch (its display name carries the gateway ID). */
async function nativeJobs(batchId: string): Promise<{ name: string; model: string; state: string }[]> {
  const res = await fetch(`${fakeUrl("gemini")}/v1beta/batches?pageSize=1000`, { headers: { "x-goog-api-key": KEYS.gemini } });
  const { operations = [] } = (await res.json()) as { operations?: { name: string; metadata: { displayName: string; model: string; state: string } }[] };
  return operations
    .filter((op) => op.metadata.displayName === `batchbridge-${batchId}`)
    .map((op) => ({ name: op.name, model: op.metadata.model, state: op.metadata.state }));
}

/** The batchGenerateContent calls made for one gateway batch, by model. */
async function createCalls(batchId: string): Promise<Map<string, RecordedCall>> {
  const calls = new Map<string, RecordedCall>();
  for (const call of await fakeCalls("gemini")) {
    const model = call.path.match(/^\/v1beta\/models\/([^/:]+):batchGenerateContent$/)?.[1];
    if (call.method !== "POST" || !model || !call.body) continue;
    const body = JSON.parse(call.body) as { batch: { display_name: string } };
    if (body.batch.display_name !== `batchbridge-${batchId}`) continue;
    expect(calls.has(model), `two jobs for ${model}`).toBe(false);
    calls.set(model, call);
  }
  return calls;
}

function request(customId: string, text: string, model = FLASH) {
  return textRequest(customId, text, model);
}

function nativeRequest(text: string, maxTokens = 100) {
  return { contents: [{ role: "user", parts: [{ text }] }], generationConfig: { maxOutputTokens: maxTokens } };
}

/** The `{key, request}` lines of the JSONL input file the gateway uploaded for one model of a batch. */
async function fileLines(batchId: string, model: string): Promise<unknown[]> {
  const inputName = `batchbridge-${batchId}-${model}.jsonl`;
  const calls = await fakeCalls("gemini");
  const startIndex = calls.findIndex((c) => c.path === "/upload/v1beta/files" && c.body?.includes(inputName));
  expect(startIndex, `an upload of ${inputName}`).toBeGreaterThanOrEqual(0);
  const finalize = calls.slice(startIndex + 1).find((c) => c.query.upload_id !== undefined && c.headers["x-goog-upload-command"] === "upload, finalize");
  return finalize!.body!.trimEnd().split("\n").map((line) => JSON.parse(line) as unknown);
}

function inlineItems(call: RecordedCall | undefined): unknown[] {
  const body = JSON.parse(call!.body!) as { batch: { input_config: { requests: { requests: unknown[] } } } };
  return body.batch.input_config.requests.requests;
}

function succeededText(result: Awaited<ReturnType<typeof resultsOf>>[number]["result"]) {
  if (result.type !== "succeeded") return `(${result.type})`;
  const [block] = result.message.content;
  return block?.type === "text" ? block.text : `(${block?.type})`;
}

describe("files on gemini", () => {
  it("uploads through the resumable protocol, retrieves, lists, refuses to download, and deletes", async () => {
    const name = `gemini-e2e-${Date.now()}.txt`;
    const text = "This is a test file for Files API integration.";
    const uploaded = await client.beta.files.upload({ file: await toFile(Buffer.from(text), name, { type: "text/plain" }) });
    expect(uploaded).toEqual({
      id: expect.stringMatching(/^file_[0-9A-Z]{26}$/),
      type: "file",
      filename: name,
      mime_type: "text/plain",
      size_bytes: 46,
      size: 46,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      downloadable: false,
      expires_at: null,
      scope: null,
    });

    // What Gemini received: a resumable start naming the file, then the bytes with upload+finalize.
    const native = await nativeFile(name);
    expect(native).toMatchObject({ mimeType: "text/plain", sizeBytes: "46", state: "ACTIVE", source: "UPLOADED" });
    const calls = await fakeCalls("gemini");
    const startIndex = calls.findIndex((c) => c.path === "/upload/v1beta/files" && c.body !== undefined && c.body.includes(`"displayName":"${name}"`));
    expect(startIndex).toBeGreaterThanOrEqual(0);
    const start = calls[startIndex]!;
    expect(start.headers).toMatchObject({
      "x-goog-api-key": KEYS.gemini,
      "x-goog-upload-protocol": "resumable",
      "x-goog-upload-command": "start",
      "x-goog-upload-header-content-type": "text/plain",
      "x-goog-upload-header-content-length": "46",
    });
    expect(JSON.parse(start.body!)).toEqual({ file: { displayName: name, mimeType: "text/plain", sizeBytes: "46" } });
    const finalize = calls.slice(startIndex + 1).find((c) => c.path === "/upload/v1beta/files" && c.query.upload_id !== undefined && c.body === text);
    expect(finalize?.headers).toMatchObject({ "x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0", "content-length": "46" });

    expect(await client.beta.files.retrieveMetadata(uploaded.id)).toEqual(uploaded);

    const listed = await idsOf(client.beta.files.list({ limit: 1 }));
    expect(listed).toContain(uploaded.id);
    expect(new Set(listed).size).toBe(listed.length);

    await expect(client.beta.files.download(uploaded.id)).rejects.toMatchObject({
      status: 400,
      error: {
        type: "error",
        error: {
          type: "invalid_request_error",
          message: `File ${uploaded.id} is not downloadable: only files a provider generated (such as batch output) can be downloaded`,
        },
      },
    });
    expect((await fakeCalls("gemini")).filter((c) => c.path === `/v1beta/${native.name}:download`)).toEqual([]);

    expect(await client.beta.files.delete(uploaded.id)).toEqual({ id: uploaded.id, type: "file_deleted" });
    expect((await fakeCalls("gemini")).filter((c) => c.method === "DELETE" && c.path === `/v1beta/${native.name}`)).toHaveLength(1);
    await expect(nativeFile(name)).rejects.toThrow(/no file named/);
    await expect(client.beta.files.retrieveMetadata(uploaded.id)).rejects.toMatchObject({ status: 404, error: { error: { type: "not_found_error" } } });
  });

  it("answers 404 for a file Gemini expired, and drops it from the list", async () => {
    const name = `gemini-e2e-expiring-${Date.now()}.txt`;
    const uploaded = await client.beta.files.upload({ file: await toFile(Buffer.from("short-lived"), name, { type: "text/plain" }) });
    const native = await nativeFile(name);
    const expired = await fetch(`${fakeUrl("gemini")}/__fake/${native.name}/expire`, { method: "POST" });
    expect(expired.status).toBe(200);

    await expect(client.beta.files.retrieveMetadata(uploaded.id)).rejects.toMatchObject({
      status: 404,
      error: { type: "error", error: { type: "not_found_error", message: `File not found: ${uploaded.id}` } },
    });
    const listed = await idsOf(client.beta.files.list({ limit: 100 }));
    expect(listed).not.toContain(uploaded.id);
  });
});

describe("batches on gemini", () => {
  it("runs the seed's cross-provider workflow with gemini-1.5-flash: create, poll, list, results, delete", async () => {
    const requests = [request("gemini-request-1", "Explain AI in one sentence."), request("gemini-request-2", "What is machine learning?")];
    const batch = await client.beta.messages.batches.create({ requests });
    expect(batch).toMatchObject({
      type: "message_batch",
      processing_status: "in_progress",
      request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      results_url: null,
      ended_at: null,
      cancel_initiated_at: null,
    });
    expect(batch.id).toMatch(/^msgbatch_[0-9A-Z]{26}$/);

    const created = await createCalls(batch.id);
    expect([...created.keys()]).toEqual([FLASH]);
    expect(created.get(FLASH)!.headers["x-goog-api-key"]).toBe(KEYS.gemini);
    // More than one request goes as a JSONL input file: inline responses carry no key.
    const input = await nativeFile(`batchbridge-${batch.id}-${FLASH}.jsonl`);
    expect(JSON.parse(created.get(FLASH)!.body!)).toEqual({ batch: { display_name: `batchbridge-${batch.id}`, input_config: { file_name: input.name } } });
    expect(await fileLines(batch.id, FLASH)).toEqual([
      { key: "gemini-request-1", request: nativeRequest("Explain AI in one sentence.") },
      { key: "gemini-request-2", request: nativeRequest("What is machine learning?") },
    ]);

    const ended = await pollUntilEnded(client, batch.id);
    expect(ended.processing_status).toBe("ended");
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
    expect(ended.results_url).toBe(`${client.baseURL}/v1/messages/batches/${batch.id}/results`);
    const [job] = await nativeJobs(batch.id);
    expect(job).toMatchObject({ model: `models/${FLASH}`, state: "BATCH_STATE_SUCCEEDED" });
    expect((await fakeCalls("gemini")).filter((c) => c.method === "GET" && c.path === `/v1beta/${job!.name}`).length).toBeGreaterThanOrEqual(2);

    const listed = await client.beta.messages.batches.list({ limit: 20 });
    expect(listed.data.map((b) => b.id)).toContain(batch.id);

    const results = await resultsOf(client, batch.id);
    expect(results.map((r) => r.custom_id).sort()).toEqual(["gemini-request-1", "gemini-request-2"]);
    for (const line of results) {
      expect(line.result.type).toBe("succeeded");
      if (line.result.type !== "succeeded") continue;
      expect(line.result.message).toMatchObject({ type: "message", role: "assistant", model: FLASH, stop_reason: "end_turn", usage: { service_tier: "batch" } });
    }
    expect(Object.fromEntries(results.map((r) => [r.custom_id, succeededText(r.result)]))).toEqual({
      "gemini-request-1": "echo: Explain AI in one sentence.",
      "gemini-request-2": "echo: What is machine learning?",
    });

    expect(await client.beta.messages.batches.delete(batch.id)).toEqual({ id: batch.id, type: "message_batch_deleted" });
    expect((await fakeCalls("gemini")).filter((c) => c.method === "DELETE" && c.path === `/v1beta/${job!.name}`)).toHaveLength(1);
    expect(await nativeJobs(batch.id)).toEqual([]);
    await expect(client.beta.messages.batches.retrieve(batch.id)).rejects.toMatchObject({ status: 404 });
  });

  it("runs a batch mixing two Gemini models as two batchGenerateContent jobs, one per model URL (a file for two requests, inline for one)", async () => {
    const batch = await client.beta.messages.batches.create({
      requests: [request("mix-flash-1", "Hello flash"), request("mix-pro-1", "Hello pro", PRO), request("mix-flash-2", "Bye flash")],
    });
    const created = await createCalls(batch.id);
    expect([...created.keys()].sort()).toEqual([FLASH, PRO]);
    expect(await fileLines(batch.id, FLASH)).toEqual([
      { key: "mix-flash-1", request: nativeRequest("Hello flash") },
      { key: "mix-flash-2", request: nativeRequest("Bye flash") },
    ]);
    expect(inlineItems(created.get(PRO))).toEqual([{ request: nativeRequest("Hello pro"), metadata: { key: "mix-pro-1" } }]);
    expect((await nativeJobs(batch.id)).map((job) => job.model).sort()).toEqual([`models/${FLASH}`, `models/${PRO}`]);

    const ended = await pollUntilEnded(client, batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 3, errored: 0, canceled: 0, expired: 0 });
    const results = await resultsOf(client, batch.id);
    expect(results.map((r) => r.custom_id).sort()).toEqual(["mix-flash-1", "mix-flash-2", "mix-pro-1"]);
    const models = Object.fromEntries(results.map((r) => [r.custom_id, r.result.type === "succeeded" ? r.result.message.model : r.result.type]));
    expect(models).toEqual({ "mix-flash-1": FLASH, "mix-flash-2": FLASH, "mix-pro-1": PRO });
  });

  it("sends a large batch (100 requests) as an uploaded JSONL input file, and reads its responses file", async () => {
    const padding = "lorem ipsum ".repeat(60);
    const requests = Array.from({ length: 100 }, (_, i) => request(`big-${String(i).padStart(3, "0")}`, `Question ${i}: ${padding}`));
    const batch = await client.beta.messages.batches.create({ requests });
    expect(batch.request_counts).toEqual({ processing: 100, succeeded: 0, errored: 0, canceled: 0, expired: 0 });

    const inputName = `batchbridge-${batch.id}-${FLASH}.jsonl`;
    const input = await nativeFile(inputName);
    expect(input).toMatchObject({ mimeType: "application/jsonl", source: "UPLOADED" });
    const calls = await fakeCalls("gemini");
    const startIndex = calls.findIndex((c) => c.path === "/upload/v1beta/files" && c.body?.includes(inputName));
    expect(calls[startIndex]!.headers).toMatchObject({ "x-goog-upload-command": "start", "x-goog-upload-header-content-type": "application/jsonl" });
    const finalize = calls.slice(startIndex + 1).find((c) => c.query.upload_id !== undefined && c.headers["x-goog-upload-command"] === "upload, finalize");
    const lines = finalize!.body!.trimEnd().split("\n").map((line) => JSON.parse(line) as unknown);
    expect(lines).toEqual(requests.map((r) => ({ key: r.custom_id, request: nativeRequest(r.params.messages[0]!.content) })));

    const created = await createCalls(batch.id);
    expect([...created.keys()]).toEqual([FLASH]);
    expect(JSON.parse(created.get(FLASH)!.body!)).toEqual({ batch: { display_name: `batchbridge-${batch.id}`, input_config: { file_name: input.name } } });

    const ended = await pollUntilEnded(client, batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 100, errored: 0, canceled: 0, expired: 0 });
    const results = await resultsOf(client, batch.id);
    expect(results).toHaveLength(100);
    expect(Object.fromEntries(results.map((r) => [r.custom_id, succeededText(r.result)]))).toEqual(
      Object.fromEntries(requests.map((r) => [r.custom_id, `echo: ${r.params.messages[0]!.content}`])),
    );
    const [job] = await nativeJobs(batch.id);
    const responsesFile = `files/batch-${job!.name.slice("batches/".length)}`;
    const downloads = (await fakeCalls("gemini")).filter((c) => c.method === "GET" && c.path === `/v1beta/${responsesFile}:download`);
    expect(downloads.length).toBeGreaterThanOrEqual(1);
    expect(downloads[0]!.query).toEqual({ alt: "media" });
  });

  it("reports one failing request as errored, the others succeeded", async () => {
    const batch = await client.beta.messages.batches.create({
      requests: [request("fine-1", "What is 15 * 7?"), request("broken", "FAIL_REQUEST please"), request("fine-2", "What is the largest ocean?")],
    });
    const ended = await pollUntilEnded(client, batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 1, canceled: 0, expired: 0 });
    const results = await resultsOf(client, batch.id);
    const broken = results.find((r) => r.custom_id === "broken");
    expect(broken?.result).toEqual({
      type: "errored",
      error: {
        type: "error",
        error: { type: "invalid_request_error", message: "gemini upstream error (INVALID_ARGUMENT): Simulated failure: the request asked for FAIL_REQUEST." },
        request_id: null,
      },
    });
    expect(results.filter((r) => r.result.type === "succeeded").map((r) => r.custom_id).sort()).toEqual(["fine-1", "fine-2"]);
  });

  it("reports a request whose result Gemini never returned as errored, the others succeeded", async () => {
    const batch = await client.beta.messages.batches.create({
      requests: [request("kept-1", "What is 15 * 7?"), request("lost", "LOSE_RESULT please"), request("kept-2", "What is the largest ocean?")],
    });
    await pollUntilEnded(client, batch.id);
    const results = await resultsOf(client, batch.id);
    expect(results.map((r) => r.custom_id).sort()).toEqual(["kept-1", "kept-2", "lost"]);
    expect(results.find((r) => r.custom_id === "lost")?.result).toEqual({
      type: "errored",
      error: {
        type: "error",
        error: { type: "api_error", message: "gemini upstream error: the batch ended without a result for this request (Gemini returned no line with its key)" },
        request_id: null,
      },
    });
    expect(results.filter((r) => r.result.type === "succeeded").map((r) => r.custom_id).sort()).toEqual(["kept-1", "kept-2"]);
  });

  it("cancels a batch: canceling until its job has ended, then canceled results", async () => {
    const batch = await client.beta.messages.batches.create({ requests: [request("stop-1", "One"), request("stop-2", "Two")] });
    const [job] = await nativeJobs(batch.id);
    const canceling = await client.beta.messages.batches.cancel(batch.id);
    expect(canceling).toMatchObject({ id: batch.id, processing_status: "canceling", results_url: null });
    expect(canceling.cancel_initiated_at).not.toBeNull();
    expect((await fakeCalls("gemini")).filter((c) => c.method === "POST" && c.path === `/v1beta/${job!.name}:cancel`)).toHaveLength(1);

    const ended = await pollUntilEnded(client, batch.id);
    expect(ended).toMatchObject({
      processing_status: "ended",
      request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 2, expired: 0 },
      cancel_initiated_at: canceling.cancel_initiated_at,
    });
    expect((await nativeJobs(batch.id))[0]?.state).toBe("BATCH_STATE_CANCELLED");
    const results = await resultsOf(client, batch.id);
    expect(results.map((r) => [r.custom_id, r.result.type]).sort()).toEqual([
      ["stop-1", "canceled"],
      ["stop-2", "canceled"],
    ]);
  });

  it("runs a request that cites a file uploaded through the gateway, sending Gemini the file's URI", async () => {
    const name = `gemini-e2e-doc-${Date.now()}.pdf`;
    const file = await client.beta.files.upload({ file: await toFile(Buffer.from("%PDF-1.4 notes"), name, { type: "application/pdf" }) });
    const native = await nativeFile(name);
    const batch = await client.beta.messages.batches.create({
      requests: [
        {
          custom_id: "with-file",
          params: {
            model: FLASH,
            max_tokens: 100,
            messages: [
              {
                role: "user",
                content: [
                  { type: "text", text: "Summarise this file." },
                  { type: "document", source: { type: "file", file_id: file.id } },
                ],
              },
            ],
          },
        },
      ],
    });
    const created = await createCalls(batch.id);
    expect(inlineItems(created.get(FLASH))).toEqual([
      {
        request: {
          contents: [{ role: "user", parts: [{ text: "Summarise this file." }, { fileData: { mimeType: "application/pdf", fileUri: `${fakeUrl("gemini")}/v1beta/${native.name}` } }] }],
          generationConfig: { maxOutputTokens: 100 },
        },
        metadata: { key: "with-file" },
      },
    ]);
    expect(native.uri).toBe(`${fakeUrl("gemini")}/v1beta/${native.name}`);

    await pollUntilEnded(client, batch.id);
    const [line] = await resultsOf(client, batch.id);
    expect(line?.custom_id).toBe("with-file");
    expect(succeededText(line!.result)).toBe("echo: Summarise this file.");
  });

  it("runs a Gemini 3 tool loop through the SDK: the tool_use sent back carries its thought signature to Gemini", async () => {
    const model = "gemini-3-flash-preview";
    const tools = [{ name: "get_weather", description: "Weather in a city", input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] } }];
    const first = await client.beta.messages.batches.create({
      requests: [{ custom_id: "step-1", params: { model, max_tokens: 100, tools, messages: [{ role: "user", content: "CALL_TOOL for Paris" }] } }],
    });
    await pollUntilEnded(client, first.id);
    const [step] = await resultsOf(client, first.id);
    if (step?.result.type !== "succeeded") throw new Error(`step 1 did not succeed: ${JSON.stringify(step)}`);
    const toolUse = step.result.message.content.find((block) => block.type === "tool_use");
    if (toolUse?.type !== "tool_use") throw new Error("no tool_use in step 1");

    // The client sends the assistant turn back as the SDK returned it, with the tool's result.
    const second = await client.beta.messages.batches.create({
      requests: [
        {
          custom_id: "step-2",
          params: {
            model,
            max_tokens: 100,
            tools,
            messages: [
              { role: "user", content: "CALL_TOOL for Paris" },
              { role: "assistant", content: step.result.message.content as never },
              { role: "user", content: [{ type: "tool_result", tool_use_id: toolUse.id, content: "18C and sunny" }] },
            ],
          },
        },
      ],
    });
    const created = await createCalls(second.id);
    const sent = inlineItems(created.get(model))[0] as { request: { contents: Array<{ parts: Array<Record<string, unknown>> }> } };
    expect(sent.request.contents[1]!.parts[0]).toMatchObject({ functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: expect.any(String) });
    await pollUntilEnded(client, second.id);
    const [answer] = await resultsOf(client, second.id);
    expect(answer?.result.type).toBe("succeeded");
  });

  it("runs structured outputs through the SDK: JSON with Gemini's responseJsonSchema, one text block back", async () => {
    const schema = { type: "object", properties: { echo: { type: "string" } }, required: ["echo"], additionalProperties: false };
    const batch = await client.beta.messages.batches.create({
      requests: [{ custom_id: "json", params: { model: FLASH, max_tokens: 100, messages: [{ role: "user", content: "Extract" }], output_config: { format: { type: "json_schema", schema } } } as never }],
    });
    const created = await createCalls(batch.id);
    expect(inlineItems(created.get(FLASH))).toEqual([
      {
        request: { ...nativeRequest("Extract"), generationConfig: { maxOutputTokens: 100, responseMimeType: "application/json", responseJsonSchema: schema } },
        metadata: { key: "json" },
      },
    ]);
    await pollUntilEnded(client, batch.id);
    const [line] = await resultsOf(client, batch.id);
    expect(succeededText(line!.result)).toBe('{"echo":"Extract"}');
  });

  it("refuses a param Gemini cannot take with a 400 naming the param and gemini, before any upstream call", async () => {
    const before = (await fakeCalls("gemini")).length;
    const error = await client.beta.messages.batches
      .create({ requests: [request("fine", "Hi"), { custom_id: "tiered", params: { ...request("tiered", "Hi").params, service_tier: "auto" } }] })
      .then(
        () => null,
        (e: unknown) => e as { status: number; error: { type: string; error: { type: string; message: string } } },
      );
    expect(error?.status).toBe(400);
    expect(error?.error.type).toBe("error");
    expect(error?.error.error.type).toBe("invalid_request_error");
    expect(error?.error.error.message).toMatch(/^(requests\.1\.)?params\.service_tier: has no equivalent on provider gemini; remove it or use provider anthropic$/);
    expect((await fakeCalls("gemini")).length).toBe(before);
  });
});

/**
 * The seed's workflows with `x-model-provider: openai`, through `npm run dev`, with the
 * official SDK: what the user sees, and what the fake OpenAI received (its /__fake/calls).
 *
 * The stack is shared by every e2e file, so the fake holds other files' state too: every
 * upstream object is found through the gateway batch ID (the `batchbridge_batch_id` metadata
 * of OpenAI batches) or a filename unique to the test.
 */
import { toFile } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { fakeCalls, fakeUrl, gatewayClient, idsOf, pollUntilEnded, resultsOf } from "./support/client";
import { textRequest } from "./support/requests";
import { KEYS } from "./support/stack";

const client = gatewayClient("openai");

interface NativeBatch {
  id: string;
  status: string;
  input_file_id: string;
  output_file_id: string | null;
  error_file_id: string | null;
  metadata: Record<string, string> | null;
}

interface ChatLine {
  custom_id: string;
  method: string;
  url: string;
  body: { model: string; messages: { role: string; content: unknown }[]; max_tokens?: number };
}

/** A call to the fake OpenAI itself, with its key (not through the gateway). */
async function openai(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${fakeUrl("openai")}${path}`, { ...init, headers: { authorization: `Bearer ${KEYS.openai}` } });
}

/** The OpenAI batches the gateway created for one gateway batch. */
async function nativeBatchesOf(gatewayBatchId: string): Promise<NativeBatch[]> {
  const found: NativeBatch[] = [];
  let after: string | null = null;
  for (;;) {
    const res = await openai(`/v1/batches?limit=100${after ? `&after=${after}` : ""}`);
    const page = (await res.json()) as { data: NativeBatch[]; has_more: boolean; last_id: string | null };
    found.push(...page.data.filter((batch) => batch.metadata?.batchbridge_batch_id === gatewayBatchId));
    if (!page.has_more) return found;
    after = page.last_id;
  }
}

async function openaiFileText(id: string): Promise<string> {
  const res = await openai(`/v1/files/${id}/content`);
  expect(res.status).toBe(200);
  return res.text();
}

async function inputLines(batch: NativeBatch): Promise<ChatLine[]> {
  return (await openaiFileText(batch.input_file_id))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as ChatLine);
}

function ask(customId: string, model: string, content: string) {
  return textRequest(customId, content, model);
}

function unique(name: string): string {
  return `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
}

describe("batches on openai", () => {
  it("runs the seed's Cross-Provider Batch Workflow (OpenAI via Anthropic SDK)", async () => {
    const batchRequests = [ask("openai-request-1", "gpt-4o-mini", "Explain AI in one sentence."), ask("openai-request-2", "gpt-4o-mini", "What is machine learning?")];

    // Step 1: create.
    let batch = await client.beta.messages.batches.create({ requests: batchRequests });
    expect(batch).toMatchObject({
      type: "message_batch",
      processing_status: "in_progress",
      request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      results_url: null,
    });
    expect(batch.id).toMatch(/^msgbatch_[0-9A-Z]{26}$/);

    // What OpenAI received: one batch input file (purpose batch) of method/url/body lines, one 24h job.
    const [native, ...others] = await nativeBatchesOf(batch.id);
    expect(others).toEqual([]);
    expect(await inputLines(native!)).toEqual([
      { custom_id: "openai-request-1", method: "POST", url: "/v1/chat/completions", body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "Explain AI in one sentence." }], max_tokens: 100 } },
      { custom_id: "openai-request-2", method: "POST", url: "/v1/chat/completions", body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "What is machine learning?" }], max_tokens: 100 } },
    ]);
    const calls = await fakeCalls("openai");
    const create = calls.filter((c) => c.method === "POST" && c.path === "/v1/batches" && JSON.parse(c.body ?? "{}").metadata?.batchbridge_batch_id === batch.id);
    expect(create).toHaveLength(1);
    expect(JSON.parse(create[0]!.body!)).toEqual({
      input_file_id: native!.input_file_id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
      metadata: { batchbridge_batch_id: batch.id },
      output_expires_after: { anchor: "created_at", seconds: 2592000 },
    });
    expect(create[0]!.headers.authorization).toBe(`Bearer ${KEYS.openai}`);
    const upload = calls.filter((c) => c.method === "POST" && c.path === "/v1/files" && c.form?.files[0]?.filename === `batchbridge-${batch.id}-0.jsonl`);
    expect(upload).toHaveLength(1);
    expect(upload[0]!.form!.fields).toEqual({ purpose: "batch" });
    expect(upload[0]!.form!.files[0]!.contentType).toBe("application/jsonl");

    // Step 2: poll, as the seed does (with a pause between reads).
    const seen: string[] = [];
    for (let i = 0; i < 180; i++) {
      batch = await client.beta.messages.batches.retrieve(batch.id);
      seen.push(batch.processing_status);
      if (batch.processing_status === "ended") break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(seen.at(-1)).toBe("ended");
    expect(seen.slice(0, -1).every((status) => status === "in_progress")).toBe(true);
    expect(batch.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
    expect(batch.ended_at).not.toBeNull();
    expect(batch.results_url).toBe(`${client.baseURL}/v1/messages/batches/${batch.id}/results`);
    expect((await nativeBatchesOf(batch.id))[0]!.status).toBe("completed");

    const listed = await client.beta.messages.batches.list({ limit: 20 });
    expect(listed.data.map((b) => b.id)).toContain(batch.id);

    const results = await resultsOf(client, batch.id);
    expect(results.map((r) => r.custom_id).sort()).toEqual(["openai-request-1", "openai-request-2"]);
    for (const line of results) {
      expect(line.result.type).toBe("succeeded");
      if (line.result.type !== "succeeded") continue;
      const question = batchRequests.find((r) => r.custom_id === line.custom_id)!.params.messages[0]!.content;
      expect(line.result.message).toMatchObject({
        type: "message",
        role: "assistant",
        model: "gpt-4o-mini",
        content: [{ type: "text", text: `echo: ${question}` }],
        stop_reason: "end_turn",
        stop_sequence: null,
      });
      expect(line.result.message.id).toMatch(/^msg_/);
    }
  });

  it("runs a batch mixing gpt-4o-mini and gpt-4o as two OpenAI jobs, one input file per model", async () => {
    const batch = await client.beta.messages.batches.create({
      requests: [ask("mini-1", "gpt-4o-mini", "First"), ask("big-1", "gpt-4o", "Second"), ask("mini-2", "gpt-4o-mini", "Third")],
    });
    const natives = await nativeBatchesOf(batch.id);
    expect(natives).toHaveLength(2);
    const files = await Promise.all(natives.map(inputLines));
    const byModel = Object.fromEntries(files.map((lines) => [lines[0]!.body.model, lines]));
    expect(Object.keys(byModel).sort()).toEqual(["gpt-4o", "gpt-4o-mini"]);
    expect(byModel["gpt-4o-mini"]!.map((l) => l.custom_id)).toEqual(["mini-1", "mini-2"]);
    expect(byModel["gpt-4o"]!.map((l) => l.custom_id)).toEqual(["big-1"]);
    for (const lines of files) {
      for (const line of lines) {
        expect(line).toMatchObject({ method: "POST", url: "/v1/chat/completions" });
        expect(line.body.model).toBe(lines[0]!.body.model);
      }
    }
    expect(new Set(natives.map((n) => n.input_file_id)).size).toBe(2);

    const ended = await pollUntilEnded(client, batch.id);
    expect(ended.processing_status).toBe("ended");
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 3, errored: 0, canceled: 0, expired: 0 });
    expect((await nativeBatchesOf(batch.id)).map((n) => n.status)).toEqual(["completed", "completed"]);
    const results = await resultsOf(client, batch.id);
    expect(results.map((r) => [r.custom_id, r.result.type === "succeeded" ? r.result.message.model : r.result.type]).sort()).toEqual([
      ["big-1", "gpt-4o"],
      ["mini-1", "gpt-4o-mini"],
      ["mini-2", "gpt-4o-mini"],
    ]);
  });

  it("reports the request OpenAI failed as errored, with counts that match the results", async () => {
    const batch = await client.beta.messages.batches.create({
      requests: [ask("good-1", "gpt-4o-mini", "Hello"), ask("bad", "gpt-4o-mini", "FAIL_REQUEST please"), ask("good-2", "gpt-4o-mini", "Bye")],
    });
    const ended = await pollUntilEnded(client, batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 1, canceled: 0, expired: 0 });
    const [native] = await nativeBatchesOf(batch.id);
    expect(native).toMatchObject({ status: "completed", error_file_id: expect.any(String) });
    const errorLines = (await openaiFileText(native!.error_file_id!)).trim().split("\n").map((l) => JSON.parse(l) as { custom_id: string });
    expect(errorLines.map((l) => l.custom_id)).toEqual(["bad"]);

    const results = await resultsOf(client, batch.id);
    expect(results).toHaveLength(3);
    const bad = results.find((r) => r.custom_id === "bad")!;
    expect(bad.result).toMatchObject({
      type: "errored",
      error: { type: "error", error: { type: "invalid_request_error", message: "The simulated model failed this request, as FAIL_REQUEST asks." } },
    });
    expect(results.filter((r) => r.result.type === "succeeded").map((r) => r.custom_id).sort()).toEqual(["good-1", "good-2"]);
  });

  it("cancels a batch: canceling, OpenAI's job cancelled, then ended with the unrun requests canceled", async () => {
    const batch = await client.beta.messages.batches.create({
      requests: [ask("c-1", "gpt-4o-mini", "One"), ask("c-2", "gpt-4o-mini", "Two"), ask("c-3", "gpt-4o-mini", "Three"), ask("c-4", "gpt-4o-mini", "Four")],
    });
    const canceling = await client.beta.messages.batches.cancel(batch.id);
    expect(canceling.processing_status).toBe("canceling");
    expect(canceling.cancel_initiated_at).not.toBeNull();
    const [native] = await nativeBatchesOf(batch.id);
    expect(native!.status).toBe("cancelling");
    expect((await fakeCalls("openai")).filter((c) => c.method === "POST" && c.path === `/v1/batches/${native!.id}/cancel`)).toHaveLength(1);

    const ended = await pollUntilEnded(client, batch.id);
    expect(ended.processing_status).toBe("ended");
    // The cancel's own refresh let OpenAI run the first half before it stopped.
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 2, expired: 0 });
    expect((await nativeBatchesOf(batch.id))[0]!.status).toBe("cancelled");
    const results = await resultsOf(client, batch.id);
    expect(results.map((r) => [r.custom_id, r.result.type]).sort()).toEqual([
      ["c-1", "succeeded"],
      ["c-2", "succeeded"],
      ["c-3", "canceled"],
      ["c-4", "canceled"],
    ]);
  });

  it("refuses a param OpenAI cannot take (top_k) with a 400 naming params.top_k and openai, before any upstream call", async () => {
    const before = (await fakeCalls("openai")).length;
    // Messages' top_k, sent as a user of an SDK whose types no longer list it would send it.
    const withTopK = { ...ask("topk", "gpt-4o-mini", "Hi").params, top_k: 5 };
    const refused = client.beta.messages.batches.create({ requests: [ask("fine", "gpt-4o-mini", "Hi"), { custom_id: "topk", params: withTopK }] });
    await expect(refused).rejects.toMatchObject({
      status: 400,
      error: {
        type: "error",
        error: { type: "invalid_request_error", message: "requests.1.params.top_k: has no equivalent on provider openai; remove it or use provider anthropic" },
      },
    });
    expect((await fakeCalls("openai")).length).toBe(before);
  });
});

describe("files on openai", () => {
  it("uploads (purpose user_data), lists, retrieves metadata, refuses to download, and deletes", async () => {
    const filename = `${unique("notes")}.txt`;
    const uploaded = await client.beta.files.upload({
      file: await toFile(Buffer.from("This is a test file for Files API integration."), filename, { type: "text/plain" }),
    });
    expect(uploaded).toEqual({
      id: expect.stringMatching(/^file_[0-9A-Z]{26}$/),
      type: "file",
      filename,
      mime_type: "text/plain",
      size_bytes: 46,
      size: 46,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      downloadable: false,
      expires_at: null,
      scope: null,
    });
    const uploadCalls = (await fakeCalls("openai")).filter((c) => c.method === "POST" && c.path === "/v1/files" && c.form?.files[0]?.filename === filename);
    expect(uploadCalls).toHaveLength(1);
    expect(uploadCalls[0]!.form).toEqual({ fields: { purpose: "user_data" }, files: [{ name: "file", filename, contentType: "text/plain", size: 46 }] });
    expect(uploadCalls[0]!.headers.authorization).toBe(`Bearer ${KEYS.openai}`);
    const stored = ((await (await openai("/v1/files?purpose=user_data")).json()) as { data: { id: string; filename: string; bytes: number }[] }).data.filter(
      (f) => f.filename === filename,
    );
    expect(stored).toHaveLength(1);
    const nativeId = stored[0]!.id;
    expect(stored[0]!.bytes).toBe(46);

    const listed = await idsOf(client.beta.files.list({ limit: 2 }));
    expect(listed).toContain(uploaded.id);
    expect(new Set(listed).size).toBe(listed.length);

    expect(await client.beta.files.retrieveMetadata(uploaded.id)).toEqual(uploaded);

    await expect(client.beta.files.download(uploaded.id)).rejects.toMatchObject({
      status: 400,
      error: { error: { type: "invalid_request_error", message: `File ${uploaded.id} is not downloadable: only files a provider generated (such as batch output) can be downloaded` } },
    });
    expect((await fakeCalls("openai")).filter((c) => c.path === `/v1/files/${nativeId}/content`)).toEqual([]);

    expect(await client.beta.files.delete(uploaded.id)).toEqual({ id: uploaded.id, type: "file_deleted" });
    expect((await fakeCalls("openai")).filter((c) => c.method === "DELETE" && c.path === `/v1/files/${nativeId}`)).toHaveLength(1);
    expect((await openai(`/v1/files/${nativeId}`)).status).toBe(404);
    await expect(client.beta.files.retrieveMetadata(uploaded.id)).rejects.toMatchObject({ status: 404 });
  });

  it("runs a batch whose request references a file uploaded through the gateway: OpenAI gets its own file ID", async () => {
    const filename = `${unique("report")}.pdf`;
    const file = await client.beta.files.upload({ file: await toFile(Buffer.from("%PDF-1.4 a tiny report"), filename, { type: "application/pdf" }) });
    const stored = ((await (await openai("/v1/files?purpose=user_data")).json()) as { data: { id: string; filename: string }[] }).data.filter((f) => f.filename === filename);
    expect(stored).toHaveLength(1);
    const nativeFileId = stored[0]!.id;
    expect(nativeFileId).not.toBe(file.id);

    const batch = await client.beta.messages.batches.create({
      requests: [
        {
          custom_id: "summarise",
          params: {
            model: "gpt-4o-mini",
            max_tokens: 100,
            messages: [{ role: "user", content: [{ type: "text", text: "Summarise this file." }, { type: "document", source: { type: "file", file_id: file.id } }] }],
          },
        },
      ],
    });
    const [native] = await nativeBatchesOf(batch.id);
    expect(await inputLines(native!)).toEqual([
      {
        custom_id: "summarise",
        method: "POST",
        url: "/v1/chat/completions",
        body: {
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: [{ type: "text", text: "Summarise this file." }, { type: "file", file: { file_id: nativeFileId } }] }],
          max_tokens: 100,
        },
      },
    ]);

    const ended = await pollUntilEnded(client, batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 1, errored: 0, canceled: 0, expired: 0 });
    const [line] = await resultsOf(client, batch.id);
    expect(line).toMatchObject({ custom_id: "summarise", result: { type: "succeeded", message: { content: [{ type: "text", text: "echo: Summarise this file." }] } } });
  });

  it("lets the batch's owner download OpenAI's output and error files, found in the files list once the batch ends", async () => {
    const batch = await client.beta.messages.batches.create({ requests: [ask("out-ok", "gpt-4o-mini", "Hello there"), ask("out-bad", "gpt-4o-mini", "FAIL_REQUEST")] });
    const ended = await pollUntilEnded(client, batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 1, errored: 1, canceled: 0, expired: 0 });
    const [native] = await nativeBatchesOf(batch.id);
    const outputText = await openaiFileText(native!.output_file_id!);
    const errorText = await openaiFileText(native!.error_file_id!);
    expect(outputText).toContain('"custom_id":"out-ok"');
    expect(errorText).toContain('"custom_id":"out-bad"');

    // The newest files, registered when the batch ended.
    const page = await client.beta.files.list({ limit: 10 });
    const downloadable = page.data.filter((f) => f.downloadable);
    const contents = new Map<string, string>();
    for (const file of downloadable) contents.set(file.id, await (await client.beta.files.download(file.id)).text());
    const outputFile = downloadable.find((f) => contents.get(f.id) === outputText);
    const errorFile = downloadable.find((f) => contents.get(f.id) === errorText);
    expect(outputFile).toMatchObject({ type: "file", mime_type: "application/jsonl", downloadable: true, size_bytes: Buffer.byteLength(outputText) });
    expect(errorFile).toMatchObject({ type: "file", mime_type: "application/jsonl", downloadable: true, size_bytes: Buffer.byteLength(errorText) });
    expect(outputFile!.id).toMatch(/^file_[0-9A-Z]{26}$/);
    expect(await client.beta.files.retrieveMetadata(outputFile!.id)).toEqual(outputFile);
    const calls = await fakeCalls("openai");
    expect(calls.filter((c) => c.method === "GET" && c.path === `/v1/files/${native!.output_file_id}/content`).length).toBeGreaterThanOrEqual(2);

    // Deleting the batch removes them with it, here and upstream.
    expect(await client.beta.messages.batches.delete(batch.id)).toEqual({ id: batch.id, type: "message_batch_deleted" });
    await expect(client.beta.files.retrieveMetadata(outputFile!.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.beta.files.retrieveMetadata(errorFile!.id)).rejects.toMatchObject({ status: 404 });
    for (const id of [native!.input_file_id, native!.output_file_id!, native!.error_file_id!]) expect((await openai(`/v1/files/${id}`)).status).toBe(404);
    await expect(client.beta.messages.batches.retrieve(batch.id)).rejects.toMatchObject({ status: 404 });
  });
});

describe("structured outputs on openai", () => {
  const person = {
    type: "object",
    properties: { name: { type: "string" }, age: { type: "integer" } },
    required: ["name", "age"],
    additionalProperties: false,
  };

  it("runs output_config.format and effort as response_format and reasoning_effort; the answer is the JSON text block", async () => {
    const batch = await client.beta.messages.batches.create({
      requests: [
        { custom_id: "extract", params: { ...ask("extract", "gpt-4o-mini", "Ada is 36").params, output_config: { format: { type: "json_schema", schema: person } } } },
        {
          custom_id: "reason",
          params: { ...ask("reason", "o4-mini", "Ada is 36").params, output_config: { effort: "low", format: { type: "json_schema", schema: person } } },
        },
      ],
    });
    const ended = await pollUntilEnded(client, batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });

    const natives = await nativeBatchesOf(batch.id);
    const sent = (await Promise.all(natives.map(inputLines))).flat().sort((a, b) => a.custom_id.localeCompare(b.custom_id));
    const responseFormat = { type: "json_schema", json_schema: { name: "output", schema: person, strict: true } };
    expect(sent.map((line) => line.body)).toEqual([
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "Ada is 36" }], max_tokens: 100, response_format: responseFormat },
      { model: "o4-mini", messages: [{ role: "user", content: "Ada is 36" }], max_completion_tokens: 100, response_format: responseFormat, reasoning_effort: "low" },
    ]);

    const results = (await resultsOf(client, batch.id)).sort((a, b) => a.custom_id.localeCompare(b.custom_id));
    for (const line of results) {
      expect(line.result.type).toBe("succeeded");
      if (line.result.type !== "succeeded") continue;
      const message = line.result.message;
      expect(message.stop_reason).toBe("end_turn");
      expect(message.content).toHaveLength(1);
      const [block] = message.content;
      expect(block?.type).toBe("text");
      expect(JSON.parse(block?.type === "text" ? block.text : "")).toEqual({ name: "echo: Ada is 36", age: 4 });
    }
  });

  it("refuses effort on a model that does not reason, naming the model, before any upstream call", async () => {
    const before = (await fakeCalls("openai")).length;
    const refused = client.beta.messages.batches.create({
      requests: [{ custom_id: "e", params: { ...ask("e", "gpt-4o", "Hi").params, output_config: { effort: "high" } } }],
    });
    await expect(refused).rejects.toMatchObject({
      status: 400,
      error: {
        type: "error",
        error: {
          type: "invalid_request_error",
          message: "requests.0.params.output_config.effort: is not supported by model gpt-4o, which takes no reasoning_effort on provider openai; remove it or use provider anthropic",
        },
      },
    });
    expect((await fakeCalls("openai")).length).toBe(before);
  });
});

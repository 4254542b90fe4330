/**
 * The fake OpenAI (test/fakes/openai) driven by the official `openai` SDK over HTTP, exactly as
 * a user drives the real API: upload a batch JSONL, create, poll until it ends, read the output
 * and error files, list, cancel, delete. A fake the SDK cannot use is wrong.
 */
import OpenAI, { toFile } from "openai";
import { describe, expect, it } from "vitest";
import { createFakeOpenAI } from "../fakes/openai/index.ts";
import { jsonLines, pollUntil, serveDuringSuite } from "./support/serve.ts";

const API_KEY = "test-openai-key";
const fake = createFakeOpenAI({ apiKey: API_KEY });
const served = serveDuringSuite((request) => fake.fetch(request));

function client(apiKey = API_KEY): OpenAI {
  return new OpenAI({ baseURL: `${served.url}/v1`, apiKey, maxRetries: 0 });
}

function chatLine(customId: string, text: string): string {
  return JSON.stringify({
    custom_id: customId,
    method: "POST",
    url: "/v1/chat/completions",
    body: { model: "gpt-4o-mini", messages: [{ role: "user", content: text }], max_tokens: 64 },
  });
}

async function uploadBatchFile(openai: OpenAI, lines: string[], name: string) {
  return openai.files.create({ file: await toFile(Buffer.from(`${lines.join("\n")}\n`), name), purpose: "batch" });
}

describe("the fake OpenAI, through the official openai SDK", () => {
  it("uploads a batch file, which retrieve and list return as the same File object", async () => {
    const openai = client();
    const content = `${chatLine("a", "hello")}\n`;
    const file = await openai.files.create({ file: await toFile(Buffer.from(content), "upload.jsonl"), purpose: "batch" });
    expect(file).toMatchObject({ object: "file", purpose: "batch", filename: "upload.jsonl", bytes: Buffer.byteLength(content), status: "processed" });
    expect(file.id).toMatch(/^file-/);
    expect(file.expires_at).toBe(file.created_at + 30 * 24 * 3600);

    expect(await openai.files.retrieve(file.id)).toEqual(file);
    const listed = [];
    for await (const item of openai.files.list({ purpose: "batch", limit: 1 })) listed.push(item.id);
    expect(listed).toContain(file.id);
    expect(await (await openai.files.content(file.id)).text()).toBe(content);
  });

  it("sends expires_after as the multipart fields OpenAI reads", async () => {
    const openai = client();
    const file = await openai.files.create({
      file: await toFile(Buffer.from(`${chatLine("a", "hello")}\n`), "expiring.jsonl"),
      purpose: "batch",
      expires_after: { anchor: "created_at", seconds: 3600 },
    });
    expect(file.expires_at).toBe(file.created_at + 3600);
  });

  it("runs a batch to completed and serves its output and error files", async () => {
    const openai = client();
    const input = await uploadBatchFile(openai, [chatLine("ok-1", "first"), chatLine("bad", "FAIL_REQUEST please"), chatLine("ok-2", "second")], "run.jsonl");
    const created = await openai.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
      metadata: { run: "contract" },
      output_expires_after: { anchor: "created_at", seconds: 30 * 24 * 3600 },
    });
    expect(created).toMatchObject({ object: "batch", status: "validating", input_file_id: input.id, endpoint: "/v1/chat/completions", metadata: { run: "contract" } });
    expect(created.id).toMatch(/^batch_/);

    const seen = await pollUntil(() => openai.batches.retrieve(created.id), (batch) => batch.status === "completed");
    expect(seen.map((batch) => batch.status)).toEqual(["in_progress", "finalizing", "completed"]);
    const done = seen[seen.length - 1]!;
    expect(done.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    expect(done.model).toBe("gpt-4o-mini");
    expect(done.usage?.total_tokens).toBeGreaterThan(0);
    expect(done.output_file_id).toMatch(/^file-/);
    expect(done.error_file_id).toMatch(/^file-/);

    const output = jsonLines(await (await openai.files.content(done.output_file_id!)).text()) as {
      custom_id: string;
      response: { status_code: number; body: OpenAI.ChatCompletion };
    }[];
    expect(output.map((line) => line.custom_id).sort()).toEqual(["ok-1", "ok-2"]);
    const first = output.find((line) => line.custom_id === "ok-1")!;
    expect(first.response.status_code).toBe(200);
    expect(first.response.body.choices[0]?.message.content).toBe("echo: first");

    const errors = jsonLines(await (await openai.files.content(done.error_file_id!)).text()) as {
      custom_id: string;
      response: { status_code: number; body: { error: { code: string } } } | null;
    }[];
    expect(errors.map((line) => line.custom_id)).toEqual(["bad"]);
    expect(errors[0]?.response?.status_code).toBe(400);

    const outputFile = await openai.files.retrieve(done.output_file_id!);
    expect(outputFile.purpose).toBe("batch_output");
  });

  it("lists batches newest first across pages", async () => {
    const openai = client();
    const input = await uploadBatchFile(openai, [chatLine("x", "listed")], "list.jsonl");
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      ids.push((await openai.batches.create({ input_file_id: input.id, endpoint: "/v1/chat/completions", completion_window: "24h" })).id);
    }
    const listed: string[] = [];
    for await (const batch of openai.batches.list({ limit: 2 })) listed.push(batch.id);
    expect(listed.slice(0, 3)).toEqual([...ids].reverse());
    const firstPage = await openai.batches.list({ limit: 2 });
    expect(firstPage.data).toHaveLength(2);
    expect(firstPage.hasNextPage()).toBe(true);
  });

  it("cancels a running batch: cancelling, then cancelled with the output of what ran", async () => {
    const openai = client();
    const input = await uploadBatchFile(openai, ["a", "b", "c", "d"].map((id) => chatLine(id, `text ${id}`)), "cancel.jsonl");
    const created = await openai.batches.create({ input_file_id: input.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
    expect((await openai.batches.retrieve(created.id)).status).toBe("in_progress");

    const cancelling = await openai.batches.cancel(created.id);
    expect(cancelling.status).toBe("cancelling");
    expect(cancelling.cancelling_at).toEqual(expect.any(Number));

    const cancelled = await openai.batches.retrieve(created.id);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.request_counts).toEqual({ total: 4, completed: 2, failed: 0 });
    const output = jsonLines(await (await openai.files.content(cancelled.output_file_id!)).text()) as { custom_id: string }[];
    expect(output.map((line) => line.custom_id)).toEqual(["a", "b"]);

    await expect(openai.batches.cancel(created.id)).rejects.toMatchObject({ status: 400 });
  });

  it("deletes a file, after which it is a 404 NotFoundError", async () => {
    const openai = client();
    const input = await uploadBatchFile(openai, [chatLine("gone", "bye")], "delete.jsonl");
    expect(await openai.files.delete(input.id)).toEqual({ id: input.id, object: "file", deleted: true });
    const error = await openai.files.retrieve(input.id).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ message: `No such File object: ${input.id}`, type: "invalid_request_error" });
    await expect(openai.files.delete(input.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("answers a wrong key with the SDK's AuthenticationError and OpenAI's code", async () => {
    const error = await client("sk-wrong-key-0123456789").files.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe("invalid_api_key");
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).requestID).toMatch(/^req_/);
  });
});

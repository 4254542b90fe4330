/**
 * The fake Gemini (test/fakes/gemini) driven by the official `@google/genai` SDK over HTTP,
 * exactly as a user drives the real Gemini API: upload a JSONL file, create batches from a
 * file and from inline requests, poll until they end, download the results file, list,
 * cancel, delete. A fake the SDK cannot use is wrong.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiError, GoogleGenAI, JobState, type BatchJob } from "@google/genai";
import { afterAll, describe, expect, it } from "vitest";
import { createFakeGemini } from "../fakes/gemini/index.ts";
import { jsonLines, pollUntil, serveDuringSuite } from "./support/serve.ts";

const API_KEY = "test-gemini-key";
const MODEL = "gemini-2.5-flash";
const fake = createFakeGemini({ apiKey: API_KEY });
const served = serveDuringSuite((request) => fake.fetch(request));
const downloads = mkdtempSync(join(tmpdir(), "batchbridge-contract-gemini-"));
afterAll(() => rmSync(downloads, { recursive: true, force: true }));

function client(apiKey = API_KEY): GoogleGenAI {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: served.url } });
}

function fileLine(key: string, text: string): string {
  return JSON.stringify({ key, request: { contents: [{ role: "user", parts: [{ text }] }] } });
}

const ENDED: string[] = [JobState.JOB_STATE_SUCCEEDED, JobState.JOB_STATE_FAILED, JobState.JOB_STATE_CANCELLED, JobState.JOB_STATE_EXPIRED];

async function pollToEnd(ai: GoogleGenAI, name: string): Promise<BatchJob[]> {
  return pollUntil(() => ai.batches.get({ name }), (job) => ENDED.includes(job.state ?? ""));
}

async function uploadJsonl(ai: GoogleGenAI, lines: string[], displayName: string) {
  const blob = new Blob([`${lines.join("\n")}\n`], { type: "application/jsonl" });
  return ai.files.upload({ file: blob, config: { mimeType: "application/jsonl", displayName } });
}

describe("the fake Gemini, through the official @google/genai SDK", () => {
  it("uploads a file with the resumable protocol; get and list return it", async () => {
    const ai = client();
    const content = `${fileLine("a", "hello")}\n`;
    const file = await uploadJsonl(ai, [fileLine("a", "hello")], "upload-contract");
    expect(file).toMatchObject({ mimeType: "application/jsonl", displayName: "upload-contract", sizeBytes: String(Buffer.byteLength(content)), state: "ACTIVE", source: "UPLOADED" });
    expect(file.name).toMatch(/^files\/[a-z0-9]+$/);

    const got = await ai.files.get({ name: file.name! });
    expect(got).toMatchObject({ name: file.name, sizeBytes: file.sizeBytes, state: "ACTIVE" });
    const listed: string[] = [];
    for await (const item of await ai.files.list({ config: { pageSize: 1 } })) listed.push(item.name!);
    expect(listed).toContain(file.name);
  });

  it("uploads a file from a path on disk", async () => {
    const ai = client();
    const path = join(downloads, "from-disk.jsonl");
    writeFileSync(path, `${fileLine("disk", "from disk")}\n`);
    const file = await ai.files.upload({ file: path, config: { mimeType: "application/jsonl", displayName: "from-disk" } });
    expect(file).toMatchObject({ displayName: "from-disk", mimeType: "application/jsonl", sizeBytes: String(statSync(path).size), state: "ACTIVE" });
    expect(Buffer.from(fake.fileContent(file.name!)!).toString("utf8")).toBe(readFileSync(path, "utf8"));
  });

  it("takes an upload larger than the SDK's 8 MiB chunk in several chunks, byte for byte", async () => {
    const ai = client();
    const line = fileLine("k", "x".repeat(1000));
    const lines = Array.from({ length: 9000 }, (_, i) => line.replace('"k"', `"k${i}"`));
    const content = `${lines.join("\n")}\n`;
    const file = await uploadJsonl(ai, lines, "large-upload");
    expect(file.sizeBytes).toBe(String(Buffer.byteLength(content)));
    const uploads = fake.calls.filter((call) => call.path === "/upload/v1beta/files" && call.query.upload_id !== undefined);
    const commands = uploads.slice(-2).map((call) => call.headers["x-goog-upload-command"]);
    expect(commands).toEqual(["upload", "upload, finalize"]);
    expect(Buffer.from(fake.fileContent(file.name!)!).toString("utf8")).toBe(content);
  });

  it("runs a batch from an uploaded JSONL file and serves its results file", async () => {
    const ai = client();
    const input = await uploadJsonl(ai, [fileLine("ok-1", "first"), fileLine("bad", "FAIL_REQUEST please"), fileLine("ok-2", "second")], "file-batch-input");
    const created = await ai.batches.create({ model: MODEL, src: input.name!, config: { displayName: "file-batch" } });
    expect(created).toMatchObject({ displayName: "file-batch", state: JobState.JOB_STATE_PENDING, model: `models/${MODEL}` });
    expect(created.name).toMatch(/^batches\//);

    const seen = await pollToEnd(ai, created.name!);
    expect(seen.map((job) => job.state)).toEqual([JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_SUCCEEDED]);
    const done = seen[seen.length - 1]!;
    expect(done.endTime).toEqual(expect.any(String));
    const resultsFile = done.dest?.fileName;
    expect(resultsFile).toMatch(/^files\//);

    const path = join(downloads, "results.jsonl");
    await ai.files.download({ file: resultsFile!, downloadPath: path });
    const lines = jsonLines(readFileSync(path, "utf8")) as { key: string; response?: { candidates: { content: { parts: { text: string }[] } }[] }; error?: { code: number } }[];
    const byKey = new Map(lines.map((line) => [line.key, line]));
    expect([...byKey.keys()].sort()).toEqual(["bad", "ok-1", "ok-2"]);
    expect(byKey.get("ok-1")?.response?.candidates[0]?.content.parts[0]?.text).toBe("echo: first");
    expect(byKey.get("ok-2")?.response?.candidates[0]?.content.parts[0]?.text).toBe("echo: second");
    expect(byKey.get("bad")?.error).toEqual(expect.objectContaining({ code: expect.any(Number) }));
    expect(byKey.get("bad")?.response).toBeUndefined();

    // The results file's own `downloadUri` serves the same bytes to a plain HTTP client.
    const results = await ai.files.get({ name: resultsFile! });
    expect(results).toMatchObject({ source: "GENERATED", state: "ACTIVE", sizeBytes: String(readFileSync(path).byteLength) });
    const direct = await fetch(results.downloadUri!, { headers: { "x-goog-api-key": API_KEY } });
    expect(direct.status).toBe(200);
    expect(await direct.text()).toBe(readFileSync(path, "utf8"));
  });

  it("runs a batch of inline requests and returns inline responses", async () => {
    const ai = client();
    const created = await ai.batches.create({
      model: MODEL,
      src: [
        { contents: [{ role: "user", parts: [{ text: "inline one" }] }], metadata: { key: "one" } },
        { contents: [{ role: "user", parts: [{ text: "inline two" }] }], config: { temperature: 0.2, maxOutputTokens: 64 }, metadata: { key: "two" } },
      ],
      config: { displayName: "inline-batch" },
    });
    expect(created.state).toBe(JobState.JOB_STATE_PENDING);

    const done = (await pollToEnd(ai, created.name!)).pop()!;
    expect(done.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const responses = done.dest?.inlinedResponses ?? [];
    expect(responses).toHaveLength(2);
    // Real Gemini may return inline responses without their metadata and out of order (the
    // Gemini fake documents this in test/fakes/gemini/batches.ts), so only the set is compared.
    expect(responses.map((item) => item.response?.candidates?.[0]?.content?.parts?.[0]?.text).sort()).toEqual(["echo: inline one", "echo: inline two"]);
  });

  it("lists batch jobs across pages", async () => {
    const ai = client();
    const names: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const job = await ai.batches.create({ model: MODEL, src: [{ contents: [{ role: "user", parts: [{ text: `list ${i}` }] }] }], config: { displayName: `list-${i}` } });
      names.push(job.name!);
    }
    const pager = await ai.batches.list({ config: { pageSize: 2 } });
    expect(pager.page).toHaveLength(2);
    const listed: BatchJob[] = [];
    for await (const job of pager) listed.push(job);
    const ours = listed.filter((job) => names.includes(job.name!));
    expect(ours.map((job) => job.displayName).sort()).toEqual(["list-0", "list-1", "list-2"]);
    expect(ours.every((job) => job.state === JobState.JOB_STATE_PENDING)).toBe(true);
  });

  it("cancels a running batch, then deletes it", async () => {
    const ai = client();
    const created = await ai.batches.create({ model: MODEL, src: [{ contents: [{ role: "user", parts: [{ text: "to cancel" }] }] }], config: { displayName: "cancel-me" } });
    expect((await ai.batches.get({ name: created.name! })).state).toBe(JobState.JOB_STATE_RUNNING);
    await ai.batches.cancel({ name: created.name! });
    const cancelled = await ai.batches.get({ name: created.name! });
    expect(cancelled.state).toBe(JobState.JOB_STATE_CANCELLED);
    expect(cancelled.dest?.inlinedResponses).toBeUndefined();

    const deleted = await ai.batches.delete({ name: created.name! });
    expect(deleted.error).toBeUndefined();
    const error = await ai.batches.get({ name: created.name! }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(404);
  });

  it("deletes a file, after which Gemini answers 403 for it", async () => {
    const ai = client();
    const file = await uploadJsonl(ai, [fileLine("gone", "bye")], "delete-me");
    await ai.files.delete({ name: file.name! });
    const error = await ai.files.get({ name: file.name! }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(403);
    expect((error as ApiError).message).toContain("or it may not exist");
  });

  it("answers a wrong key with Google's 400 API_KEY_INVALID", async () => {
    const error = await client("wrong-key").files.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toContain("API key not valid");
  });
});

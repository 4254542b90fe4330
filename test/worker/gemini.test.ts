/**
 * Every route on gemini (`x-model-provider: gemini`), on real local D1, with the strict Gemini
 * fake as the upstream: what the client gets, and what Gemini received.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createFakeGemini, type FakeGemini, type RecordedCall } from "../fakes/gemini/index.ts";
import { batchClient, type ResultLine, type WireBatch } from "./support/batches";
import { echoResult } from "./support/echo";
import { fileForm, uploadFile, type WireFile } from "./support/files";
import { call, callWithEnv, errorOf, GATEWAY, type CallOptions } from "./support/gateway";
import { textRequest, twoRequests } from "./support/requests";
import { json } from "./support/responses";
import { callsMatching, useFakes } from "./support/upstream";

const fakes = useFakes();

const KEY = "test-gemini-key";
const FAKE = "https://gemini.fake";
const FLASH = "gemini-1.5-flash";
const PRO = "gemini-1.5-pro";

const { create, retrieve, pollUntilEnded, results } = batchClient({ provider: "gemini" });

/** A call to the gateway on gemini. */
function gemini(path: string, options: CallOptions = {}): Promise<Response> {
  return call(path, { provider: "gemini", ...options });
}

/** The same call to a Worker whose environment has `vars` changed (settings a test needs). */
function geminiWith(vars: Record<string, string | undefined>, path: string, options: CallOptions = {}): Promise<Response> {
  return callWithEnv(vars, path, { provider: "gemini", ...options });
}

function upload(name: string, content: string | Uint8Array, type = "text/plain"): Promise<WireFile> {
  return uploadFile(name, content, { type, provider: "gemini" });
}

/** Gemini's own view of a file, asked of the fake directly (the call is left out of `calls`). */
async function nativeFile(displayName: string): Promise<Record<string, string>> {
  const before = fakes.gemini.calls.length;
  const res = await fakes.gemini.fetch(new Request(`${FAKE}/v1beta/files?pageSize=100`, { headers: { "x-goog-api-key": KEY } }));
  fakes.gemini.calls.splice(before);
  const { files = [] } = (await res.json()) as { files?: Record<string, string>[] };
  const found = files.find((file) => file.displayName === displayName);
  if (!found) throw new Error(`Gemini has no file named ${displayName}`);
  return found;
}

/** Gemini's batch operations for one gateway batch, asked of the fake directly. */
async function nativeJobs(batchId: string): Promise<{ name: string; model: string; state: string }[]> {
  const before = fakes.gemini.calls.length;
  const res = await fakes.gemini.fetch(new Request(`${FAKE}/v1beta/batches?pageSize=1000`, { headers: { "x-goog-api-key": KEY } }));
  fakes.gemini.calls.splice(before);
  const { operations = [] } = (await res.json()) as { operations?: { name: string; metadata: { displayName: string; model: string; state: string } }[] };
  return operations
    .filter((op) => op.metadata.displayName === `batchbridge-${batchId}`)
    .map((op) => ({ name: op.name, model: op.metadata.model, state: op.metadata.state }))
    .reverse();
}

function callsTo(method: string, path: string | RegExp): RecordedCall[] {
  return callsMatching(fakes.gemini.calls, method, path);
}

function summary(calls: RecordedCall[] = fakes.gemini.calls): string[] {
  return calls.map((c) => `${c.method} ${c.path}`);
}

function request(customId: string, text: string, model = FLASH, extra: Record<string, unknown> = {}) {
  return textRequest(customId, text, model, extra);
}

function nativeRequest(text: string, maxTokens = 100) {
  return { contents: [{ role: "user", parts: [{ text }] }], generationConfig: { maxOutputTokens: maxTokens } };
}

function byId(lines: ResultLine[]): Record<string, ResultLine["result"]> {
  const map: Record<string, ResultLine["result"]> = {};
  for (const line of lines) {
    expect(map[line.custom_id], `${line.custom_id} appears twice`).toBeUndefined();
    map[line.custom_id] = line.result;
  }
  return map;
}

/** The succeeded result the fake's model gives for a one-text-turn request. */
function echoed(text: string, model = FLASH) {
  return echoResult(text, model, /^msg_[a-z0-9]{8}-[a-z0-9]{12}$/, { cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: "batch" });
}

const ZERO = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };

describe("files on gemini", () => {
  it("uploads through the resumable protocol (start, then upload+finalize) and answers FileMetadata from the Gemini file", async () => {
    const text = "This is a test file for Files API integration.";
    const before = Date.now();
    const file = await upload("test_upload.txt", text);
    const native = await nativeFile("test_upload.txt");
    // created_at is the gateway's record time, within the call.
    expect(Date.parse(file.created_at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(file.created_at)).toBeLessThanOrEqual(Date.now());
    expect(file).toEqual({
      id: expect.stringMatching(/^file_[0-9A-Z]{26}$/),
      type: "file",
      filename: "test_upload.txt",
      mime_type: "text/plain",
      size_bytes: 46,
      size: 46,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      downloadable: false,
      expires_at: null,
      scope: null,
    });

    const [start, finalize, ...rest] = fakes.gemini.calls;
    expect(rest).toEqual([]);
    expect(start).toMatchObject({ method: "POST", path: "/upload/v1beta/files", query: {} });
    expect(start!.headers).toMatchObject({
      "x-goog-api-key": KEY,
      "x-goog-upload-protocol": "resumable",
      "x-goog-upload-command": "start",
      "x-goog-upload-header-content-type": "text/plain",
      // A small file has arrived whole before the upload starts, so its size is announced.
      "x-goog-upload-header-content-length": "46",
      "content-type": "application/json",
    });
    expect(JSON.parse(start!.body!)).toEqual({ file: { displayName: "test_upload.txt", mimeType: "text/plain", sizeBytes: "46" } });

    expect(finalize).toMatchObject({ method: "POST", path: "/upload/v1beta/files", body: text });
    expect(finalize!.query).toEqual({ upload_id: expect.any(String), upload_protocol: "resumable" });
    expect(finalize!.headers).toMatchObject({
      "x-goog-api-key": KEY,
      "x-goog-upload-command": "upload, finalize",
      "x-goog-upload-offset": "0",
      "content-length": "46",
    });
    expect(new TextDecoder().decode(fakes.gemini.fileContent(native.name!))).toBe(text);
  });

  it("streams a large upload (size unknown at start) in chunks, each at its offset, finalizing with the rest", async () => {
    const chunk = 4 * 1024 * 1024;
    const bytes = new Uint8Array(3 * chunk + 1000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) % 251;
    const res = await geminiWith({ GEMINI_UPLOAD_CHUNK_BYTES: String(chunk) }, "/anthropic/v1/files", {
      method: "POST",
      body: fileForm("big.bin", bytes, "application/octet-stream"),
    });
    const file = await json<WireFile>(res);
    expect(file).toMatchObject({ filename: "big.bin", mime_type: "application/octet-stream", size_bytes: bytes.byteLength, downloadable: false });
    // Larger than what the gateway reads ahead, so its size is not known when the upload starts.
    const [start] = fakes.gemini.calls;
    expect(start!.headers["x-goog-upload-header-content-length"]).toBeUndefined();
    expect(JSON.parse(start!.body!)).toEqual({ file: { displayName: "big.bin", mimeType: "application/octet-stream" } });
    const sends = fakes.gemini.calls.slice(1);
    expect(sends.map((c) => [c.headers["x-goog-upload-command"], c.headers["x-goog-upload-offset"], c.bodySize])).toEqual([
      ["upload", "0", chunk],
      ["upload", String(chunk), chunk],
      ["upload", String(2 * chunk), chunk],
      ["upload, finalize", String(3 * chunk), 1000],
    ]);
    const native = await nativeFile("big.bin");
    const sha256 = async (data: Uint8Array) => [...new Uint8Array(await crypto.subtle.digest("SHA-256", data))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const stored = fakes.gemini.fileContent(native.name!)!;
    expect(stored.byteLength).toBe(bytes.byteLength);
    expect(await sha256(stored)).toBe(await sha256(bytes));
  });

  it("retrieves metadata (asking Gemini whether the file is still there) and lists the gemini files newest first", async () => {
    const first = await upload("a.txt", "hello");
    const second = await upload("b.pdf", "%PDF-1.4 fake", "application/pdf");
    const other = await json<WireFile>(await call("/anthropic/v1/files", { method: "POST", body: fileForm("c.txt", "x"), provider: "anthropic" }));
    fakes.gemini.calls.length = 0;

    expect(await json(await gemini(`/anthropic/v1/files/${first.id}`))).toEqual(first);
    const native = await nativeFile("a.txt");
    expect(summary()).toEqual([`GET /v1beta/${native.name}`]);

    fakes.gemini.calls.length = 0;
    const listed = await json<{ data: WireFile[]; has_more: boolean; first_id: string; last_id: string; next_page: string | null }>(
      await gemini("/anthropic/v1/files?limit=20"),
    );
    expect(listed).toEqual({ data: [second, first], has_more: false, first_id: second.id, last_id: first.id, next_page: null });
    // The list is the gateway's own: Gemini is not asked.
    expect(fakes.gemini.calls).toEqual([]);

    const page = await json<{ data: WireFile[]; has_more: boolean; next_page: string | null }>(await gemini("/anthropic/v1/files?limit=1"));
    expect(page.data.map((f) => f.id)).toEqual([second.id]);
    expect(page.has_more).toBe(true);
    const next = await json<{ data: WireFile[]; has_more: boolean }>(await gemini(`/anthropic/v1/files?limit=1&page=${page.next_page}`));
    expect(next).toMatchObject({ data: [first], has_more: false });

    const all = await json<{ data: WireFile[] }>(await call("/anthropic/v1/files"));
    expect(all.data.map((f) => f.id)).toEqual([other.id, second.id, first.id]);
  });

  it("refreshes a file Gemini is still PROCESSING when it is retrieved", async () => {
    fakes.gemini = createFakeGemini({ apiKey: KEY, uploadsStartProcessing: true });
    const file = await upload("video.txt", "frames");
    const row = () => env.DB.prepare("SELECT native FROM files WHERE id = ?").bind(file.id).first<{ native: string }>();
    expect(JSON.parse((await row())!.native)).toMatchObject({ state: "PROCESSING", processing: true });

    expect(await json(await gemini(`/anthropic/v1/files/${file.id}`))).toEqual(file);
    const native = await nativeFile("video.txt");
    expect(native.state).toBe("ACTIVE");
    expect(callsTo("GET", `/v1beta/${native.name}`)).toHaveLength(1);
    // The fake still reported PROCESSING on that read (it turns ACTIVE after answering); the next read stores ACTIVE.
    await json(await gemini(`/anthropic/v1/files/${file.id}`));
    expect(JSON.parse((await row())!.native)).toMatchObject({ state: "ACTIVE", processing: false, uri: `${FAKE}/v1beta/${native.name}` });
  });

  it("refuses to download an uploaded file with Anthropic's not-downloadable error, never asking Gemini for its bytes", async () => {
    const file = await upload("a.txt", "hello");
    expect(file.downloadable).toBe(false);
    const error = await errorOf(await gemini(`/anthropic/v1/files/${file.id}/content`));
    expect(error).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message: `File ${file.id} is not downloadable: only files a provider generated (such as batch output) can be downloaded`,
    });
    expect(callsTo("GET", /:download$/)).toEqual([]);
  });

  it("deletes upstream, then locally", async () => {
    const file = await upload("a.txt", "hello");
    const native = await nativeFile("a.txt");
    fakes.gemini.calls.length = 0;
    expect(await json(await gemini(`/anthropic/v1/files/${file.id}`, { method: "DELETE" }))).toEqual({ id: file.id, type: "file_deleted" });
    expect(summary()).toEqual([`DELETE /v1beta/${native.name}`]);
    expect(fakes.gemini.calls[0]!.headers["x-goog-api-key"]).toBe(KEY);
    expect(fakes.gemini.fileContent(native.name!)).toBeUndefined();
    expect(await errorOf(await gemini(`/anthropic/v1/files/${file.id}`))).toMatchObject({ status: 404, type: "not_found_error", message: `File not found: ${file.id}` });
    expect((await json<{ data: unknown[] }>(await gemini("/anthropic/v1/files"))).data).toEqual([]);
  });

  it("answers 404 for a file Gemini expired, and drops it from the list", async () => {
    const kept = await upload("kept.txt", "kept");
    const file = await upload("gone.txt", "gone");
    const native = await nativeFile("gone.txt");
    const expired = await fakes.gemini.fetch(new Request(`${FAKE}/__fake/${native.name}/expire`, { method: "POST" }));
    expect(expired.status).toBe(200);

    expect(await errorOf(await gemini(`/anthropic/v1/files/${file.id}`))).toMatchObject({ status: 404, type: "not_found_error", message: `File not found: ${file.id}` });
    const listed = await json<{ data: WireFile[] }>(await gemini("/anthropic/v1/files"));
    expect(listed.data.map((f) => f.id)).toEqual([kept.id]);
    expect(await errorOf(await gemini(`/anthropic/v1/files/${file.id}/content`))).toMatchObject({ status: 404 });
  });

  it("leaves a file out of the list once its 48 hours are over, and answers 404 for it without asking Gemini", async () => {
    const file = await upload("old.txt", "old");
    const row = await env.DB.prepare("SELECT expires_at FROM files WHERE id = ?").bind(file.id).first<{ expires_at: string }>();
    const native = await nativeFile("old.txt");
    expect(row!.expires_at).toBe(native.expirationTime);
    expect(Date.parse(row!.expires_at) - Date.parse(native.createTime!)).toBe(48 * 3600 * 1000);

    await env.DB.prepare("UPDATE files SET expires_at = ? WHERE id = ?").bind(new Date(Date.now() - 1000).toISOString(), file.id).run();
    fakes.gemini.calls.length = 0;
    expect((await json<{ data: unknown[] }>(await gemini("/anthropic/v1/files"))).data).toEqual([]);
    expect(await errorOf(await gemini(`/anthropic/v1/files/${file.id}`))).toMatchObject({ status: 404, message: `File not found: ${file.id}` });
    expect(fakes.gemini.calls).toEqual([]);
  });

  it("counts deleting a file Gemini already expired as deleted", async () => {
    const file = await upload("gone.txt", "gone");
    const native = await nativeFile("gone.txt");
    await fakes.gemini.fetch(new Request(`${FAKE}/__fake/${native.name}/expire`, { method: "POST" }));
    expect(await json(await gemini(`/anthropic/v1/files/${file.id}`, { method: "DELETE" }))).toEqual({ id: file.id, type: "file_deleted" });
    expect(callsTo("DELETE", `/v1beta/${native.name}`)).toHaveLength(1);
    expect(await errorOf(await gemini(`/anthropic/v1/files/${file.id}`))).toMatchObject({ status: 404 });
  });

  it("turns Gemini's answer to a wrong key into an authentication_error naming gemini, and records nothing", async () => {
    const res = await geminiWith({ GEMINI_API_KEY: "wrong-key" }, "/anthropic/v1/files", { method: "POST", body: fileForm("a.txt", "hello") });
    expect(await errorOf(res)).toMatchObject({
      status: 401,
      type: "authentication_error",
      message: "gemini upstream error (HTTP 401): API key not valid. Please pass a valid API key.",
    });
    expect(summary()).toEqual(["POST /upload/v1beta/files"]);
    expect((await json<{ data: unknown[] }>(await gemini("/anthropic/v1/files"))).data).toEqual([]);
  });

  it("says to set GEMINI_API_KEY when it is missing, without calling Gemini", async () => {
    const res = await geminiWith({ GEMINI_API_KEY: undefined }, "/anthropic/v1/files", { method: "POST", body: fileForm("a.txt", "hello") });
    expect(await errorOf(res)).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message: "Provider gemini is not configured: set the GEMINI_API_KEY secret (a Gemini API key)",
    });
    expect(fakes.gemini.calls).toEqual([]);
  });
});

describe("batches on gemini", () => {
  it("creates one batchGenerateContent job from an uploaded JSONL file of {key, request}, the custom_id as each line's key", async () => {
    const batch = await create(twoRequests(FLASH));
    expect(batch).toEqual({
      id: expect.stringMatching(/^msgbatch_[0-9A-Z]{26}$/),
      type: "message_batch",
      processing_status: "in_progress",
      request_counts: { ...ZERO, processing: 2 },
      ended_at: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    });
    expect(Date.parse(batch.expires_at) - Date.parse(batch.created_at)).toBe(24 * 3600 * 1000);
    // Inline responses carry no key and lose their order: more than one request always goes as a file.
    expect(summary()).toEqual(["POST /upload/v1beta/files", "POST /upload/v1beta/files", `POST /v1beta/models/${FLASH}:batchGenerateContent`]);
    const [, finalize, upstream] = fakes.gemini.calls;
    expect(finalize!.body!.trimEnd().split("\n").map((line) => JSON.parse(line) as unknown)).toEqual([
      { key: "math-question", request: nativeRequest("What is 15 * 7?") },
      { key: "geography-question", request: nativeRequest("What is the largest ocean?") },
    ]);
    expect(upstream!.headers["x-goog-api-key"]).toBe(KEY);
    expect(upstream!.query).toEqual({});
    const input = await nativeFile(`batchbridge-${batch.id}-${FLASH}.jsonl`);
    expect(JSON.parse(upstream!.body!)).toEqual({ batch: { display_name: `batchbridge-${batch.id}`, input_config: { file_name: input.name } } });
  });

  it("polls Gemini until the job has ended (PENDING, RUNNING, SUCCEEDED), then serves every result once, translated", async () => {
    const batch = await create(twoRequests(FLASH));
    const [job] = await nativeJobs(batch.id);
    const first = await retrieve(batch.id);
    expect(first).toMatchObject({ processing_status: "in_progress", request_counts: { ...ZERO, processing: 2 }, results_url: null, ended_at: null });
    const ended = await retrieve(batch.id);
    expect(ended).toEqual({
      ...batch,
      processing_status: "ended",
      request_counts: { ...ZERO, succeeded: 2 },
      ended_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      results_url: `${GATEWAY}/anthropic/v1/messages/batches/${batch.id}/results`,
    });
    // Two polls of the batch operation; then the vault reads the results once, from the
    // responses file the ended operation named (two requests go as an input file, so their
    // results come back as a file, not inline).
    const responsesFile = `files/batch-${job!.name.slice("batches/".length)}`;
    expect(summary(callsTo("GET", /^\/v1beta\/(batches|files)\//))).toEqual([
      `GET /v1beta/${job!.name}`,
      `GET /v1beta/${job!.name}`,
      `GET /v1beta/${responsesFile}:download`,
    ]);

    // Ended: answered from the record.
    const gets = fakes.gemini.calls.length;
    expect(await retrieve(batch.id)).toEqual(ended);
    expect(fakes.gemini.calls.length).toBe(gets);

    const lines = await results(batch.id);
    expect(byId(lines)).toEqual({
      "math-question": echoed("What is 15 * 7?"),
      "geography-question": echoed("What is the largest ocean?"),
    });
    // Results come from the vault: Gemini is asked nothing.
    expect(summary(fakes.gemini.calls.slice(gets))).toEqual([]);
  });

  it("runs a batch mixing two models as two jobs, one per model URL, and merges their counts and results", async () => {
    const requests = [
      request("flash-1", "One", FLASH),
      request("pro-1", "Two", PRO),
      request("flash-2", "Three", `models/${FLASH}`),
    ];
    const batch = await create(requests);
    expect(batch.request_counts).toEqual({ ...ZERO, processing: 3 });
    expect(summary()).toEqual([
      "POST /upload/v1beta/files",
      "POST /upload/v1beta/files",
      `POST /v1beta/models/${FLASH}:batchGenerateContent`,
      `POST /v1beta/models/${PRO}:batchGenerateContent`,
    ]);
    const bodies = callsTo("POST", /batchGenerateContent$/).map((c) => JSON.parse(c.body!) as { batch: { display_name: string; input_config: { file_name?: string; requests?: { requests: unknown[] } } } });
    expect(bodies.map((b) => b.batch.display_name)).toEqual([`batchbridge-${batch.id}`, `batchbridge-${batch.id}`]);
    expect(bodies[0]!.batch.input_config.file_name).toMatch(/^files\//);
    // A model's single request stays inline; its result is matched by being the only one.
    expect(bodies[1]!.batch.input_config.requests!.requests).toEqual([{ request: nativeRequest("Two"), metadata: { key: "pro-1" } }]);
    expect((await nativeJobs(batch.id)).map((job) => job.model)).toEqual([`models/${FLASH}`, `models/${PRO}`]);

    const ended = await pollUntilEnded(batch.id);
    expect(ended.request_counts).toEqual({ ...ZERO, succeeded: 3 });
    expect(byId(await results(batch.id))).toEqual({ "flash-1": echoed("One"), "flash-2": echoed("Three"), "pro-1": echoed("Two", PRO) });
  });

  it("sends a model's many requests as an uploaded JSONL file of {key, request}, a single one inline, and reads results from the responses file", async () => {
    const padding = "p".repeat(200);
    const big = Array.from({ length: 30 }, (_, i) => request(`big-${String(i).padStart(2, "0")}`, `Question ${i} ${padding}`));
    const small = request("small-pro", "Tiny", PRO);
    const batch = await json<WireBatch>(await gemini("/anthropic/v1/messages/batches", { method: "POST", body: { requests: [...big, small] } }));
    expect(batch.request_counts).toEqual({ ...ZERO, processing: 31 });

    expect(summary()).toEqual([
      "POST /upload/v1beta/files",
      "POST /upload/v1beta/files",
      `POST /v1beta/models/${FLASH}:batchGenerateContent`,
      `POST /v1beta/models/${PRO}:batchGenerateContent`,
    ]);
    const [start, finalize, flashJob, proJob] = fakes.gemini.calls;
    expect(start!.headers).toMatchObject({ "x-goog-upload-protocol": "resumable", "x-goog-upload-command": "start", "x-goog-upload-header-content-type": "application/jsonl" });
    expect(JSON.parse(start!.body!)).toEqual({ file: { displayName: `batchbridge-${batch.id}-${FLASH}.jsonl`, mimeType: "application/jsonl" } });
    expect(finalize!.headers).toMatchObject({ "x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0" });
    const lines = finalize!.body!.trimEnd().split("\n").map((line) => JSON.parse(line) as unknown);
    expect(lines).toEqual(big.map((r) => ({ key: r.custom_id, request: nativeRequest(r.params.messages[0]!.content) })));

    const input = await nativeFile(`batchbridge-${batch.id}-${FLASH}.jsonl`);
    expect(JSON.parse(flashJob!.body!)).toEqual({ batch: { display_name: `batchbridge-${batch.id}`, input_config: { file_name: input.name } } });
    expect(JSON.parse(proJob!.body!)).toEqual({
      batch: { display_name: `batchbridge-${batch.id}`, input_config: { requests: { requests: [{ request: nativeRequest("Tiny"), metadata: { key: "small-pro" } }] } } },
    });

    const before = fakes.gemini.calls.length;
    const ended = await pollUntilEnded(batch.id);
    expect(ended.request_counts).toEqual({ ...ZERO, succeeded: 31 });
    const got = byId(await results(batch.id));
    const expected: Record<string, unknown> = { "small-pro": echoed("Tiny", PRO) };
    for (const r of big) expected[r.custom_id] = echoed(r.params.messages[0]!.content);
    expect(got).toEqual(expected);
    const [flashNative] = (await nativeJobs(batch.id)).filter((job) => job.model === `models/${FLASH}`);
    const responsesFile = `files/batch-${flashNative!.name.slice("batches/".length)}`;
    expect(summary(fakes.gemini.calls.slice(before))).toContain(`GET /v1beta/${responsesFile}:download`);
    expect(callsTo("GET", `/v1beta/${responsesFile}:download`)[0]!.query).toEqual({ alt: "media" });

    // Deleting the batch removes its jobs and its input file upstream.
    fakes.gemini.calls.length = 0;
    expect(await json(await gemini(`/anthropic/v1/messages/batches/${batch.id}`, { method: "DELETE" }))).toEqual({ id: batch.id, type: "message_batch_deleted" });
    const deletes = summary().filter((line) => line.startsWith("DELETE"));
    expect(deletes).toContain(`DELETE /v1beta/${input.name}`);
    expect(deletes.filter((line) => line.startsWith("DELETE /v1beta/batches/"))).toHaveLength(2);
    expect(fakes.gemini.fileContent(input.name!)).toBeUndefined();
  });

  it("reports a request Gemini failed as errored, with Google's status as the Anthropic error type", async () => {
    const batch = await create([...twoRequests(FLASH), request("bad", "FAIL_REQUEST please")]);
    const ended = await pollUntilEnded(batch.id);
    expect(ended.request_counts).toEqual({ ...ZERO, succeeded: 2, errored: 1 });
    const got = byId(await results(batch.id));
    expect(got.bad).toEqual({
      type: "errored",
      error: {
        type: "error",
        error: { type: "invalid_request_error", message: "gemini upstream error (INVALID_ARGUMENT): Simulated failure: the request asked for FAIL_REQUEST." },
        request_id: null,
      },
    });
    expect(got["math-question"]).toEqual(echoed("What is 15 * 7?"));
  });

  it("translates system, sampling, stop sequences, tools and tool_choice, and reads a function call back as tool_use", async () => {
    const weather = { name: "get_weather", description: "Weather in a city", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };
    const batch = await create([
      request("tool", "CALL_TOOL for Paris", FLASH, {
        system: "Be brief.",
        temperature: 0.5,
        top_p: 0.9,
        top_k: 40,
        stop_sequences: ["END"],
        tools: [weather],
        tool_choice: { type: "tool", name: "get_weather" },
      }),
      request("long", "HIT_MAX_TOKENS now", FLASH, { max_tokens: 5 }),
    ]);
    const sent = callsTo("POST", "/upload/v1beta/files")[1]!.body!.trimEnd().split("\n").map((line) => JSON.parse(line) as { request: unknown });
    expect(sent[0]!.request).toEqual({
      contents: [{ role: "user", parts: [{ text: "CALL_TOOL for Paris" }] }],
      systemInstruction: { parts: [{ text: "Be brief." }] },
      tools: [{ functionDeclarations: [{ name: "get_weather", description: "Weather in a city", parameters: { type: "OBJECT", properties: { city: { type: "STRING" } }, required: ["city"] } }] }],
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] } },
      generationConfig: { maxOutputTokens: 100, temperature: 0.5, topP: 0.9, topK: 40, stopSequences: ["END"] },
    });
    await pollUntilEnded(batch.id);
    const got = byId(await results(batch.id));
    expect(got.tool).toEqual({
      type: "succeeded",
      message: {
        id: expect.stringMatching(/^msg_/),
        type: "message",
        role: "assistant",
        model: FLASH,
        content: [{ type: "tool_use", id: expect.stringMatching(/^toolu_[0-9A-Za-z]{24}$/), name: "get_weather", input: { city: "Paris" } }],
        stop_reason: "tool_use",
        stop_sequence: null,
        usage: { input_tokens: 3, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0, service_tier: "batch" },
      },
    });
    expect(got.long).toMatchObject({ type: "succeeded", message: { stop_reason: "max_tokens", content: [{ type: "text", text: "echo: HIT_MAX_TOKENS now" }] } });
  });

  it("cites a file uploaded through the gateway by its Gemini URI (fileData), and a base64 image as inlineData", async () => {
    const file = await upload("notes.pdf", "%PDF-1.4 notes", "application/pdf");
    const native = await nativeFile("notes.pdf");
    fakes.gemini.calls.length = 0;
    const batch = await create([
      {
        custom_id: "with-file",
        params: {
          model: FLASH,
          max_tokens: 50,
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: "Summarise this file." },
                { type: "document", source: { type: "file", file_id: file.id } },
                { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
              ],
            },
          ],
        },
      },
    ]);
    expect(summary()).toEqual([`POST /v1beta/models/${FLASH}:batchGenerateContent`]);
    const sent = JSON.parse(fakes.gemini.calls[0]!.body!) as { batch: { input_config: { requests: { requests: { request: unknown }[] } } } };
    expect(sent.batch.input_config.requests.requests[0]!.request).toEqual({
      contents: [
        {
          role: "user",
          parts: [
            { text: "Summarise this file." },
            { fileData: { mimeType: "application/pdf", fileUri: `${FAKE}/v1beta/${native.name}` } },
            { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
          ],
        },
      ],
      generationConfig: { maxOutputTokens: 50 },
    });
    expect(native.uri).toBe(`${FAKE}/v1beta/${native.name}`);
    await pollUntilEnded(batch.id);
    expect(byId(await results(batch.id))).toEqual({ "with-file": echoed("Summarise this file.") });
  });

  it("refuses a file from another provider, or an unknown one, before calling Gemini", async () => {
    const anthropicFile = await json<WireFile>(await call("/anthropic/v1/files", { method: "POST", body: fileForm("a.txt", "x"), provider: "anthropic" }));
    const cite = (fileId: string) => ({
      custom_id: "doc",
      params: { model: FLASH, max_tokens: 10, messages: [{ role: "user", content: [{ type: "document", source: { type: "file", file_id: fileId } }] }] },
    });
    const wrong = await errorOf(await gemini("/anthropic/v1/messages/batches", { method: "POST", body: { requests: [cite(anthropicFile.id)] } }));
    expect(wrong).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message: `requests.0.params.messages.0.content.0.source.file_id: file ${anthropicFile.id} lives on provider anthropic; a batch on gemini can only use files uploaded with x-model-provider: gemini`,
    });
    const missing = await errorOf(await gemini("/anthropic/v1/messages/batches", { method: "POST", body: { requests: [cite("file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD")] } }));
    expect(missing).toMatchObject({ status: 400, message: "requests.0.params.messages.0.content.0.source.file_id: file not found: file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD" });
    expect(fakes.gemini.calls).toEqual([]);
  });

  it("runs structured outputs and effort (JSON with responseJsonSchema, Gemini 3's thinking level), answering one text block of JSON", async () => {
    const schema = { type: "object", properties: { echo: { type: "string" } }, required: ["echo"], additionalProperties: false };
    const model = "gemini-3-flash-preview";
    const batch = await create([request("json", "Extract", model, { output_config: { format: { type: "json_schema", schema }, effort: "medium" } })]);
    const sent = JSON.parse(callsTo("POST", `/v1beta/models/${model}:batchGenerateContent`)[0]!.body!) as { batch: { input_config: { requests: { requests: { request: { generationConfig: unknown } }[] } } } };
    expect(sent.batch.input_config.requests.requests[0]!.request.generationConfig).toEqual({
      maxOutputTokens: 100,
      responseMimeType: "application/json",
      responseJsonSchema: schema,
      thinkingConfig: { thinkingLevel: "medium" },
    });
    await pollUntilEnded(batch.id);
    const got = byId(await results(batch.id));
    expect(got.json).toMatchObject({ type: "succeeded", message: { content: [{ type: "text", text: '{"echo":"Extract"}' }], stop_reason: "end_turn" } });
  });

  it("refuses params Gemini cannot take with a 400 naming the param and gemini, before any upstream call", async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ service_tier: "auto" }, "params.service_tier", "has no equivalent"],
      [{ model: "gemini-2.5-pro", thinking: { type: "disabled" } }, "params.thinking.type", 'is "disabled", but gemini-2.5-pro cannot turn thinking off'],
      [{ tool_choice: { type: "auto", disable_parallel_tool_use: true }, tools: [{ name: "t", input_schema: { type: "object", properties: { a: { type: "string" } } } }] }, "params.tool_choice.disable_parallel_tool_use", "has no equivalent (Gemini may call several functions at once)"],
      [{ stop_sequences: ["1", "2", "3", "4", "5", "6"] }, "params.stop_sequences", "has 6 sequences; Gemini takes at most 5"],
    ];
    for (const [extra, param, why] of cases) {
      const requests = [request("ok", "Fine"), request("refused", "Hi", FLASH, extra)];
      const error = await errorOf(await gemini("/anthropic/v1/messages/batches", { method: "POST", body: { requests } }));
      expect(error.status).toBe(400);
      expect(error.type).toBe("invalid_request_error");
      expect(error.message).toMatch(new RegExp(`^(requests\\.1\\.)?${escape(param)}: ${escape(why)} on provider gemini; remove it or use provider anthropic$`));
    }
    const image = await errorOf(
      await gemini("/anthropic/v1/messages/batches", {
        method: "POST",
        body: { requests: [{ custom_id: "u", params: { model: FLASH, max_tokens: 5, messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url: "https://example.com/a.png" } }] }] } }] },
      }),
    );
    expect(image.message).toMatch(/^(requests\.0\.)?params\.messages\.0\.content\.0\.source\.type: is "url": an image by URL has no equivalent \(upload the file and cite its file_id\) on provider gemini; remove it or use provider anthropic$/);
    expect(fakes.gemini.calls).toEqual([]);
    expect((await json<{ data: unknown[] }>(await gemini("/anthropic/v1/messages/batches"))).data).toEqual([]);
  });

  it("cancels: canceling (Gemini has no such state) until every job has ended, then canceled results", async () => {
    const batch = await create([...twoRequests(FLASH), request("pro-1", "Slow", PRO)]);
    const jobs = await nativeJobs(batch.id);
    const pro = jobs.find((job) => job.model === `models/${PRO}`)!;
    // The pro job is slow to take the cancel: its reads repeat the last real answer while held.
    const held = holdJob(pro.name);

    const canceling = await json<WireBatch>(await gemini(`/anthropic/v1/messages/batches/${batch.id}/cancel?beta=true`, { method: "POST" }));
    expect(canceling).toMatchObject({ processing_status: "canceling", request_counts: { ...ZERO, processing: 3 }, results_url: null });
    expect(canceling.cancel_initiated_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(summary(callsTo("POST", /:cancel$/)).sort()).toEqual(jobs.map((job) => `POST /v1beta/${job.name}:cancel`).sort());

    held.hold = true;
    const stillCanceling = await retrieve(batch.id);
    expect(stillCanceling).toMatchObject({ processing_status: "canceling", request_counts: { ...ZERO, processing: 1, canceled: 2 }, cancel_initiated_at: canceling.cancel_initiated_at });
    expect(await errorOf(await gemini(`/anthropic/v1/messages/batches/${batch.id}/results`))).toMatchObject({ status: 400 });

    held.hold = false;
    const ended = await retrieve(batch.id);
    expect(ended).toMatchObject({ processing_status: "ended", request_counts: { ...ZERO, canceled: 3 }, cancel_initiated_at: canceling.cancel_initiated_at });
    expect(byId(await results(batch.id))).toEqual({
      "math-question": { type: "canceled" },
      "geography-question": { type: "canceled" },
      "pro-1": { type: "canceled" },
    });
    // Cancelling an ended batch changes nothing.
    expect(await json(await gemini(`/anthropic/v1/messages/batches/${batch.id}/cancel`, { method: "POST" }))).toEqual(ended);
  });

  it("reports an expired job's requests as expired, and a failed job's as errored with Gemini's error", async () => {
    const expiring = await create(twoRequests(FLASH));
    const [expiringJob] = await nativeJobs(expiring.id);
    await fakes.gemini.fetch(new Request(`${FAKE}/__fake/${expiringJob!.name}/expire`, { method: "POST" }));
    expect((await retrieve(expiring.id)).request_counts).toEqual({ ...ZERO, expired: 2 });
    expect(byId(await results(expiring.id))).toEqual({ "math-question": { type: "expired" }, "geography-question": { type: "expired" } });

    const failing = await create(twoRequests(FLASH));
    const [failingJob] = await nativeJobs(failing.id);
    await fakes.gemini.fetch(new Request(`${FAKE}/__fake/${failingJob!.name}/fail`, { method: "POST" }));
    expect((await retrieve(failing.id)).request_counts).toEqual({ ...ZERO, errored: 2 });
    const error = { type: "errored", error: { type: "error", error: { type: "api_error", message: "gemini upstream error (INTERNAL): Simulated batch failure." }, request_id: null } };
    expect(byId(await results(failing.id))).toEqual({ "math-question": error, "geography-question": error });
  });

  it("refuses results and delete while processing; once ended, deletes the Gemini job and the record", async () => {
    // The fake ends a job on its second read: each refusal gets a fresh batch.
    const other = await create(twoRequests(FLASH));
    const early = await errorOf(await gemini(`/anthropic/v1/messages/batches/${other.id}/results`));
    expect(early).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(early.message).toBe(`Message batch ${other.id} has not finished processing (processing_status: in_progress); results are available once it has ended.`);
    const batch = await create(twoRequests(FLASH));
    const refused = await errorOf(await gemini(`/anthropic/v1/messages/batches/${batch.id}`, { method: "DELETE" }));
    expect(refused).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(refused.message).toBe(`Message batch ${batch.id} is still processing (processing_status: in_progress); cancel it and wait for it to end before deleting it.`);
    expect(callsTo("DELETE", /./)).toEqual([]);

    await pollUntilEnded(batch.id);
    const [job] = await nativeJobs(batch.id);
    const input = await nativeFile(`batchbridge-${batch.id}-${FLASH}.jsonl`);
    expect(await json(await gemini(`/anthropic/v1/messages/batches/${batch.id}`, { method: "DELETE" }))).toEqual({ id: batch.id, type: "message_batch_deleted" });
    expect(summary(callsTo("DELETE", /./)).sort()).toEqual([`DELETE /v1beta/${input.name}`, `DELETE /v1beta/${job!.name}`].sort());
    expect(await nativeJobs(batch.id)).toEqual([]);
    expect(await errorOf(await gemini(`/anthropic/v1/messages/batches/${batch.id}`))).toMatchObject({ status: 404, type: "not_found_error" });
  });

  it("lists gemini batches newest first, paging with after_id and before_id, without asking Gemini", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create(twoRequests(FLASH))).id);
    const anthropicBatch = await json<WireBatch>(await call("/anthropic/v1/messages/batches", { method: "POST", body: { requests: twoRequests("claude-3-5-haiku-20241022") } }));
    const calls = fakes.gemini.calls.length;
    const newestFirst = [...ids].reverse();
    const first = await json<{ data: WireBatch[]; has_more: boolean; first_id: string; last_id: string }>(await gemini("/anthropic/v1/messages/batches?limit=2"));
    expect(first.data.map((b) => b.id)).toEqual(newestFirst.slice(0, 2));
    expect(first).toMatchObject({ has_more: true, first_id: newestFirst[0], last_id: newestFirst[1] });
    expect(first.data[0]).toMatchObject({ processing_status: "in_progress", request_counts: { ...ZERO, processing: 2 } });
    const second = await json<{ data: WireBatch[]; has_more: boolean }>(await gemini(`/anthropic/v1/messages/batches?limit=2&after_id=${first.last_id}`));
    expect(second.data.map((b) => b.id)).toEqual(newestFirst.slice(2));
    expect(second.has_more).toBe(false);
    const newer = await json<{ data: WireBatch[] }>(await gemini(`/anthropic/v1/messages/batches?limit=5&before_id=${ids[0]}`));
    expect(newer.data.map((b) => b.id)).toEqual([ids[2], ids[1]]);
    expect(fakes.gemini.calls.length).toBe(calls);
    const all = await json<{ data: WireBatch[] }>(await call("/anthropic/v1/messages/batches"));
    expect(all.data.map((b) => b.id)).toEqual([anthropicBatch.id, ...newestFirst]);
  });

  it("returns the same batch for a retried Idempotency-Key, creating one job", async () => {
    const first = await create(twoRequests(FLASH), { "idempotency-key": "gemini-retry-1" });
    const again = await create(twoRequests(FLASH), { "idempotency-key": "gemini-retry-1" });
    expect(again.id).toBe(first.id);
    expect(callsTo("POST", /:batchGenerateContent$/)).toHaveLength(1);
  });

  it("turns Gemini's 404 for an unknown model into a not_found_error naming gemini, and rolls back the jobs already created", async () => {
    fakes.gemini = createFakeGemini({ apiKey: KEY, knownModels: [FLASH] });
    const error = await errorOf(
      await gemini("/anthropic/v1/messages/batches", { method: "POST", body: { requests: [request("ok", "Fine"), request("nope", "Hi", "gemini-9-ultra")] } }),
    );
    expect(error).toMatchObject({
      status: 404,
      type: "not_found_error",
      message:
        "gemini upstream error (HTTP 404): models/gemini-9-ultra is not found for API version v1beta, or is not supported for batchGenerateContent. Call ListModels to see the list of available models and their supported methods.",
    });
    const [created] = callsTo("POST", `/v1beta/models/${FLASH}:batchGenerateContent`);
    expect(created).toBeDefined();
    const deletes = callsTo("DELETE", /^\/v1beta\/batches\//);
    expect(deletes).toHaveLength(1);
    expect(await nativeJobs(JSON.parse(created!.body!).batch.display_name.slice("batchbridge-".length))).toEqual([]);
    expect((await json<{ data: unknown[] }>(await gemini("/anthropic/v1/messages/batches"))).data).toEqual([]);
  });

  it("turns a wrong key into an authentication_error naming gemini on create and on retrieve", async () => {
    const error = await errorOf(await geminiWith({ GEMINI_API_KEY: "wrong-key" }, "/anthropic/v1/messages/batches", { method: "POST", body: { requests: twoRequests(FLASH) } }));
    expect(error).toMatchObject({ status: 401, type: "authentication_error", message: "gemini upstream error (HTTP 401): API key not valid. Please pass a valid API key." });
    expect((await json<{ data: unknown[] }>(await gemini("/anthropic/v1/messages/batches"))).data).toEqual([]);

    const batch = await create(twoRequests(FLASH));
    const retrieveError = await errorOf(await geminiWith({ GEMINI_API_KEY: "wrong-key" }, `/anthropic/v1/messages/batches/${batch.id}`));
    expect(retrieveError).toMatchObject({ status: 401, type: "authentication_error", message: "gemini upstream error (HTTP 401): API key not valid. Please pass a valid API key." });
  });

  it("says to set GEMINI_API_KEY when it is missing, without calling Gemini", async () => {
    const res = await geminiWith({ GEMINI_API_KEY: undefined }, "/anthropic/v1/messages/batches", { method: "POST", body: { requests: twoRequests(FLASH) } });
    expect(await errorOf(res)).toMatchObject({ status: 400, message: "Provider gemini is not configured: set the GEMINI_API_KEY secret (a Gemini API key)" });
    expect(fakes.gemini.calls).toEqual([]);
  });

  it("streams a large body (over 4 MiB): a late refused param cancels the input upload and leaves no batch", async () => {
    const padding = "x".repeat(2000);
    const requests: unknown[] = Array.from({ length: 2200 }, (_, i) => request(`r${i}`, `${i} ${padding}`));
    requests.push(request("late", "Hi", FLASH, { service_tier: "auto" }));
    const res = await gemini("/anthropic/v1/messages/batches", { method: "POST", body: { requests } });
    const error = await errorOf(res);
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/params\.service_tier: has no equivalent on provider gemini; remove it or use provider anthropic$/);
    const uploads = callsTo("POST", "/upload/v1beta/files");
    expect(uploads[0]!.headers["x-goog-upload-command"]).toBe("start");
    expect(uploads[uploads.length - 1]!.headers["x-goog-upload-command"]).toBe("cancel");
    expect(callsTo("POST", /:batchGenerateContent$/)).toEqual([]);
    expect((await json<{ data: unknown[] }>(await gemini("/anthropic/v1/messages/batches"))).data).toEqual([]);
  });
});

/**
 * Holds a Gemini job back: while `hold` is set, reads of the job repeat the last answer
 * Gemini gave instead of asking again (a job slow to act on a cancel).
 */
function holdJob(name: string): { hold: boolean } {
  const control = { hold: false };
  const real: FakeGemini = fakes.gemini;
  let last: string | undefined;
  fakes.gemini = {
    ...real,
    async fetch(req: Request): Promise<Response> {
      const url = new URL(req.url);
      if (req.method === "GET" && url.pathname === `/v1beta/${name}`) {
        if (control.hold && last !== undefined) return new Response(last, { status: 200, headers: { "content-type": "application/json" } });
        const res = await real.fetch(req);
        last = await res.clone().text();
        return res;
      }
      return real.fetch(req);
    },
  };
  return control;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

import { describe, expect, it } from "vitest";
import { GatewayError, UpstreamError } from "../../../src/lib/errors";
import { geminiAdapter } from "../../../src/providers/gemini/index";
import type { ResolvedFile, UpstreamFile } from "../../../src/providers/types";
import { GEMINI, providerHarness } from "../support/harness";
import { bytesOf, chunkedStream, rejectionOf } from "../support/helpers";

const { key: API_KEY, origin: BASE_URL } = GEMINI;

const files = geminiAdapter.files!;

function resolved(file: UpstreamFile, gatewayId = "file_01TEST"): ResolvedFile {
  return { gatewayId, nativeId: file.nativeId, filename: file.filename, mimeType: file.mimeType, native: file.native };
}

describe("gemini files: upload", () => {
  it("uploads a file of known size in one finalizing chunk, announcing its size", async () => {
    const { ctx, fake } = providerHarness("gemini");
    const bytes = new TextEncoder().encode("%PDF-1.4 hello");
    const file = await files.upload(ctx, { filename: "report.pdf", mimeType: "application/pdf", sizeBytes: bytes.byteLength, body: chunkedStream(bytes) });

    expect(fake.calls).toHaveLength(2);
    const [start, chunk] = fake.calls;
    expect(start!.method).toBe("POST");
    expect(start!.path).toBe("/upload/v1beta/files");
    expect(start!.query).toStrictEqual({});
    expect(start!.headers).toMatchObject({
      "x-goog-api-key": API_KEY,
      "x-goog-upload-protocol": "resumable",
      "x-goog-upload-command": "start",
      "x-goog-upload-header-content-length": String(bytes.byteLength),
      "x-goog-upload-header-content-type": "application/pdf",
      "content-type": "application/json",
    });
    expect(JSON.parse(start!.body!)).toStrictEqual({ file: { displayName: "report.pdf", mimeType: "application/pdf", sizeBytes: "14" } });

    expect(chunk!.path).toBe("/upload/v1beta/files");
    expect(chunk!.query.upload_id).toMatch(/^[a-z0-9]+$/);
    expect(chunk!.headers).toMatchObject({ "x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0", "content-length": "14" });
    expect(chunk!.body).toBe("%PDF-1.4 hello");

    expect(file).toStrictEqual({
      nativeId: expect.stringMatching(/^files\/[a-z0-9]{12}$/),
      filename: "report.pdf",
      mimeType: "application/pdf",
      sizeBytes: 14,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      downloadable: false,
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      processing: false,
      native: { name: file.nativeId, uri: `${BASE_URL}/v1beta/${file.nativeId}`, state: "ACTIVE", source: "UPLOADED" },
    });
    expect(fake.fileContent(file.nativeId)).toStrictEqual(bytes);
  });

  it("streams a file of unknown size in 256 KiB chunks, leaving the size out at start", async () => {
    const { ctx, fake } = providerHarness("gemini", { env: { GEMINI_UPLOAD_CHUNK_BYTES: String(256 * 1024) } });
    const bytes = bytesOf(600_000);
    const file = await files.upload(ctx, { filename: "data.bin", mimeType: "application/octet-stream", sizeBytes: null, body: chunkedStream(bytes, 100_003) });

    const [start, ...chunks] = fake.calls;
    expect(start!.headers["x-goog-upload-header-content-length"]).toBeUndefined();
    expect(JSON.parse(start!.body!)).toStrictEqual({ file: { displayName: "data.bin", mimeType: "application/octet-stream" } });
    expect(chunks.map((c) => [c.headers["x-goog-upload-command"], c.headers["x-goog-upload-offset"], c.headers["content-length"]])).toStrictEqual([
      ["upload", "0", "262144"],
      ["upload", "262144", "262144"],
      ["upload, finalize", "524288", "75712"],
    ]);
    expect(chunks.every((c) => c.headers["x-goog-api-key"] === API_KEY)).toBe(true);
    expect(file.sizeBytes).toBe(600_000);
    expect(fake.fileContent(file.nativeId)).toStrictEqual(bytes);
  });

  it("uploads an empty file as one empty finalizing chunk", async () => {
    const { ctx, fake } = providerHarness("gemini");
    const file = await files.upload(ctx, { filename: "empty.txt", mimeType: "text/plain", sizeBytes: null, body: chunkedStream(new Uint8Array(0)) });
    expect(fake.calls.map((c) => c.headers["x-goog-upload-command"])).toStrictEqual(["start", "upload, finalize"]);
    expect(fake.calls[1]!.headers["content-length"]).toBe("0");
    expect(file.sizeBytes).toBe(0);
  });

  it("cancels the upload session when the client's body fails", async () => {
    const { ctx, fake } = providerHarness("gemini");
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1, 2, 3]));
        controller.error(new Error("client went away"));
      },
    });
    const error = await rejectionOf(files.upload(ctx, { filename: "x", mimeType: "text/plain", sizeBytes: null, body }));
    expect(error.message).toBe("client went away");
    expect(fake.calls.map((c) => c.headers["x-goog-upload-command"])).toStrictEqual(["start", "cancel"]);
  });
});

describe("gemini files: retrieve, download, delete", () => {
  it("refreshes a file that was still processing", async () => {
    const { ctx, fake } = providerHarness("gemini", { fake: { uploadsStartProcessing: true } });
    const uploaded = await files.upload(ctx, { filename: "clip.mp4", mimeType: "video/mp4", sizeBytes: 3, body: chunkedStream(new Uint8Array([1, 2, 3])) });
    expect(uploaded.processing).toBe(true);
    expect(uploaded.native.state).toBe("PROCESSING");

    await files.retrieve(ctx, resolved(uploaded));
    const refreshed = await files.retrieve(ctx, resolved(uploaded));
    expect(refreshed.processing).toBe(false);
    expect(refreshed.native.state).toBe("ACTIVE");
    const get = fake.calls[2]!;
    expect(get.method).toBe("GET");
    expect(get.path).toBe(`/v1beta/${uploaded.nativeId}`);
    expect(get.query).toStrictEqual({});
    expect(get.headers["x-goog-api-key"]).toBe(API_KEY);
  });

  it("answers 404 for a file Gemini expired (Gemini says 403 'or it may not exist')", async () => {
    const { ctx, fake } = providerHarness("gemini");
    const uploaded = await files.upload(ctx, { filename: "a.txt", mimeType: "text/plain", sizeBytes: 1, body: chunkedStream(new Uint8Array([65])) });
    await fake.fetch(new Request(`${BASE_URL}/__fake/files/${uploaded.nativeId.slice(6)}/expire`, { method: "POST" }));
    const error = await rejectionOf(files.retrieve(ctx, resolved(uploaded, "file_01GONE")));
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(404);
    expect((error as GatewayError).type).toBe("not_found_error");
    expect(error.message).toBe("File not found: file_01GONE");
  });

  it("refuses to download an uploaded file without calling Gemini", async () => {
    const { ctx, fake } = providerHarness("gemini");
    const uploaded = await files.upload(ctx, { filename: "a.txt", mimeType: "text/plain", sizeBytes: 1, body: chunkedStream(new Uint8Array([65])) });
    const before = fake.calls.length;
    const error = await rejectionOf(files.download(ctx, resolved(uploaded, "file_01UP")));
    expect(error).toStrictEqual(GatewayError.notDownloadable("file_01UP"));
    expect(fake.calls.length).toBe(before);
  });

  it("deletes a file, and a file already gone counts as deleted", async () => {
    const { ctx, fake } = providerHarness("gemini");
    const uploaded = await files.upload(ctx, { filename: "a.txt", mimeType: "text/plain", sizeBytes: 1, body: chunkedStream(new Uint8Array([65])) });
    await files.delete(ctx, resolved(uploaded));
    await files.delete(ctx, resolved(uploaded));
    const deletes = fake.calls.filter((c) => c.method === "DELETE");
    expect(deletes.map((c) => c.path)).toStrictEqual([`/v1beta/${uploaded.nativeId}`, `/v1beta/${uploaded.nativeId}`]);
    expect(fake.fileContent(uploaded.nativeId)).toBeUndefined();
  });
});

describe("gemini upstream errors", () => {
  it("a wrong key (Gemini: 400 API_KEY_INVALID) is a 401 authentication_error that names gemini and never shows the key", async () => {
    const { ctx } = providerHarness("gemini", { env: { GEMINI_API_KEY: "AIza-wrong-key" } });
    const error = await rejectionOf(files.upload(ctx, { filename: "a", mimeType: "text/plain", sizeBytes: 1, body: chunkedStream(new Uint8Array([1])) }));
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).status).toBe(401);
    expect((error as UpstreamError).type).toBe("authentication_error");
    expect(error.message).toBe("gemini upstream error (HTTP 401): API key not valid. Please pass a valid API key.");
    expect(error.message).not.toContain("AIza-wrong-key");
  });

  it.each([
    [429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", 429, "rate_limit_error"],
    [500, "INTERNAL", "An internal error has occurred.", 500, "api_error"],
    [503, "UNAVAILABLE", "The model is overloaded.", 529, "overloaded_error"],
    [403, "PERMISSION_DENIED", "Permission denied on resource project.", 403, "permission_error"],
  ] as const)("Gemini %i %s becomes %i", async (code, status, message, expectedStatus, expectedType) => {
    const { ctx } = providerHarness("gemini");
    ctx.fetch = (async () => new Response(JSON.stringify({ error: { code, message, status } }), { status: code, headers: { "content-type": "application/json" } })) as typeof fetch;
    const error = await rejectionOf(geminiAdapter.batches.retrieve(ctx, { slot: "m", nativeId: "batches/x", model: "m", requestCount: 1, data: {} }));
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).status).toBe(expectedStatus);
    expect((error as UpstreamError).type).toBe(expectedType);
    expect(error.message).toBe(`gemini upstream error (HTTP ${code}): ${message}`);
  });

  it("an unknown batch is a 404 not_found_error", async () => {
    const { ctx } = providerHarness("gemini");
    const error = await rejectionOf(geminiAdapter.batches.retrieve(ctx, { slot: "m", nativeId: "batches/nope", model: "m", requestCount: 1, data: {} }));
    expect((error as UpstreamError).status).toBe(404);
    expect((error as UpstreamError).type).toBe("not_found_error");
    expect(error.message).toBe("gemini upstream error (HTTP 404): Requested entity was not found.");
  });

  it("a malformed JSON answer is an api_error naming gemini", async () => {
    const { ctx } = providerHarness("gemini");
    ctx.fetch = (async () => new Response("<html>oops</html>", { status: 200 })) as typeof fetch;
    const file: ResolvedFile = { gatewayId: "file_1", nativeId: "files/a", filename: "a", mimeType: "text/plain", native: {} };
    const error = await rejectionOf(files.retrieve(ctx, file));
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).type).toBe("api_error");
    expect(error.message).toBe("gemini upstream error (HTTP 502): malformed response: the body was not JSON (not passed on)");
  });

  it("a batch body that is not JSON is an api_error too", async () => {
    const { ctx } = providerHarness("gemini");
    ctx.fetch = (async () => new Response('{"name": "batches/x", "metadata": {', { status: 200 })) as typeof fetch;
    const error = await rejectionOf(geminiAdapter.batches.retrieve(ctx, { slot: "m", nativeId: "batches/x", model: "m", requestCount: 1, data: {} }));
    expect((error as UpstreamError).type).toBe("api_error");
    expect(error.message).toBe("gemini upstream error (HTTP 502): malformed batch response (the JSON ends early)");
  });

  it("an unreachable Gemini is an api_error", async () => {
    const { ctx } = providerHarness("gemini");
    ctx.fetch = (async () => {
      throw new TypeError("Network connection lost.");
    }) as typeof fetch;
    const error = await rejectionOf(geminiAdapter.batches.cancel(ctx, { slot: "m", nativeId: "batches/x", model: "m", requestCount: 1, data: {} }));
    expect((error as UpstreamError).type).toBe("api_error");
    expect(error.message).toBe("gemini upstream error (HTTP 0): could not reach the provider (Network connection lost.)");
  });

  it("without GEMINI_API_KEY the provider is not configured", () => {
    expect(() => geminiAdapter.assertConfigured({})).toThrow("set the GEMINI_API_KEY secret");
    expect(() => geminiAdapter.assertConfigured({ GEMINI_API_KEY: "k" })).not.toThrow();
    expect(() => geminiAdapter.assertConfigured({ GEMINI_API_KEY: "k", GEMINI_UPLOAD_CHUNK_BYTES: "lots" })).toThrow(
      'GEMINI_UPLOAD_CHUNK_BYTES must be a positive whole number of bytes, not "lots"',
    );
  });
});

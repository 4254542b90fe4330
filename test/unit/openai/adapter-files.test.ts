/**
 * The OpenAI adapter's Files API against the fake: exactly what reaches OpenAI, and what
 * comes back in the gateway's terms.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { GatewayError } from "../../../src/lib/errors";
import { openaiAdapter } from "../../../src/providers/openai";
import type { ResolvedFile } from "../../../src/providers/types";
import type { FakeOpenAI } from "../../fakes/openai/index.ts";
import { uploadFile } from "../support/fakes";
import { OPENAI, providerHarness, type ProviderHarness } from "../support/harness";
import { bodyText } from "../support/helpers";

const KEY = OPENAI.key;

const files = openaiAdapter.files!;
let h: ProviderHarness<"openai">;
let fake: FakeOpenAI;
beforeEach(() => {
  h = providerHarness("openai");
  fake = h.fake;
});

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    pull(controller) {
      const chunk = chunks.shift();
      if (chunk === undefined) controller.close();
      else controller.enqueue(encoder.encode(chunk));
    },
  });
}

function resolved(nativeId: string, native: Record<string, unknown>, mimeType = "application/pdf"): ResolvedFile {
  return { gatewayId: "file_011GATEWAY", nativeId, filename: "report.pdf", mimeType, native };
}

describe("assertConfigured", () => {
  it("names OPENAI_API_KEY when it is missing", () => {
    expect(() => openaiAdapter.assertConfigured({})).toThrow(
      "Provider openai is not configured: set the OPENAI_API_KEY secret (`wrangler secret put OPENAI_API_KEY`, or .dev.vars locally)",
    );
    expect(() => openaiAdapter.assertConfigured({ OPENAI_API_KEY: "sk-x" })).not.toThrow();
  });
});

describe("files", () => {
  it("streams an upload to POST /files with purpose user_data", async () => {
    const file = await files.upload(h.ctx, {
      filename: "report.pdf",
      mimeType: "application/pdf",
      sizeBytes: null,
      body: streamOf("%PDF-1.4\n", "x".repeat(100_000), "\n%%EOF"),
    });
    expect(fake.calls).toHaveLength(1);
    const call = fake.calls[0]!;
    expect([call.method, call.path, call.query, call.headers.authorization]).toStrictEqual(["POST", "/v1/files", {}, `Bearer ${KEY}`]);
    expect(call.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(call.form).toStrictEqual({
      fields: { purpose: "user_data" },
      files: [{ name: "file", filename: "report.pdf", contentType: "application/pdf", size: 100_015 }],
    });
    expect(file).toStrictEqual({
      nativeId: file.nativeId,
      filename: "report.pdf",
      mimeType: "application/pdf",
      sizeBytes: 100_015,
      createdAt: "2024-04-24T23:06:40Z",
      downloadable: false,
      expiresAt: null,
      native: { purpose: "user_data", mimeType: "application/pdf" },
    });
    expect(file.nativeId).toMatch(/^file-/);
  });

  it("retrieves metadata, keeping the MIME type OpenAI does not return", async () => {
    const stored = await uploadFile(h, { filename: "report.pdf", purpose: "user_data", content: "%PDF" });
    const file = await files.retrieve(h.ctx, resolved(stored.id as string, { purpose: "user_data" }));
    expect(fake.calls.at(-1)).toMatchObject({ method: "GET", path: `/v1/files/${stored.id}` });
    expect(file).toStrictEqual({
      nativeId: stored.id,
      filename: "report.pdf",
      mimeType: "application/pdf",
      sizeBytes: 4,
      createdAt: "2024-04-24T23:06:40Z",
      downloadable: false,
      expiresAt: null,
      native: { purpose: "user_data", mimeType: "application/pdf" },
    });
  });

  it("refuses to download a user_data upload without asking OpenAI", async () => {
    const stored = await uploadFile(h, { filename: "report.pdf", purpose: "user_data", content: "%PDF" });
    const before = fake.calls.length;
    const error = await files.download(h.ctx, resolved(stored.id as string, { purpose: "user_data" })).catch((e) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.toBody()).toStrictEqual(GatewayError.notDownloadable("file_011GATEWAY").toBody());
    expect(fake.calls.length).toBe(before);
  });

  it("turns OpenAI's own download refusal into the not-downloadable error", async () => {
    const stored = await uploadFile(h, { filename: "report.pdf", purpose: "user_data", content: "%PDF" });
    const error = await files.download(h.ctx, resolved(stored.id as string, {})).catch((e) => e);
    expect(error.toBody()).toStrictEqual(GatewayError.notDownloadable("file_011GATEWAY").toBody());
    expect(fake.calls.at(-1)).toMatchObject({ method: "GET", path: `/v1/files/${stored.id}/content` });
  });

  it("streams a downloadable file", async () => {
    const stored = await uploadFile(h, { filename: "out.jsonl", purpose: "batch", content: '{"a":1}\n' });
    const download = await files.download(h.ctx, resolved(stored.id as string, { purpose: "batch_output" }, "application/jsonl"));
    expect(download.contentType).toBe("application/jsonl");
    expect(download.contentLength).toBe(8);
    expect(await bodyText(new Response(download.body))).toBe('{"a":1}\n');
    expect(fake.calls.at(-1)?.headers.accept).toBe("application/binary");
  });

  it("deletes, and counts a file already gone as deleted", async () => {
    const stored = await uploadFile(h, { filename: "a.txt", purpose: "user_data", content: "a" });
    await files.delete(h.ctx, resolved(stored.id as string, {}));
    expect(fake.calls.at(-1)).toMatchObject({ method: "DELETE", path: `/v1/files/${stored.id}` });
    expect((await h.call("GET", `/v1/files/${stored.id}`)).status).toBe(404);
    await expect(files.delete(h.ctx, resolved(stored.id as string, {}))).resolves.toBeUndefined();
  });

  it("answers an unknown file with a 404 that names openai and carries its message", async () => {
    const error = await files.retrieve(h.ctx, resolved("file-nope", {})).catch((e) => e);
    expect(error.status).toBe(404);
    expect(error.toBody()).toStrictEqual({
      type: "error",
      error: { type: "not_found_error", message: "openai upstream error (HTTP 404): No such File object: file-nope" },
    });
  });
});

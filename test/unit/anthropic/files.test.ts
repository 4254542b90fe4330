/** The Anthropic files adapter against the strict fake: exact results and exact upstream calls. */
import { beforeEach, describe, expect, it } from "vitest";
import { anthropicAdapter } from "../../../src/providers/anthropic";
import type { ProviderContext } from "../../../src/providers/types";
import type { FakeAnthropic } from "../../fakes/anthropic/index.ts";
import { providerHarness, ANTHROPIC, type ProviderHarness } from "../support/harness";
import { describeError, rejectionOf, resolved, streamOf } from "../support/helpers";

const { authHeaders: AUTH_HEADERS, now: NOW, origin: ORIGIN } = ANTHROPIC;

const files = anthropicAdapter.files!;
const FIRST_FILE_ID = "file_011111111111111111111112";

let h: ProviderHarness<"anthropic">;
let fake: FakeAnthropic;
let ctx: ProviderContext;

beforeEach(() => {
  h = providerHarness("anthropic");
  ({ fake, ctx } = h);
});

async function uploadNotes(text = "hello world") {
  return files.upload(ctx, { filename: "notes.txt", mimeType: "text/plain", sizeBytes: null, body: streamOf(text) });
}

describe("upload", () => {
  it("streams the file as the one multipart field `file` and maps the metadata", async () => {
    const file = await uploadNotes();
    expect(file).toEqual({
      nativeId: FIRST_FILE_ID,
      filename: "notes.txt",
      mimeType: "text/plain",
      sizeBytes: 11,
      createdAt: NOW,
      downloadable: false,
      expiresAt: null,
      native: {},
    });
    expect(fake.calls).toEqual([
      {
        method: "POST",
        path: "/v1/files",
        query: {},
        headers: {
          ...AUTH_HEADERS,
          "anthropic-beta": "files-api-2025-04-14",
          "content-type": expect.stringMatching(/^multipart\/form-data; boundary=----batchbridge[0-9a-f]{32}$/),
        },
        multipart: [{ name: "file", filename: "notes.txt", contentType: "text/plain", size: 11 }],
        bodyBytes: 11,
      },
    ]);
  });

  it("passes a multi-megabyte upload through in chunks, byte for byte in size", async () => {
    const chunk = "x".repeat(65_537);
    const chunks = Array.from({ length: 48 }, () => chunk);
    const file = await files.upload(ctx, { filename: "big.txt", mimeType: "text/plain", sizeBytes: null, body: streamOf(...chunks) });
    expect(file.sizeBytes).toBe(48 * 65_537);
    expect(fake.calls[0]!.multipart).toEqual([{ name: "file", filename: "big.txt", contentType: "text/plain", size: 48 * 65_537 }]);
  });

  it("sends the client's betas before the files beta", async () => {
    ctx = h.context({ clientBetas: ["message-batches-2024-09-24"] });
    await uploadNotes();
    expect(fake.calls[0]!.headers["anthropic-beta"]).toBe("message-batches-2024-09-24,files-api-2025-04-14");
  });
});

describe("retrieve", () => {
  it("reads the metadata of the native file", async () => {
    const uploaded = await uploadNotes();
    expect(await files.retrieve(ctx, resolved("file_gw1", uploaded))).toEqual(uploaded);
    expect(fake.calls[1]).toEqual({
      method: "GET",
      path: `/v1/files/${FIRST_FILE_ID}`,
      query: {},
      headers: { ...AUTH_HEADERS, "anthropic-beta": "files-api-2025-04-14" },
    });
  });

  it("answers a file gone upstream with a 404 naming the gateway ID, not the native one", async () => {
    const uploaded = await uploadNotes();
    const gone = { ...resolved("file_gw1", uploaded), nativeId: "file_011gone" };
    expect(describeError(await rejectionOf(files.retrieve(ctx, gone)))).toEqual({
      name: "GatewayError",
      status: 404,
      type: "not_found_error",
      message: "File not found: file_gw1",
    });
  });
});

describe("download", () => {
  it("refuses an uploaded file with the error Anthropic gives for it", async () => {
    const uploaded = await uploadNotes();
    expect(describeError(await rejectionOf(files.download(ctx, resolved("file_gw1", uploaded))))).toEqual({
      name: "GatewayError",
      status: 400,
      type: "invalid_request_error",
      message: "File file_gw1 is not downloadable: only files a provider generated (such as batch output) can be downloaded",
    });
    expect(fake.calls[1]).toEqual({
      method: "GET",
      path: `/v1/files/${FIRST_FILE_ID}/content`,
      query: {},
      headers: { ...AUTH_HEADERS, "anthropic-beta": "files-api-2025-04-14", accept: "application/binary" },
    });
  });

  it("streams a generated file with its content type and length", async () => {
    const seeded = await fake.fetch(
      new Request(`${ORIGIN}/__fake/files?filename=out.csv&mime_type=text/csv`, { method: "POST", body: "a,b\n1,2\n" }),
    );
    const { id } = (await seeded.json()) as { id: string };
    const download = await files.download(ctx, { gatewayId: "file_gw2", nativeId: id, filename: "out.csv", mimeType: "text/csv", native: {} });
    expect(download.contentType).toBe("text/csv");
    expect(download.contentLength).toBe(8);
    expect(await new Response(download.body).text()).toBe("a,b\n1,2\n");
  });

  it("answers a missing file with a 404 naming the gateway ID", async () => {
    const missing = { gatewayId: "file_gw3", nativeId: "file_011none", filename: "x", mimeType: "text/plain", native: {} };
    expect(describeError(await rejectionOf(files.download(ctx, missing)))).toEqual({
      name: "GatewayError",
      status: 404,
      type: "not_found_error",
      message: "File not found: file_gw3",
    });
  });
});

describe("delete", () => {
  it("deletes upstream, and counts a file already gone as deleted", async () => {
    const file = resolved("file_gw1", await uploadNotes());
    await files.delete(ctx, file);
    await files.delete(ctx, file);
    expect(fake.calls.slice(1).map(({ method, path }) => `${method} ${path}`)).toEqual([
      `DELETE /v1/files/${FIRST_FILE_ID}`,
      `DELETE /v1/files/${FIRST_FILE_ID}`,
    ]);
    expect(describeError(await rejectionOf(files.retrieve(ctx, file))).status).toBe(404);
  });
});

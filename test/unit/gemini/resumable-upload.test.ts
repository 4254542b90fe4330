/**
 * The resumable upload fills one chunk's memory and sends it from there: what Gemini receives
 * (commands, offsets, lengths, bytes) must not depend on how the bytes were cut when written.
 */
import { describe, expect, it, vi } from "vitest";
import { geminiClient } from "../../../src/providers/gemini/client";
import { ResumableUpload } from "../../../src/providers/gemini/resumable-upload";
import { providerHarness } from "../support/harness";
import { bytesOf } from "../support/helpers";

const CHUNK = 256 * 1024;

async function uploadInPieces(bytes: Uint8Array, cuts: number[]) {
  const harness = providerHarness("gemini", { env: { GEMINI_UPLOAD_CHUNK_BYTES: String(CHUNK) } });
  const upload = await ResumableUpload.start(geminiClient(harness.ctx), { displayName: "a.jsonl", mimeType: "application/jsonl", sizeBytes: null });
  const written: Array<Promise<void> | undefined> = [];
  let at = 0;
  for (const cut of [...cuts, bytes.byteLength]) {
    // A fresh copy each time: the caller may reuse its own memory once a write returned.
    const piece = bytes.slice(at, cut);
    const pending = upload.write(piece);
    written.push(pending);
    await pending;
    piece.fill(0);
    at = cut;
  }
  expect(upload.size).toBe(bytes.byteLength);
  const file = await upload.finish();
  const chunks = harness.fake.calls.slice(1).map((call) => [call.headers["x-goog-upload-command"], call.headers["x-goog-upload-offset"], call.headers["content-length"]]);
  return { chunks, content: harness.fake.fileContent(file.name), written };
}

describe("gemini resumable upload", () => {
  it.each([
    ["many small pieces", Array.from({ length: 99 }, (_, i) => (i + 1) * 6_007)],
    ["pieces larger than a chunk", [CHUNK * 2 + 5, CHUNK * 2 + 9]],
    ["a piece ending exactly at a chunk's end", [CHUNK, CHUNK + 1, CHUNK * 2]],
    ["one piece", []],
  ])("sends full chunks at their offsets and the rest with finalize, whatever the pieces: %s", async (_, cuts) => {
    const bytes = bytesOf(CHUNK * 2 + 75_712);
    const { chunks, content } = await uploadInPieces(bytes, cuts);
    expect(chunks).toStrictEqual([
      ["upload", "0", String(CHUNK)],
      ["upload", String(CHUNK), String(CHUNK)],
      ["upload, finalize", String(CHUNK * 2), "75712"],
    ]);
    expect(content).toStrictEqual(bytes);
  });

  it("sends a last full chunk with finalize, never an empty final chunk", async () => {
    const bytes = bytesOf(CHUNK * 2);
    const { chunks, content } = await uploadInPieces(bytes, [1_000, CHUNK, CHUNK + 1_000]);
    expect(chunks).toStrictEqual([
      ["upload", "0", String(CHUNK)],
      ["upload, finalize", String(CHUNK), String(CHUNK)],
    ]);
    expect(content).toStrictEqual(bytes);
  });

  it("answers a write with a promise only when it sends a chunk", async () => {
    const bytes = bytesOf(CHUNK + 10);
    const { written } = await uploadInPieces(bytes, [CHUNK - 10, CHUNK]);
    expect(written.map((pending) => pending !== undefined)).toStrictEqual([false, false, true]);
  });

  it("sends a small file whole, in one finalizing chunk", async () => {
    const bytes = bytesOf(70_000);
    const { chunks, content } = await uploadInPieces(bytes, [10, 65_536, 65_537]);
    expect(chunks).toStrictEqual([["upload, finalize", "0", "70000"]]);
    expect(content).toStrictEqual(bytes);
  });

  it("sends a chunk while the next one fills, and fails the upload, no later than finish, when that chunk is refused", async () => {
    const harness = providerHarness("gemini", {
      env: { GEMINI_UPLOAD_CHUNK_BYTES: String(CHUNK) },
      // The second chunk is answered without an upload status.
      intercept: (request) => (request.headers.get("x-goog-upload-offset") === String(CHUNK) ? new Response(null, { status: 200 }) : undefined),
    });
    const upload = await ResumableUpload.start(geminiClient(harness.ctx), { displayName: "a.jsonl", mimeType: "application/jsonl", sizeBytes: null });
    const bytes = bytesOf(CHUNK * 3 + 10);
    const outcome = (async () => {
      for (let at = 0; at < bytes.byteLength; at += 50_000) await upload.write(bytes.slice(at, at + 50_000));
      return upload.finish();
    })();
    await expect(outcome).rejects.toThrow(`upload chunk at offset ${CHUNK} answered x-goog-upload-status (none), expected active`);
    const commands = harness.fake.calls.slice(1).map((call) => call.headers["x-goog-upload-command"]);
    expect(commands).not.toContain("upload, finalize");
    await upload.cancel();
  });
  // Each upload holding two chunks let a create over four models hold 64 MiB (reviewed): one
  // upload in the isolate overlaps its chunks, another sends and waits as uploads used to.
  it("lets one upload at a time hold a second chunk: while it does, another upload's write waits for its chunk's answer", async () => {
    const harness = providerHarness("gemini", { env: { GEMINI_UPLOAD_CHUNK_BYTES: String(CHUNK) } });
    const held: Array<() => void> = [];
    const answers = harness.ctx.fetch;
    // Chunks (not the finalize) are answered only when the test lets them.
    const gated = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (new Headers(init?.headers).get("x-goog-upload-command") === "upload") await new Promise<void>((resolve) => held.push(resolve));
      return answers(input, init);
    }) as typeof fetch;
    const gemini = geminiClient(harness.context({ fetch: gated }));
    const first = await ResumableUpload.start(gemini, { displayName: "a.jsonl", mimeType: "application/jsonl", sizeBytes: null });
    const second = await ResumableUpload.start(gemini, { displayName: "b.jsonl", mimeType: "application/jsonl", sizeBytes: null });
    const bytes = bytesOf(CHUNK + 10);
    // The first upload's chunk goes, and its write returns before Gemini answers it.
    await first.write(bytes);
    await vi.waitFor(() => expect(held).toHaveLength(1));
    // The second upload's chunk goes too, but its write waits for the answer.
    let secondWritten = false;
    const secondWrite = second.write(bytes)!.then(() => {
      secondWritten = true;
    });
    await vi.waitFor(() => expect(held).toHaveLength(2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(secondWritten).toBe(false);
    held[1]!();
    await secondWrite;
    held[0]!();
    const files = [await first.finish(), await second.finish()];
    expect(files.map((file) => harness.fake.fileContent(file.name))).toStrictEqual([bytes, bytes]);
    // Both are finished: the next upload may hold a second chunk again.
    const third = await ResumableUpload.start(gemini, { displayName: "c.jsonl", mimeType: "application/jsonl", sizeBytes: null });
    await third.write(bytes);
    await vi.waitFor(() => expect(held).toHaveLength(3));
    held[2]!();
    await third.finish();
  });
});

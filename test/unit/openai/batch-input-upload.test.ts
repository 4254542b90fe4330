/**
 * The streaming upload of an OpenAI batch input file (src/providers/openai/batch-input-upload.ts)
 * copies every byte it is given before `append` returns or its promise settles, so that the
 * planner may reuse its buffers (JobLimits.packLines): the file OpenAI receives is what was
 * appended, byte for byte, however the pieces fall against the upload's 64 KiB chunks.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { BatchInputUpload } from "../../../src/providers/openai/batch-input-upload";
import { readConfig } from "../../../src/providers/openai/config";
import type { ProviderContext } from "../../../src/providers/types";
import { providerHarness, type ProviderHarness } from "../support/harness";
import { bodyText } from "../support/helpers";

let h: ProviderHarness<"openai">;
beforeEach(() => {
  h = providerHarness("openai");
});

const encoder = new TextEncoder();

function lines(count: number, size: (index: number) => number): string {
  return Array.from({ length: count }, (_, index) => `${JSON.stringify({ custom_id: `r${index}`, method: "POST", url: "/v1/chat/completions", body: { model: "gpt-4o-mini", x: "é".repeat(size(index)) } })}\n`).join("");
}

/** A context whose upstream reads the upload's body late: each chunk a macrotask after it was handed over. */
function slowReader(): ProviderContext {
  const late = () =>
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        controller.enqueue(chunk);
      },
    });
  return h.context({
    fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
      h.ctx.fetch(input, init?.body instanceof ReadableStream ? ({ ...init, body: init.body.pipeThrough(late()), duplex: "half" } as RequestInit) : init)) as typeof fetch,
  });
}

describe("BatchInputUpload", () => {
  it.each([
    { case: "single lines, some larger than a chunk", text: lines(60, (index) => (index % 17 === 3 ? 90_000 : 300 + index * 11)), piece: 0 },
    { case: "pieces of 64 KiB that end inside lines and characters", text: lines(400, (index) => 200 + (index % 29) * 40), piece: 64 * 1024 },
    { case: "pieces of 5,000 bytes", text: lines(300, (index) => 100 + index), piece: 5_000 },
  ])("uploads exactly what was appended, though each piece's buffer is overwritten once its append settles ($case)", async ({ text, piece }) => {
    const upload = new BatchInputUpload(slowReader(), readConfig(h.env), "batchbridge-msgbatch_test-0.jsonl");
    const bytes = encoder.encode(text);
    const pieces: [number, number][] = [];
    if (piece === 0) {
      let start = 0;
      for (let index = 0; index < bytes.byteLength; index++) {
        if (bytes[index] === 0x0a) {
          pieces.push([start, index + 1]);
          start = index + 1;
        }
      }
    } else {
      for (let start = 0; start < bytes.byteLength; start += piece) pieces.push([start, Math.min(bytes.byteLength, start + piece)]);
    }
    // One buffer, reused for every piece (as the planner reuses its slabs).
    const reused = new Uint8Array(Math.max(...pieces.map(([start, end]) => end - start)));
    for (const [start, end] of pieces) {
      const view = reused.subarray(0, end - start);
      view.set(bytes.subarray(start, end));
      const written = upload.append(view);
      if (written) await written;
      view.fill(0x21);
    }
    const file = await upload.finish();
    expect(await bodyText(await h.call("GET", `/v1/files/${file.id}/content`))).toBe(text);
  });
});

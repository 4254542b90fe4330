import { describe, expect, it } from "vitest";
import { readBatchSummary, readInlinedResponses } from "../../../src/providers/gemini/batch-reader";
import type { GeminiBatchSummary } from "../../../src/providers/gemini/wire";
import { chunkedStream } from "../support/helpers";

const inlined = [
  { response: { candidates: [{ content: { parts: [{ text: "one" }] }, finishReason: "STOP" }] }, metadata: { key: "a" } },
  { error: { code: 3, message: "bad" }, metadata: { key: "b" } },
];

const operation = {
  name: "batches/abc",
  metadata: {
    "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
    model: "models/gemini-2.5-flash",
    state: "BATCH_STATE_SUCCEEDED",
    batchStats: { requestCount: "2", successfulRequestCount: "1", failedRequestCount: "1" },
    endTime: "2026-11-25T10:00:00Z",
    output: { inlinedResponses: { inlinedResponses: inlined } },
  },
  done: true,
  response: { "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput", inlinedResponses: { inlinedResponses: inlined } },
};

const encode = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 1)}\n`);

describe("reading a batch operation as a stream", () => {
  it("reads the summary from a body delivered a few bytes at a time", async () => {
    const summary = await readBatchSummary(chunkedStream(encode(operation), 7));
    expect(summary).toStrictEqual({
      name: "batches/abc",
      state: "BATCH_STATE_SUCCEEDED",
      batchStats: { requestCount: "2", successfulRequestCount: "1", failedRequestCount: "1" },
      endTime: "2026-11-25T10:00:00Z",
    });
  });

  it("yields each inlined response once, from the first place it is found", async () => {
    const summary: GeminiBatchSummary = {};
    const items = [];
    for await (const item of readInlinedResponses(chunkedStream(encode(operation), 5), summary)) items.push(item);
    expect(items).toStrictEqual(inlined);
    expect(summary.state).toBe("BATCH_STATE_SUCCEEDED");
  });

  it("reads inlined responses that only the operation's response carries", async () => {
    const { metadata, ...rest } = operation;
    const { output: _output, ...bare } = metadata;
    const items = [];
    for await (const item of readInlinedResponses(chunkedStream(encode({ ...rest, metadata: bare }), 11), {})) items.push(item);
    expect(items).toStrictEqual(inlined);
  });

  it("finds a responses file and the error of a failed batch", async () => {
    const summary = await readBatchSummary(
      chunkedStream(encode({ name: "batches/x", metadata: { state: "BATCH_STATE_FAILED" }, done: true, error: { code: 3, message: "bad input" }, response: { responsesFile: "files/batch-x" } })),
    );
    expect(summary).toStrictEqual({ name: "batches/x", state: "BATCH_STATE_FAILED", error: { code: 3, message: "bad input" }, responsesFile: "files/batch-x" });
  });

  it("fails on a body that is not JSON", async () => {
    await expect(readBatchSummary(chunkedStream(new TextEncoder().encode("<html>")))).rejects.toThrow("gemini upstream error (HTTP 502): malformed batch response");
  });
});

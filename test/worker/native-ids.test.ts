/**
 * Issue 11, item 2: no native ID in any output. Result lines and a batch's served output
 * files name gateway IDs (or withhold IDs the gateway does not know), and a file that a batch
 * not yet ended uses cannot be deleted.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { nativeIdScrubber, WITHHELD } from "../../src/core/native-ids";
import { ADAPTERS } from "../../src/providers/index";
import { BATCHES, batchClient, type WireBatch } from "./support/batches";
import { uploadFile } from "./support/files";
import { call, errorOf } from "./support/gateway";
import { textRequest } from "./support/requests";
import { bodyText, json } from "./support/responses";
import { useFakes } from "./support/upstream";

useFakes();

const HAIKU = "claude-3-5-haiku-20241022";

/** Answers upstream requests that `answer` takes (null: the fakes answer). */
function intercept(answer: (request: Request) => Response | null | Promise<Response | null>) {
  const inner = globalThis.fetch;
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const replaced = await answer(req.clone());
    if (replaced) {
      await req.body?.cancel();
      return replaced;
    }
    return inner(req);
  });
}

function withFile(customId: string, fileId: string, model = HAIKU) {
  return {
    custom_id: customId,
    params: { model, max_tokens: 10, messages: [{ role: "user", content: [{ type: "text", text: "Summarise" }, { type: "document", source: { type: "file", file_id: fileId } }] }] },
  };
}

async function nativeIdOfFile(id: string): Promise<string> {
  return (await env.DB.prepare("SELECT native_id FROM files WHERE id = ?").bind(id).first<string>("native_id"))!;
}

/** The results as the vault (R2) holds them, once the batch has ended. */
async function vaultedText(batchId: string): Promise<string> {
  const object = await env.RESULTS.get(`batches/${batchId}/results.jsonl`);
  expect(object).not.toBeNull();
  return object!.text();
}

const errored = (customId: string, message: string) =>
  JSON.stringify({ custom_id: customId, result: { type: "errored", error: { type: "error", error: { type: "invalid_request_error", message } } } });

// Results are read upstream once, by whoever vaults the batch when its jobs have ended (here
// the retrieve that sees the end): upstream answers are replaced before the batch is polled.
describe("result lines", () => {
  it("name the gateway IDs of the batch's files and jobs, withhold unknown native IDs, and leave answers as written", async () => {
    const file = await uploadFile("doc.txt", "some text");
    const native = await nativeIdOfFile(file.id);
    expect(native).toMatch(/^file_011/);
    const { create, pollUntilEnded, results } = batchClient();
    const batch = await create([withFile("with-file", file.id), withFile("deleted", file.id), textRequest("answer", "Say file-abcdefghijklmnop", HAIKU)]);
    const nativeBatch = (await env.DB.prepare("SELECT native_id FROM batch_jobs WHERE batch_id = ?").bind(batch.id).first<string>("native_id"))!;
    const succeeded = { custom_id: "answer", result: { type: "succeeded", message: { id: "msg_1", type: "message", role: "assistant", model: HAIKU, content: [{ type: "text", text: "file-abcdefghijklmnop" }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } } } };
    intercept((req) =>
      new URL(req.url).pathname.endsWith("/results")
        ? new Response(
            [
              errored("with-file", `File not found: ${native} (in ${nativeBatch})`),
              errored("deleted", "File not found: file_011CNha8iCJcU1wXNR6q4V8w"),
              JSON.stringify(succeeded),
            ].join("\n") + "\n",
            { headers: { "content-type": "application/x-jsonl" } },
          )
        : null,
    );
    // The retrieve that sees the end vaults the results: they are scrubbed on the way in.
    await pollUntilEnded(batch.id);
    const vaulted = await vaultedText(batch.id);
    expect(vaulted).not.toContain(native);
    expect(vaulted).not.toContain(nativeBatch);
    const lines = await results(batch.id);
    const message = (customId: string) => (lines.find((line) => line.custom_id === customId)!.result as { error: { error: { message: string } } }).error.error.message;
    expect(message("with-file")).toBe(`File not found: ${file.id} (in ${batch.id})`);
    expect(message("deleted")).toBe(`File not found: ${WITHHELD}`);
    expect(lines.find((line) => line.custom_id === "answer")!.result).toEqual(succeeded.result);
    const text = JSON.stringify(lines.filter((line) => line.custom_id !== "answer"));
    expect(text).not.toContain(native);
    expect(text).not.toContain(nativeBatch);
  });

  it("on OpenAI: a per-request error quoting the input file's native ID names the gateway file", async () => {
    const file = await uploadFile("doc.pdf", "%PDF-1.4 x", { provider: "openai", type: "application/pdf" });
    const native = await nativeIdOfFile(file.id);
    const { create, pollUntilEnded, results } = batchClient({ provider: "openai" });
    const batch = await create([withFile("a", file.id, "gpt-4o-mini"), withFile("b", file.id, "gpt-4o-mini")]);
    const outputLine = (customId: string) =>
      JSON.stringify({ id: `batch_req_${customId}`, custom_id: customId, response: null, error: { code: "invalid_request", message: `Invalid file id: '${native}'.` } });
    intercept((req) => (/\/v1\/files\/[^/]+\/content$/.test(new URL(req.url).pathname) ? new Response(`${outputLine("a")}\n${outputLine("b")}\n`) : null));
    await pollUntilEnded(batch.id);
    expect(await vaultedText(batch.id)).not.toContain(native);
    const lines = await results(batch.id);
    expect(JSON.stringify(lines)).not.toContain(native);
    expect(JSON.stringify(lines)).toContain(file.id);
  });
});

describe("served output files", () => {
  it("are scrubbed of native IDs line by line", async () => {
    const { create, pollUntilEnded } = batchClient({ provider: "openai" });
    const batch = await create([textRequest("a", "Hi", "gpt-4o-mini"), textRequest("b", "Hello", "gpt-4o-mini")]);
    await pollUntilEnded(batch.id);
    const listed = (await (await call("/anthropic/v1/files", { provider: "openai" })).json()) as { data: { id: string; downloadable: boolean }[] };
    const output = listed.data.find((f) => f.downloadable)!;
    const nativeOutput = await nativeIdOfFile(output.id);
    const nativeBatch = (await env.DB.prepare("SELECT native_id FROM batch_jobs WHERE batch_id = ?").bind(batch.id).first<string>("native_id"))!;
    // Served in pieces that cut lines (and IDs) anywhere.
    const content = [
      JSON.stringify({ id: "batch_req_1", custom_id: "a", response: { status_code: 400, body: { error: { message: `No such File object: ${nativeOutput} of ${nativeBatch}` } } }, error: null }),
      JSON.stringify({ id: "batch_req_2", custom_id: "b", response: null, error: { message: "Invalid file id: 'file-Zq9nLkP2wX8sT4vB6mYc1R'." } }),
    ].join("\n") + "\n";
    intercept((req) => {
      if (!new URL(req.url).pathname.endsWith("/content")) return null;
      const bytes = new TextEncoder().encode(content);
      let at = 0;
      return new Response(
        new ReadableStream({
          pull(controller) {
            if (at >= bytes.length) return controller.close();
            controller.enqueue(bytes.slice(at, at + 7));
            at += 7;
          },
        }),
      );
    });
    const res = await call(`/anthropic/v1/files/${output.id}/content`);
    const text = await bodyText(res);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBeNull();
    expect(text).toBe(
      content
        .replace(nativeOutput, output.id)
        .replace(nativeBatch, batch.id)
        .replace("file-Zq9nLkP2wX8sT4vB6mYc1R", WITHHELD),
    );
  });
});

describe("deleting a file a batch uses", () => {
  it("is refused with a 400 naming the batch until the batch has ended; the batch records the file once", async () => {
    const file = await uploadFile("doc.txt", "some text");
    const batch = await json<WireBatch>(await call(BATCHES, { method: "POST", body: { requests: [withFile("a", file.id), withFile("b", file.id)] } }));
    expect(await env.DB.prepare("SELECT file_id FROM batch_file_refs WHERE batch_id = ?").bind(batch.id).all()).toMatchObject({ results: [{ file_id: file.id }] });
    const refused = await errorOf(await call(`/anthropic/v1/files/${file.id}`, { method: "DELETE" }));
    expect(refused).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message: `File ${file.id} is used by message batch ${batch.id}, which has not ended; delete the file once the batch has ended (cancel the batch to end it sooner).`,
    });
    await batchClient().pollUntilEnded(batch.id);
    expect(await json(await call(`/anthropic/v1/files/${file.id}`, { method: "DELETE" }))).toEqual({ id: file.id, type: "file_deleted" });
  });
});

describe("the scrubber", () => {
  it("leaves gateway IDs and text without native IDs as they are (the same string)", () => {
    const everyShape = Object.values(ADAPTERS).map((adapter) => adapter.nativeIdShapes);
    const scrub = nativeIdScrubber([["file-abc123def456", "file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD"]], everyShape);
    const clean = "message batch msgbatch_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD and file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD, batch_req_abc123def456";
    expect(scrub(clean)).toBe(clean);
    expect(scrub("x file-abc123def456 y")).toBe("x file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD y");
    expect(scrub("files/abc-123 batches/xyz9 arn:aws:bedrock:us-east-1:1:model-invocation-job/j1 s3://b/k")).toBe([WITHHELD, WITHHELD, WITHHELD, WITHHELD].join(" "));
  });
});

/**
 * What the vault writes, line by line: Anthropic's result lines as they came (no second
 * serialisation), each custom_id once, native IDs scrubbed, requests no line mentions filled
 * in; and text written straight into fixed-size parts, a character split between two parts
 * as its bytes would be.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { SetDigest } from "../../src/lib/set-digest";
import { RESULTS_PART_BYTES, ResultsVault } from "../../src/store/vault";
import { batchClient } from "./support/batches";
import { textRequest } from "./support/requests";
import { useFakes } from "./support/upstream";

useFakes();

const HAIKU = "claude-3-5-haiku-20241022";

/**
 * Upstream requests whose path ends in `/results` are answered with `text`: a few bytes at a
 * time from a stream built in JavaScript (read as it comes), or a body of the runtime's own
 * (a byte stream, as a fetched body is: read 64 KiB at a time).
 */
function serveResults(text: string, body: "pieces" | "bytes" = "pieces", piece = 7) {
  const inner = globalThis.fetch;
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    if (!new URL(req.url).pathname.endsWith("/results")) return inner(req);
    const headers = { "content-type": "application/x-jsonl" };
    if (body === "bytes") return new Response(text, { headers });
    const bytes = new TextEncoder().encode(text);
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.byteLength) return controller.close();
        controller.enqueue(bytes.slice(at, (at += piece)));
      },
    });
    return new Response(stream, { headers });
  });
}

describe("vaulted Anthropic results", () => {
  it.each(["pieces", "bytes"] as const)("are written as upstream wrote them, each custom_id once, native IDs scrubbed, the rest filled in (body read in %s)", async (body) => {
    const { create, pollUntilEnded } = batchClient();
    const batch = await create(["a", "b", "c", "d"].map((id) => textRequest(id, "Hi", HAIKU)));
    const nativeBatch = (await env.DB.prepare("SELECT native_id FROM batch_jobs WHERE batch_id = ?").bind(batch.id).first<string>("native_id"))!;
    // Escapes a serialiser would not write: the line is kept byte for byte.
    const succeeded = String.raw`{"custom_id":"a","result":{"type":"succeeded","message":{"id":"msg_1","type":"message","role":"assistant","model":"${HAIKU}","content":[{"type":"text","text":"caf\u00e9 \/ 日本"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":5}}}}`;
    const again = JSON.stringify({ custom_id: "a", result: { type: "canceled" } });
    const spaced = `  ${JSON.stringify({ custom_id: "b", result: { type: "canceled" } })}  `;
    const errored = JSON.stringify({ custom_id: "c", result: { type: "errored", error: { type: "error", error: { type: "api_error", message: `upstream ${nativeBatch} failed` } } } });
    serveResults([succeeded, again, spaced, "", errored].join("\r\n") + "\n", body);

    const ended = await pollUntilEnded(batch.id);

    const vaulted = await (await env.RESULTS.get(`batches/${batch.id}/results.jsonl`))!.text();
    expect(vaulted).toBe(
      [
        succeeded,
        JSON.stringify({ custom_id: "b", result: { type: "canceled" } }),
        JSON.stringify({ custom_id: "c", result: { type: "errored", error: { type: "error", error: { type: "api_error", message: `upstream ${batch.id} failed` } } } }),
        JSON.stringify({ custom_id: "d", result: { type: "expired" } }),
      ].join("\n") + "\n",
    );
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 1, errored: 1, canceled: 1, expired: 1 });
  });

  // Lines that end in a bare line feed, each as compact as a serialiser writes it: a read's
  // bytes are copied as they are, unless a line of the read is dropped or scrubbed.
  it.each([
    { name: "every line kept as it came", drop: false, scrub: false },
    { name: "a repeated custom_id dropped", drop: true, scrub: false },
    { name: "a native ID scrubbed", drop: false, scrub: true },
  ])("are written byte for byte from a body of bare line feeds: $name", async ({ drop, scrub }) => {
    const { create, pollUntilEnded } = batchClient();
    const batch = await create(["a", "b", "c", "d"].map((id) => textRequest(id, "Hi", HAIKU)));
    const nativeBatch = (await env.DB.prepare("SELECT native_id FROM batch_jobs WHERE batch_id = ?").bind(batch.id).first<string>("native_id"))!;
    const succeeded = String.raw`{"custom_id":"a","result":{"type":"succeeded","message":{"id":"msg_1","type":"message","role":"assistant","model":"${HAIKU}","content":[{"type":"text","text":"café \/ 日本 🙂"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":5}}}}`;
    const canceled = JSON.stringify({ custom_id: "b", result: { type: "canceled" } });
    const errored = (id: string) => JSON.stringify({ custom_id: "c", result: { type: "errored", error: { type: "error", error: { type: "api_error", message: `upstream ${id} failed` } } } });
    const upstream = [succeeded, errored(scrub ? nativeBatch : "job"), ...(drop ? [JSON.stringify({ custom_id: "a", result: { type: "expired" } })] : []), canceled];
    // The last line without its line feed: it is written with one.
    serveResults(upstream.join("\n"), "bytes");

    await pollUntilEnded(batch.id);

    const vaulted = await (await env.RESULTS.get(`batches/${batch.id}/results.jsonl`))!.text();
    const expired = JSON.stringify({ custom_id: "d", result: { type: "expired" } });
    expect(vaulted).toBe([succeeded, errored(scrub ? batch.id : "job"), canceled, expired].join("\n") + "\n");
  });
});

/** A succeeded line for `customId`, as Anthropic writes it. */
function succeededLine(customId: string): string {
  const message = { id: `msg_${customId}`, type: "message", role: "assistant", model: HAIKU, content: [{ type: "text", text: "Hi" }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 3, output_tokens: 5 } };
  return JSON.stringify({ custom_id: customId, result: { type: "succeeded", message } });
}

const expiredLine = (customId: string) => JSON.stringify({ custom_id: customId, result: { type: "expired" } });

async function vaultedText(batchId: string): Promise<string> {
  return (await (await env.RESULTS.get(`batches/${batchId}/results.jsonl`))!.text());
}

// The exactly-once check reads the custom_id lists back from R2 only when the results did not
// hold exactly the submitted custom_ids, which the batch's digest of them says.
describe("every submitted custom_id exactly once", () => {
  it("records the digest of the batch's custom_ids when it is created", async () => {
    const { create } = batchClient();
    const batch = await create(["a", "b", "c", "d"].map((id) => textRequest(id, "Hi", HAIKU)));
    const digest = new SetDigest();
    for (const id of ["d", "c", "b", "a"]) digest.add(id);
    expect(await env.DB.prepare("SELECT custom_ids_digest FROM batches WHERE id = ?").bind(batch.id).first("custom_ids_digest")).toBe(digest.toString());
  });

  it("writes the lines as they came when every request has one, without reading the lists back", async () => {
    const { create, pollUntilEnded } = batchClient();
    const batch = await create(["a", "b", "c", "d"].map((id) => textRequest(id, "Hi", HAIKU)));
    // A list that names a request the batch never had: were the lists read, it would get a line.
    const slots = await env.RESULTS.list({ prefix: `batches/${batch.id}/ids/` });
    const list = slots.objects[0]!.key;
    await env.RESULTS.put(list, `${await (await env.RESULTS.get(list))!.text()}\ne\t"${HAIKU}"`);
    serveResults(["d", "b", "a", "c"].map(succeededLine).join("\n") + "\n", "bytes");

    const ended = await pollUntilEnded(batch.id);

    expect(await vaultedText(batch.id)).toBe(["d", "b", "a", "c"].map(succeededLine).join("\n") + "\n");
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 4, errored: 0, canceled: 0, expired: 0 });
  });

  it("still fills in a request with no line when the results hold a custom_id no request had", async () => {
    const { create, pollUntilEnded } = batchClient();
    const batch = await create(["a", "b", "c", "d"].map((id) => textRequest(id, "Hi", HAIKU)));
    // As many lines as requests, one of them for a custom_id that was never submitted.
    serveResults(["a", "b", "c", "x"].map(succeededLine).join("\n") + "\n", "bytes");

    await pollUntilEnded(batch.id);

    expect(await vaultedText(batch.id)).toBe([...["a", "b", "c", "x"].map(succeededLine), expiredLine("d")].join("\n") + "\n");
  });

  it("reads the lists back for a batch created before digests were recorded", async () => {
    const { create, pollUntilEnded } = batchClient();
    const batch = await create(["a", "b", "c", "d"].map((id) => textRequest(id, "Hi", HAIKU)));
    await env.DB.prepare("UPDATE batches SET custom_ids_digest = NULL WHERE id = ?").bind(batch.id).run();
    // Every request answered, and a list that names one more: without a digest the lists are
    // read, and that one gets its line.
    const slots = await env.RESULTS.list({ prefix: `batches/${batch.id}/ids/` });
    const list = slots.objects[0]!.key;
    await env.RESULTS.put(list, `${await (await env.RESULTS.get(list))!.text()}\ne\t"${HAIKU}"`);
    serveResults(["c", "a", "d", "b"].map(succeededLine).join("\n") + "\n", "bytes");

    const ended = await pollUntilEnded(batch.id);

    expect(await vaultedText(batch.id)).toBe([...["c", "a", "d", "b"].map(succeededLine), expiredLine("e")].join("\n") + "\n");
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 4, errored: 0, canceled: 0, expired: 1 });
  });
});

describe("the custom_id lists", () => {
  it("are read back whole and in order, chunk after chunk, with their models", async () => {
    const vault = new ResultsVault(env.RESULTS);
    const chunks = [0, 1, 2].map((seq) => Array.from({ length: 3 }, (_, i) => ({ customId: `r${seq}-${i}`, model: seq === 1 ? 'odd "model"\tname' : HAIKU })));
    for (const [seq, entries] of chunks.entries()) await vault.putIds("msgbatch_ids", "slot#0", seq, entries);
    const entries: unknown[] = [];
    for await (const chunk of vault.ids("msgbatch_ids", "slot#0")) entries.push(chunk);
    expect(entries).toEqual(chunks);
    for await (const chunk of vault.ids("msgbatch_none", "slot#0")) expect.unreachable(`no list, yet ${JSON.stringify(chunk)}`);
  });
});

/** The size of each part uploaded through the bucket, in order. */
const partSizes: number[] = [];

/** A member of a binding object, bound to it (its methods refuse to run on a proxy). */
function bound(target: object, name: string | symbol): unknown {
  const value: unknown = Reflect.get(target, name, target);
  return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}

function recordingParts(bucket: R2Bucket): R2Bucket {
  return new Proxy(bucket, {
    get(target, name) {
      if (name !== "createMultipartUpload") return bound(target, name);
      return async (key: string, options?: R2MultipartOptions) => {
        const upload = await target.createMultipartUpload(key, options);
        return new Proxy(upload, {
          get(inner, member) {
            if (member !== "uploadPart") return bound(inner, member);
            return (n: number, value: Uint8Array) => {
              partSizes.push(value.byteLength);
              return inner.uploadPart(n, value);
            };
          },
        });
      };
    },
  });
}

describe("results written as text", () => {
  it("fill every part but the last to its size, a character cut between two parts", async () => {
    // 3,002 bytes a line ("x", 1,000 three-byte characters, a line feed): the first part ends
    // inside a character.
    const line = `x${"€".repeat(1000)}`;
    const lines = Array.from({ length: 3000 }, () => line);
    async function* pieces() {
      for (let at = 0; at < lines.length; at += 500) yield lines.slice(at, at + 500);
    }
    expect(((RESULTS_PART_BYTES % 3002) - 1) % 3).not.toBe(0);
    const vault = new ResultsVault(recordingParts(env.RESULTS));
    const size = 3000 * 3002;
    expect(await vault.writeResults("msgbatch_TEXT", pieces())).toBe(size);
    expect(partSizes).toEqual([RESULTS_PART_BYTES, size - RESULTS_PART_BYTES]);
    const object = await env.RESULTS.get("batches/msgbatch_TEXT/results.jsonl");
    expect(object!.size).toBe(size);
    expect(await object!.text()).toBe(lines.join("\n") + "\n");
  });
});

describe("results written as text, a piece at a time", () => {
  it("skip empty pieces and cut a character outside the BMP between two parts", async () => {
    // 4,002 bytes a line ("y", 1,000 four-byte characters, a line feed): the first part ends
    // inside a character that is two UTF-16 units long.
    const line = `y${"😀".repeat(1000)}`;
    expect(((RESULTS_PART_BYTES % 4002) - 1) % 4).not.toBe(0);
    const lines = Array.from({ length: 2500 }, () => line);
    async function* pieces() {
      yield [];
      for (let at = 0; at < lines.length; at += 700) {
        yield lines.slice(at, at + 700);
        yield [];
      }
    }
    partSizes.length = 0;
    const vault = new ResultsVault(recordingParts(env.RESULTS));
    const size = 2500 * 4002;
    expect(await vault.writeResults("msgbatch_ASTRAL", pieces())).toBe(size);
    expect(partSizes).toEqual([RESULTS_PART_BYTES, size - RESULTS_PART_BYTES]);
    expect(await (await env.RESULTS.get("batches/msgbatch_ASTRAL/results.jsonl"))!.text()).toBe(lines.join("\n") + "\n");
  });
});

describe("results written as text, a line feed at a part's edge", () => {
  it("puts a piece's last line feed in the next part when its text fills a part, and sends a part that line feed fills", async () => {
    const lines = [["a".repeat(RESULTS_PART_BYTES)], ["b".repeat(RESULTS_PART_BYTES - 2)], ["c"]];
    async function* pieces() {
      yield* lines;
    }
    partSizes.length = 0;
    const vault = new ResultsVault(recordingParts(env.RESULTS));
    const size = 2 * RESULTS_PART_BYTES + 2;
    expect(await vault.writeResults("msgbatch_EDGE", pieces())).toBe(size);
    expect(partSizes).toEqual([RESULTS_PART_BYTES, RESULTS_PART_BYTES, 2]);
    expect(await (await env.RESULTS.get("batches/msgbatch_EDGE/results.jsonl"))!.text()).toBe(lines.map(([line]) => `${line}\n`).join(""));
  });
});


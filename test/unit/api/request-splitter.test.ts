/**
 * A streamed create body (over 4 MiB) is split by a byte scan (src/api/request-splitter.ts),
 * and anything that is not the well-formed shape is handed to the streaming parser as if it
 * had read the body from the first byte: the requests read, and every refusal with its
 * positions, are the parser's own, however the body is cut into chunks.
 */
import { JSONParser } from "@streamparser/json";
import { describe, expect, it } from "vitest";
import { batchSource } from "../../../src/api/batch-body";
import { RequestSplitter } from "../../../src/api/request-splitter";

const request = (index: number, content = "x".repeat(4000)) => ({
  custom_id: `r-${index}`,
  params: { model: "claude-3-5-haiku-20241022", max_tokens: 16, messages: [{ role: "user", content: `${content} "é\\ ${index}` }] },
});
/** About 5 MB: streamed. */
const body = (pretty = false) => JSON.stringify({ requests: Array.from({ length: 1200 }, (_, index) => request(index, index % 3 ? "x".repeat(4000) : '\\"}]{[,'.repeat(500))) }, null, pretty ? 1 : undefined);
const CUTS = [[65_536], [4_096, 100_000, 7], [4_200_000, 1]];

function streamOf(bytes: Uint8Array, sizes: number[]): ReadableStream<Uint8Array> {
  let offset = 0;
  let turn = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      const size = sizes[turn++ % sizes.length]!;
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

/** The custom_ids read, then "end" or the refusal. */
async function readAll(bytes: Uint8Array, sizes: number[]): Promise<string[]> {
  const seen: string[] = [];
  try {
    const source = await batchSource(streamOf(bytes, sizes));
    for await (const request of source.requests()) seen.push(request.custom_id);
    seen.push("end");
  } catch (error) {
    seen.push(`${(error as { status?: number }).status} ${(error as Error).message}`);
  }
  return seen;
}

/** What the streaming parser alone says of the same chunks: its first error, if any. */
function parserError(bytes: Uint8Array, sizes: number[]): string | null {
  const parser = new JSONParser({ paths: ["$.requests.*"], keepStack: false });
  let error: string | null = null;
  parser.onValue = () => {};
  parser.onError = (failure) => (error ??= failure.message);
  let offset = 0;
  let turn = 0;
  while (offset < bytes.length && error === null) {
    const size = sizes[turn++ % sizes.length]!;
    parser.write(bytes.slice(offset, offset + size));
    offset += size;
  }
  if (error === null && !parser.isEnded) parser.end();
  return error;
}

const encode = (text: string) => new TextEncoder().encode(text);

describe("a streamed create body", { timeout: 120_000 }, () => {
  it.each(CUTS)("reads every request of a well-formed body, compact or pretty (chunks of %s…)", async (...sizes) => {
    const ids = Array.from({ length: 1200 }, (_, index) => `r-${index}`);
    expect(await readAll(encode(body()), sizes)).toEqual([...ids, "end"]);
    expect(await readAll(encode(`${body(true)}\n  `), sizes)).toEqual([...ids, "end"]);
  });

  const good = body();
  it.each([
    ["bytes after the end", `${good} x`],
    ["cut short", good.slice(0, good.length - 3)],
    ["two commas", good.replace('},{"custom_id":"r-1000"', '},,{"custom_id":"r-1000"')],
    ["an element that is not JSON", good.replace('"custom_id":"r-1100"', '"custom_id":r-1100')],
    ["a trailing comma", `${good.slice(0, -2)},]}`],
  ])("refuses %s with the streaming parser's own words, wherever the chunks are cut", async (_name, text) => {
    const bytes = encode(text);
    for (const sizes of CUTS) {
      const seen = await readAll(bytes, sizes);
      expect(seen.at(-1)).toBe(`400 The request body is not valid JSON (${parserError(bytes, sizes)}).`);
    }
  });

  it("refuses the same as before: another top-level key, a duplicate custom_id, invalid UTF-8", async () => {
    expect((await readAll(encode(`${good.slice(0, -1)},"x":1}`), [65_536])).at(-1)).toBe("400 x: Extra inputs are not permitted");
    expect((await readAll(encode(`{"x":1,${good.slice(1)}`), [65_536])).at(-1)).toBe("400 x: Extra inputs are not permitted");
    expect((await readAll(encode(good.replace('"r-900"', '"r-899"')), [65_536])).at(-1)).toMatch(/^400 requests\.900\.custom_id: duplicate custom_id "r-899"/);
    const broken = encode(good);
    broken[4_400_000] = 0xff;
    expect((await readAll(broken, [65_536])).at(-1)).toMatch(/^400 The request body is not valid JSON \(/);
  });
});

describe("a streamed create body of ASCII only (each chunk decoded once, each request sliced from it)", { timeout: 120_000 }, () => {
  // Escapes and brackets inside strings, and a request split across chunks at every cut.
  const ascii = JSON.stringify({ requests: Array.from({ length: 1200 }, (_, index) => request(index, index % 2 ? "y".repeat(4000) : '\\u00e9\\"}]{[,'.repeat(600))) }).replaceAll("é", "e");

  it.each(CUTS)("reads every request as JSON.parse reads it (chunks of %s…)", async (...sizes) => {
    expect(ascii.length).toBeGreaterThan(4_400_000);
    const source = await batchSource(streamOf(encode(ascii), sizes));
    const seen: unknown[] = [];
    for await (const item of source.requests()) seen.push({ custom_id: item.custom_id, params: item.params });
    expect(seen).toEqual((JSON.parse(ascii) as { requests: unknown[] }).requests);
  });

  it("refuses a byte that is not UTF-8 in an otherwise ASCII chunk, as the parser does", async () => {
    const broken = encode(ascii);
    broken[4_400_000] = 0x80;
    expect((await readAll(broken, [65_536])).at(-1)).toMatch(/^400 The request body is not valid JSON \(/);
  });
});

describe("RequestSplitter", () => {
  it("hands over, before the chunk it stopped at, as many bytes as came before it", () => {
    const splitter = new RequestSplitter();
    const first = encode('{ "requests" : [ {"a":1}, {"b":2},');
    expect(splitter.write(first)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(splitter.write(encode(" ,"))).toBeNull();
    const handed = splitter.handover()!;
    expect(handed.reduce((sum, piece) => sum + piece.byteLength, 0)).toBe(first.byteLength);
    expect(new TextDecoder().decode(handed[0])).toMatch(/^\{"requests":\[ +\{\},\{\},$/);
    expect(splitter.taken).toBe(2);
  });
});

describe("RequestSplitter: each value's own bytes", () => {
  it("keeps each element's bytes and counts its members (keys), also across chunks and with escapes", () => {
    const splitter = new RequestSplitter();
    const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
    expect(splitter.write(encode('{"requests":[ {"a":{"b:":1,"c":[{"d":"\\":"}]}} , {"e"'))).toEqual([{ a: { "b:": 1, c: [{ d: '":' }] } }]);
    expect(splitter.raws.map(decode)).toEqual(['{"a":{"b:":1,"c":[{"d":"\\":"}]}} ']);
    expect(splitter.members).toEqual([4]);
    expect(splitter.write(encode(':"é","e":2}]}'))).toEqual([{ e: 2 }]);
    expect(splitter.raws.map(decode)).toEqual(['{"e":"é","e":2}']);
    expect(splitter.members).toEqual([2]);
  });
});

describe("a streamed create body: the requests' own bytes", { timeout: 120_000 }, () => {
  /** Each request's raw bytes (decoded) or null, by custom_id. */
  async function rawsOf(text: string): Promise<Map<string, string | null>> {
    const source = await batchSource(streamOf(encode(text), [65_536]));
    const raws = new Map<string, string | null>();
    for await (const request of source.requests()) raws.set(request.custom_id, request.raw ? new TextDecoder().decode(request.raw) : null);
    return raws;
  }
  const params = (extra = "") => `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"${"x".repeat(3000)}"}]${extra}}`;
  const bodyOf = (special: string) =>
    `{"requests":[${Array.from({ length: 1500 }, (_, index) => (index === 700 ? special : `{"custom_id":"r-${index}","params":${params()}}`)).join(",")}]}`;

  it("are kept where they say exactly what the validated request says", async () => {
    const raws = await rawsOf(bodyOf(`{ "params" : ${params(',"top_k":2')},"custom_id":"r-700"}`));
    expect(raws.size).toBe(1500);
    expect(raws.get("r-0")).toBe(`{"custom_id":"r-0","params":${params()}}`);
    expect(raws.get("r-700")).toBe(`{ "params" : ${params(',"top_k":2')},"custom_id":"r-700"}`);
  });

  it.each([
    ["a key given twice", `{"custom_id":"r-700","params":${params(',"top_k":2,"top_k":3')}}`],
    ["a custom_id given twice", `{"custom_id":"x","custom_id":"r-700","params":${params()}}`],
    ["a null param dropped", `{"custom_id":"r-700","params":${params(',"temperature":null')}}`],
    ["a request only zod accepts (a __proto__ key)", `{"custom_id":"r-700","params":${params(',"__proto__":{"a":1}')}}`],
  ])("are not kept for %s (the request is serialised again)", async (_name, special) => {
    const raws = await rawsOf(bodyOf(special));
    expect(raws.get("r-700")).toBeNull();
    expect(raws.get("r-699")).not.toBeNull();
  });
});

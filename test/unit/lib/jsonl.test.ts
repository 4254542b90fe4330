/** JSON Lines over web streams (src/lib/jsonl.ts): lines however the bytes are cut, and the lock released. */
import { describe, expect, it } from "vitest";
import { readJsonLines, readLineChunks, readLines, toJsonLines } from "../../../src/lib/jsonl";
import { bodyText, chunkedStream, collect, rejectionOf, streamOf } from "../support/helpers";

const encode = (text: string) => new TextEncoder().encode(text);

describe("readLines", () => {
  const cases: Array<{ name: string; text: string; expected: string[] }> = [
    { name: "lines ending in \\n", text: "a\nb\nc\n", expected: ["a", "b", "c"] },
    { name: "no final line break", text: "a\nb", expected: ["a", "b"] },
    { name: "\\r\\n line endings", text: "a\r\nb\r\n", expected: ["a", "b"] },
    { name: "empty lines skipped", text: "\n\na\n\n\nb\n\n", expected: ["a", "b"] },
    { name: "an empty stream", text: "", expected: [] },
    { name: "multi-byte characters", text: "é\n日本語\n🙂\n", expected: ["é", "日本語", "🙂"] },
  ];

  it.each(cases)("$name, cut into pieces of any size", async ({ text, expected }) => {
    for (const piece of [1, 2, 5, 1 << 16]) {
      expect(await collect(readLines(chunkedStream(encode(text), piece)))).toEqual(expected);
    }
  });

  it("releases the stream's lock when the reader stops early", async () => {
    const body = streamOf("a\nb\nc\n");
    for await (const line of readLines(body)) if (line === "a") break;
    expect(body.locked).toBe(false);
  });
});

describe("readLineChunks", () => {
  it.each([1, 2, 5, 1 << 16])("gives every line once, in order, however the bytes are cut (pieces of %i bytes)", async (piece) => {
    const text = '{"a":1}\r\n\n  \n\t\n{"b":"é日本🙂"}\n[1]\n"s"\n \u00a0 \n{"c":3}';
    const chunks = await collect(readLineChunks(chunkedStream(encode(text), piece)));
    expect(chunks.flatMap((chunk) => chunk.texts)).toEqual(['{"a":1}', '{"b":"é日本🙂"}', "[1]", '"s"', '{"c":3}']);
    // No chunk is empty: a read that completed no line yields nothing.
    expect(chunks.every((chunk) => chunk.texts.length > 0)).toBe(true);
  });

  // A byte stream is read through a BYOB reader, 64 KiB at least a read: the same lines
  // however its source cuts the bytes, with the last bytes given with the end or before it.
  it.each([1, 7, 4096, 70_000, 1 << 20])("reads a byte stream (pieces of %i bytes) into the same lines", async (piece) => {
    const lines = Array.from({ length: 3000 }, (_, i) => `{"custom_id":"r${i}","t":"${"é日🙂".repeat(i % 7)}${"x".repeat(i % 97)}"}`);
    const text = `${lines.join("\r\n")}\n\n  \n${lines.slice(0, 3).join("\n")}`;
    const expected = [...lines, ...lines.slice(0, 3)];
    const chunks = await collect(readLineChunks(chunkedStream(encode(text), piece, { byteStream: true })));
    expect(chunks.flatMap((chunk) => chunk.texts)).toEqual(expected);
    expect(chunks.every((chunk) => chunk.texts.length > 0)).toBe(true);
    // Reads of at least 64 KiB: a few chunks, not one per piece.
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(encode(text).byteLength / 65_536) + 1);
  });

  it("reads a fetched body (a byte stream of the runtime's) into its lines", async () => {
    const text = Array.from({ length: 5000 }, (_, i) => `{"i":${i},"pad":"${"y".repeat(100)}"}`).join("\n");
    const chunks = await collect(readLineChunks(new Response(text).body!));
    expect(chunks.flatMap((chunk) => chunk.texts)).toEqual(text.split("\n"));
  });

  it("gives a byte stream's lines read before an error, then the error, and releases the lock", async () => {
    let sent = false;
    const body = new ReadableStream({
      type: "bytes",
      pull(controller) {
        if (sent) return controller.error(new Error("upstream cut"));
        sent = true;
        controller.enqueue(encode("a\nb\n"));
      },
    });
    const seen: string[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const chunk of readLineChunks(body)) seen.push(...chunk.texts);
      })(),
    );
    expect((error as Error).message).toBe("upstream cut");
    // The error came before 64 KiB were read: the lines of the bytes read before it are lost
    // with it, as a read that fails loses its chunk.
    expect(seen).toEqual([]);
    expect(body.locked).toBe(false);
  });

  it("releases a byte stream's lock when the reader stops early", async () => {
    const body = chunkedStream(encode("a\nb\nc\n".repeat(50_000)), 1000, { byteStream: true });
    for await (const chunk of readLineChunks(body)) if (chunk.texts.includes("a")) break;
    expect(body.locked).toBe(false);
  });

  it("hands out a chunk's lines together: one chunk for a body read at once", async () => {
    expect((await collect(readLineChunks(streamOf("a\nb\nc\n")))).map((chunk) => chunk.texts)).toEqual([["a", "b", "c"]]);
  });

  // The bytes a chunk hands out live in the reader's buffer until the next chunk: each is
  // copied as it comes, as the vault's writer copies it into its part.
  const withBytes = async (body: ReadableStream<Uint8Array>) => {
    const chunks: Array<{ texts: string[]; bytes?: string }> = [];
    for await (const { texts, bytes } of readLineChunks(body)) chunks.push({ texts, bytes: bytes && new TextDecoder().decode(bytes.slice()) });
    return chunks;
  };

  it.each([1, 7, 70_000])("hands out each chunk's bytes: its lines, a line feed after each (byte stream in pieces of %i bytes)", async (piece) => {
    const lines = Array.from({ length: 3000 }, (_, i) => `{"custom_id":"r${i}","t":"${"é日🙂".repeat(i % 7)}${"x".repeat(i % 97)}"}`);
    const text = `${lines.join("\n")}\n`;
    const chunks = await withBytes(chunkedStream(encode(text), piece, { byteStream: true }));
    for (const chunk of chunks) expect(chunk.bytes).toBe(chunk.texts.map((line) => `${line}\n`).join(""));
    expect(chunks.map((chunk) => chunk.bytes).join("")).toBe(text);
  });

  it.each([
    { name: "a carriage return", text: '{"a":1}\r\n{"b":2}\n' },
    { name: "a blank line", text: '{"a":1}\n\n{"b":2}\n' },
    { name: "a whitespace-only line", text: '{"a":1}\n \t\n{"b":2}\n' },
    { name: "a byte-order mark", text: '\ufeff{"a":1}\n{"b":2}\n' },
  ])("hands out no bytes for a chunk with $name (its lines are not the bytes)", async ({ text }) => {
    const chunks = await withBytes(streamOf(text));
    expect(chunks).toEqual([{ texts: ['{"a":1}', '{"b":2}'], bytes: undefined }]);
  });

  it("hands out the bytes of lines with a carriage return inside them or a U+FFFD of their own (the lines are the bytes)", async () => {
    const text = '{"a":1,\r"b":2}\n{"c":"\ufffd"}\n';
    expect(await withBytes(streamOf(text))).toEqual([{ texts: ['{"a":1,\r"b":2}', '{"c":"\ufffd"}'], bytes: text }]);
  });

  it("hands out no bytes for a chunk with a byte that is not UTF-8, nor for a last line without its line feed", async () => {
    const bad = new Uint8Array([...encode('{"a":"'), 0xff, ...encode('"}\n{"b":2}')]);
    expect(await withBytes(chunkedStream(bad, 1 << 16))).toEqual([
      { texts: ['{"a":"\ufffd"}'], bytes: undefined },
      { texts: ['{"b":2}'], bytes: undefined },
    ]);
  });

  it("reads a line longer than a read, whole", async () => {
    const long = `{"t":"${"z".repeat(300_000)}"}`;
    const text = `{"a":1}\n${long}\n{"b":2}\n`;
    const chunks = await withBytes(chunkedStream(encode(text), 65_536, { byteStream: true }));
    expect(chunks.flatMap((chunk) => chunk.texts)).toEqual(['{"a":1}', long, '{"b":2}']);
    expect(chunks.map((chunk) => chunk.bytes).join("")).toBe(text);
  });

  it("releases the stream's lock when the reader stops early", async () => {
    const body = chunkedStream(encode("a\nb\nc\n"), 2);
    for await (const chunk of readLineChunks(body)) if (chunk.texts.includes("a")) break;
    expect(body.locked).toBe(false);
  });
});

describe("readJsonLines", () => {
  it.each([1, 3, 1 << 16])("parses each line, skipping blank ones (pieces of %i bytes)", async (piece) => {
    const text = '{"custom_id":"a","n":1}\n  \n{"custom_id":"b","n":2}\r\n[1,2]\n"s"';
    expect(await collect(readJsonLines(chunkedStream(encode(text), piece)))).toEqual([{ custom_id: "a", n: 1 }, { custom_id: "b", n: 2 }, [1, 2], "s"]);
  });

  it("throws at a malformed line after yielding the lines before it, and releases the lock", async () => {
    const body = streamOf('{"a":1}\n{oops\n{"b":2}\n');
    const seen: unknown[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const row of readJsonLines(body)) seen.push(row);
      })(),
    );
    expect(error).toBeInstanceOf(SyntaxError);
    expect(seen).toEqual([{ a: 1 }]);
    expect(body.locked).toBe(false);
  });

  it("releases the lock on return(), and is done after it", async () => {
    const body = streamOf('{"a":1}\n{"b":2}\n');
    const rows = readJsonLines(body);
    expect(await rows.next()).toEqual({ done: false, value: { a: 1 } });
    await rows.return(undefined);
    expect(body.locked).toBe(false);
    expect(await rows.next()).toEqual({ done: true, value: undefined });
  });

  // As a generator's: a next() called while another is reading waits for it (this once
  // answered i:1, i:2, done, i:3).
  it("answers next() calls made before the previous one settled in order", async () => {
    const rows = readJsonLines(chunkedStream(encode('{"i":1}\n{"i":2}\n{"i":3}\n'), 2));
    const [first, second, third, fourth] = await Promise.all([rows.next(), rows.next(), rows.next(), rows.next()]);
    expect([first, second, third, fourth]).toEqual([
      { done: false, value: { i: 1 } },
      { done: false, value: { i: 2 } },
      { done: false, value: { i: 3 } },
      { done: true, value: undefined },
    ]);
  });

  it("answers overlapping calls in order around a malformed line: the rows before it, its error, then done; the lock released", async () => {
    const body = chunkedStream(encode('{"i":1}\n{oops\n{"i":3}\n'), 3);
    const rows = readJsonLines(body);
    const settled = await Promise.allSettled([rows.next(), rows.next(), rows.next()]);
    expect(settled[0]).toEqual({ status: "fulfilled", value: { done: false, value: { i: 1 } } });
    expect(settled[1]).toMatchObject({ status: "rejected", reason: expect.any(SyntaxError) });
    expect(settled[2]).toEqual({ status: "fulfilled", value: { done: true, value: undefined } });
    expect(body.locked).toBe(false);
  });

  it("a return() called while a next() is reading waits for it", async () => {
    const body = chunkedStream(encode('{"i":1}\n{"i":2}\n'), 2);
    const rows = readJsonLines(body);
    const [first, returned] = await Promise.all([rows.next(), rows.return(undefined)]);
    expect(first).toEqual({ done: false, value: { i: 1 } });
    expect(returned).toEqual({ done: true, value: undefined });
    expect(body.locked).toBe(false);
    expect(await rows.next()).toEqual({ done: true, value: undefined });
  });
});

describe("toJsonLines", () => {
  async function* values<T>(items: T[]): AsyncGenerator<T> {
    for (const item of items) yield item;
  }

  it("writes one JSON value per line, each ending in \\n", async () => {
    expect(await bodyText(new Response(toJsonLines(values([{ a: 1 }, "x", [1, 2], null]))))).toBe('{"a":1}\n"x"\n[1,2]\nnull\n');
  });

  it("writes nothing for no values", async () => {
    expect(await bodyText(new Response(toJsonLines(values([]))))).toBe("");
  });

  it("round-trips through readJsonLines, however many lines", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ custom_id: `r${i}`, text: "x".repeat(i % 50) }));
    expect(await collect(readJsonLines(toJsonLines(values(rows))))).toEqual(rows);
  });

  it("pulls values only as they are read, and stops the source when the stream is cancelled", async () => {
    let produced = 0;
    let finished = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) {
          produced++;
          yield { i, pad: "y".repeat(1000) };
        }
      } finally {
        finished = true;
      }
    }
    const reader = toJsonLines(source()).getReader();
    await reader.read();
    // One chunk holds about 64 KiB of lines: far from an unbounded source.
    expect(produced).toBeLessThan(200);
    await reader.cancel();
    expect(finished).toBe(true);
  });
});

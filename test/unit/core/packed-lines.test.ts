/**
 * Packed lines (src/core/packed-lines.ts): what goes in comes out byte for byte, in order; a
 * job's slabs grow from small to `SLAB_BYTES`; full-size slabs go back to the pool and are
 * reused, never showing what they held before.
 */
import { describe, expect, it } from "vitest";
import { MIN_SLAB_BYTES, PackedLines, SLAB_BYTES, SlabPool } from "../../../src/core/packed-lines";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Decoded as one text: a piece may end inside a line, even inside a character.
function joined(pieces: readonly Uint8Array[]): string {
  const bytes = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.byteLength, 0));
  let offset = 0;
  for (const piece of pieces) {
    bytes.set(piece, offset);
    offset += piece.byteLength;
  }
  return decoder.decode(bytes);
}

function line(index: number, size: number): string {
  const head = `{"custom_id":"r${index}","x":"`;
  return `${head}${"é".repeat(Math.max(0, Math.floor((size - head.length - 3) / 2)))}"}\n`;
}

describe("packed lines", () => {
  it.each([
    { case: "small lines", sizes: Array.from({ length: 500 }, (_, i) => 80 + (i % 13) * 37) },
    { case: "lines larger than a slab, between small ones", sizes: [100, SLAB_BYTES * 2 + 17, 300, SLAB_BYTES + 1, 5] },
    { case: "one line of exactly a slab", sizes: [SLAB_BYTES] },
  ])("gives back exactly the bytes appended, in order ($case)", ({ sizes }) => {
    const lines = new PackedLines(new SlabPool());
    const texts = sizes.map((size, index) => line(index, size));
    for (const text of texts) lines.append(encoder.encode(text));
    const pieces = lines.pieces();
    expect(joined(pieces)).toBe(texts.join(""));
    // Every piece but the last is a whole slab, so the pieces are few.
    for (const piece of pieces.slice(0, -1)) expect(piece.byteLength).toBe(piece.buffer.byteLength);
  });

  it("starts small and grows each slab to what the job holds so far, up to SLAB_BYTES: a job reserves at most about twice its bytes", () => {
    const lines = new PackedLines(new SlabPool());
    lines.append(encoder.encode(line(0, 600)));
    expect(lines.pieces().map((piece) => piece.buffer.byteLength)).toStrictEqual([MIN_SLAB_BYTES]);
    let bytes = 600;
    for (let index = 1; bytes < 1_000_000; index++) {
      const text = encoder.encode(line(index, 600));
      lines.append(text);
      bytes += text.byteLength;
    }
    const slabs = lines.pieces().map((piece) => piece.buffer.byteLength);
    expect(slabs.slice(0, 4)).toStrictEqual([MIN_SLAB_BYTES, MIN_SLAB_BYTES, 2 * MIN_SLAB_BYTES, 4 * MIN_SLAB_BYTES]);
    expect(Math.max(...slabs)).toBe(SLAB_BYTES);
    expect(slabs.reduce((sum, size) => sum + size, 0)).toBeLessThan(bytes + SLAB_BYTES);
  });

  it("gives full-size slabs back to the pool on release; the next job fills them, and shows none of what they held", () => {
    const pool = new SlabPool();
    const first = new PackedLines(pool);
    const firstTexts = Array.from({ length: 400 }, (_, i) => line(i, 700));
    for (const text of firstTexts) first.append(encoder.encode(text));
    const fullSlabs = first.pieces().map((piece) => piece.buffer).filter((buffer) => buffer.byteLength === SLAB_BYTES);
    expect(fullSlabs.length).toBeGreaterThan(1);
    first.release();
    expect(first.pieces()).toStrictEqual([]);

    const second = new PackedLines(pool);
    const secondTexts = Array.from({ length: 400 }, (_, i) => line(1000 + i, 300));
    for (const text of secondTexts) second.append(encoder.encode(text));
    const reused = second.pieces().map((piece) => piece.buffer).filter((buffer) => fullSlabs.includes(buffer));
    expect(reused.length).toBeGreaterThan(0);
    expect(joined(second.pieces())).toBe(secondTexts.join(""));
  });

  it("keeps only full-size slabs, and none once cleared", () => {
    const pool = new SlabPool();
    const small = new Uint8Array(MIN_SLAB_BYTES);
    const full = new Uint8Array(SLAB_BYTES);
    pool.give([small, full]);
    expect(pool.take(SLAB_BYTES)).toBe(full);
    expect(pool.take(SLAB_BYTES)).not.toBe(full);
    pool.give([full]);
    pool.clear();
    expect(pool.take(SLAB_BYTES)).not.toBe(full);
    expect(pool.take(MIN_SLAB_BYTES)).not.toBe(small);
  });
});

/**
 * Lines encoded into shared slabs (src/lib/line-encoder.ts) are the bytes TextEncoder gives,
 * and stay so while later lines are encoded.
 */
import { describe, expect, it } from "vitest";
import { encodeLine } from "../../../src/lib/line-encoder";

const encoder = new TextEncoder();

describe("encodeLine", () => {
  it("gives TextEncoder's bytes, for ASCII, multi-byte text, lone surrogates and long lines", () => {
    for (const text of ["", '{"a":1}\n', "é中😀\n", "\ud800x", "x".repeat(40_000), "😀".repeat(20_000)]) {
      expect(encodeLine(text)).toEqual(encoder.encode(text));
    }
  });

  it("never changes a line it gave, across slabs", () => {
    const texts = Array.from({ length: 3_000 }, (_, index) => `{"custom_id":"r-${index}","text":"${"é".repeat(index % 300)}"}\n`);
    const lines = texts.map((text) => encodeLine(text));
    lines.forEach((line, index) => expect(line).toEqual(encoder.encode(texts[index])));
  });
});

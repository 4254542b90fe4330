/** `coerceNumber` (src/lib/zod-coerce.ts) parses and fails exactly as zod/mini's `z.coerce.number()`. */
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import "../../../src/lib/zod-english";
import { coerceNumber } from "../../../src/lib/zod-coerce";

const inputs: unknown[] = ["20", "0", "-3.5", "1e3", "", " 7 ", "abc", "Infinity", "NaN", null, undefined, true, [], {}, 42, "0x10"];

describe("coerceNumber", () => {
  const pairs = [
    ["plain", () => coerceNumber(), () => z.coerce.number()],
    ["with an error message and checks", () => coerceNumber({ error: "must be an integer" }).check(z.int("must be an integer"), z.gte(1, "must be at least 1")), () => z.coerce.number({ error: "must be an integer" }).check(z.int("must be an integer"), z.gte(1, "must be at least 1"))],
    ["with zod's English messages", () => coerceNumber().check(z.int(), z.gte(1), z.lte(1000)), () => z.coerce.number().check(z.int(), z.gte(1), z.lte(1000))],
  ] as const;

  it.each(pairs)("%s: the same values and the same issues as z.coerce.number()", (_name, ours, zods) => {
    for (const input of inputs) {
      const a = ours().safeParse(input);
      const b = zods().safeParse(input);
      expect(a.success).toBe(b.success);
      expect(a.data).toEqual(b.data);
      expect(a.error?.issues).toEqual(b.error?.issues);
    }
  });

  it("coerces a query string's number", () => {
    expect(coerceNumber().check(z.int()).parse("20")).toBe(20);
    expect(coerceNumber({ error: "must be an integer" }).safeParse("x").error?.issues[0]?.message).toBe("must be an integer");
  });
});

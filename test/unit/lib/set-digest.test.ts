/** The order-independent digest of a set of strings (src/lib/set-digest.ts). */
import { describe, expect, it } from "vitest";
import { SetDigest } from "../../../src/lib/set-digest";

function digestOf(items: readonly string[]): string {
  const digest = new SetDigest();
  for (const item of items) digest.add(item);
  return digest.toString();
}

const IDS = Array.from({ length: 1000 }, (_, index) => `request-${index}`);

describe("SetDigest", () => {
  it("is the same in any order", () => {
    expect(digestOf([...IDS].reverse())).toBe(digestOf(IDS));
    expect(digestOf(["b", "a", "c"])).toBe(digestOf(["a", "b", "c"]));
  });

  it("says how many, and starts at nothing", () => {
    expect(digestOf([])).toBe("0.0.0");
    expect(digestOf(IDS).split(".")[0]).toBe("1000");
  });

  it.each([
    { name: "one replaced by another", other: [...IDS.slice(0, 999), "request-1000"] },
    { name: "one left out", other: IDS.slice(1) },
    { name: "one added", other: [...IDS, "extra"] },
    { name: "two swapping a character", other: ["request-10", "request-01", ...IDS.slice(2)] },
    { name: "the same characters in another order", other: [IDS[1]!.split("").reverse().join(""), ...IDS.slice(0, 1), ...IDS.slice(2)] },
  ])("differs for another set: $name", ({ other }) => {
    expect(digestOf(other)).not.toBe(digestOf(IDS));
  });

  it("differs for each of 100,000 sets that swap one ID for an unknown one", () => {
    const whole = digestOf(IDS);
    const seen = new Set<string>();
    for (let index = 0; index < 100; index++) {
      for (let unknown = 0; unknown < 1000; unknown++) {
        const other = [...IDS];
        other[index] = `unknown-${unknown}`;
        const digest = digestOf(other);
        expect(digest).not.toBe(whole);
        seen.add(digest);
      }
    }
    // And they differ from one another: no two of the swaps collide either.
    expect(seen.size).toBe(100_000);
  });
});

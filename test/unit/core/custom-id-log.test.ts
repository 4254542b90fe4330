/**
 * The custom_id log (src/core/custom-id-log.ts) keeps each slot's requests in order, writes
 * them in chunks of 10,000, and counts the requests of each model in the order models were
 * first seen, however slots and models alternate.
 */
import { describe, expect, it } from "vitest";
import { CustomIdLog } from "../../../src/core/custom-id-log";
import type { IdEntry, ResultsVault } from "../../../src/store/vault";

function recordingVault() {
  const puts: Array<{ slot: string; seq: number; entries: IdEntry[] }> = [];
  const vault = { putIds: async (_batch: string, slot: string, seq: number, entries: readonly IdEntry[]) => void puts.push({ slot, seq, entries: [...entries] }) };
  return { vault: vault as unknown as ResultsVault, puts };
}

describe("CustomIdLog", () => {
  it("writes each slot's entries in order, in chunks of 10,000, and counts requests per model in first-seen order", async () => {
    const { vault, puts } = recordingVault();
    const log = new CustomIdLog(vault, "b");
    let written = 0;
    for (let index = 0; index < 25_003; index++) {
      // Runs of one slot and model, then alternation every request.
      const slot = index < 12_000 ? "a#0" : index % 2 ? "a#0" : "b#0";
      const model = index < 12_000 ? "m-a" : index % 2 ? "m-a" : "m-b";
      const pending = log.add(slot, `r-${index}`, model);
      if (pending) {
        written++;
        await pending;
      }
    }
    expect(written).toBe(1);
    expect([...log.requestsByModel]).toStrictEqual([
      ["m-a", 18_501],
      ["m-b", 6_502],
    ]);
    await log.flush();
    const idsOf = (slot: string) => puts.filter((put) => put.slot === slot).flatMap((put) => put.entries.map((entry) => entry.customId));
    expect(puts.map((put) => [put.slot, put.seq, put.entries.length])).toStrictEqual([
      ["a#0", 0, 10_000],
      ["a#0", 1, 8_501],
      ["b#0", 0, 6_502],
    ]);
    expect(puts.every((put) => put.entries.every((entry) => entry.model === (put.slot === "a#0" ? "m-a" : "m-b")))).toBe(true);
    expect(idsOf("a#0")).toStrictEqual(Array.from({ length: 25_003 }, (_, index) => index).filter((index) => index < 12_000 || index % 2).map((index) => `r-${index}`));
    expect(idsOf("b#0")).toStrictEqual(Array.from({ length: 25_003 }, (_, index) => index).filter((index) => index >= 12_000 && index % 2 === 0).map((index) => `r-${index}`));
  });
});

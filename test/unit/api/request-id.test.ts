/**
 * Request IDs (src/api/middleware/request-id.ts) are drawn from a pool of random bytes
 * refilled every 64 IDs: each is still Anthropic-shaped and none repeats across refills.
 */
import { describe, expect, it } from "vitest";
import { newRequestId } from "../../../src/api/middleware/request-id";

describe("newRequestId", () => {
  it("gives req_ and 24 base58 characters, never the same twice, across many pool refills", () => {
    const ids = Array.from({ length: 1_000 }, () => newRequestId());
    for (const id of ids) expect(id).toMatch(/^req_[1-9A-HJ-NP-Za-km-z]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

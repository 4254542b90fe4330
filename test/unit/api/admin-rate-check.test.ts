/**
 * A key's `requests_per_minute` (src/api/admin.ts) is checked by a zod check, not `z.refine`:
 * every input gets the same issues (code, path, message) as the `z.refine` it replaced.
 */
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import "../../../src/lib/zod-english";
import { keyUpdateBody, newKeyBody } from "../../../src/api/admin";
import { RPM_TIERS } from "../../../src/core/limits";

/** The field as it was written with `z.refine` (src/api/admin.ts, session 6). */
const withRefine = z.strictObject({
  requests_per_minute: z.optional(
    z.nullable(
      z.number().check(
        z.int(),
        z.refine((value) => (RPM_TIERS as readonly number[]).includes(value), { message: `must be one of ${RPM_TIERS.join(", ")} (or null for no limit)` }),
      ),
    ),
  ),
});

const VALUES: unknown[] = [10, 60, 300, 1000, 5000, 7, 0, -10, 10.5, 7.5, 2 ** 60, Number.NaN, Number.POSITIVE_INFINITY, "10", null, undefined, true, [10], {}];

const issuesOf = (result: { success: boolean; error?: { issues: readonly { code: string; path: PropertyKey[]; message: string }[] } }) =>
  result.error?.issues.map(({ code, path, message }) => ({ code, path, message })) ?? [];

describe("requests_per_minute's check", () => {
  it.each(VALUES.map((value) => [String(value), value] as const))("%s: the same issues as z.refine gave", (_name, value) => {
    const expected = issuesOf(withRefine.safeParse({ requests_per_minute: value }));
    expect(issuesOf(keyUpdateBody.safeParse({ requests_per_minute: value }))).toEqual(expected);
    expect(issuesOf(newKeyBody.safeParse({ name: "k", requests_per_minute: value }))).toEqual(expected);
  });

  it("names the tiers", () => {
    expect(keyUpdateBody.safeParse({ requests_per_minute: 7 }).error?.issues[0]?.message).toBe("must be one of 10, 60, 300, 1000, 5000 (or null for no limit)");
  });
});

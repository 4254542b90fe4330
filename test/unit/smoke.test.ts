import { env } from "cloudflare:test";
import { expect, it } from "vitest";

it("has a migrated D1", async () => {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM files").first<{ n: number }>();
  expect(row?.n).toBe(0);
});

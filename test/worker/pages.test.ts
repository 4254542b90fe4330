/**
 * Keyset paging (src/store/pages.ts) on the real local D1: newest first, `after_id` walks to
 * older rows, `before_id` to newer ones, `has_more` from one extra row, the `where` kept.
 */
import { env } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pageSql, toPage, type PageQuery } from "../../src/store/pages";

const TABLE = "paging_probe";
/** Seven rows of one owner, oldest first (IDs sort by time, as gateway IDs do), and one of another owner. */
const IDS = ["item_01A", "item_01B", "item_01C", "item_01D", "item_01E", "item_01F", "item_01G"];

beforeAll(async () => {
  await env.DB.prepare(`CREATE TABLE IF NOT EXISTS ${TABLE} (id TEXT PRIMARY KEY, owner TEXT NOT NULL)`).run();
});

beforeEach(async () => {
  await env.DB.batch([
    env.DB.prepare(`DELETE FROM ${TABLE}`),
    ...IDS.map((id) => env.DB.prepare(`INSERT INTO ${TABLE} (id, owner) VALUES (?, 'o1')`).bind(id)),
    env.DB.prepare(`INSERT INTO ${TABLE} (id, owner) VALUES ('item_01DD', 'o2')`),
  ]);
});

async function page(query: PageQuery, owner = "o1"): Promise<{ ids: string[]; hasMore: boolean }> {
  const { sql, values, reversed } = pageSql(TABLE, "owner = ?", [owner], query);
  const { results } = await env.DB.prepare(sql).bind(...values).all<{ id: string }>();
  const { items, hasMore } = toPage(results, query.limit, reversed);
  return { ids: items.map((row) => row.id.slice(-1)), hasMore };
}

describe("pageSql and toPage on D1", () => {
  const cases: Array<{ name: string; query: PageQuery; ids: string; hasMore: boolean }> = [
    { name: "the first page, newest first", query: { limit: 3 }, ids: "GFE", hasMore: true },
    { name: "after_id: the next older rows", query: { limit: 3, afterId: "item_01E" }, ids: "DCB", hasMore: true },
    { name: "after_id near the end: what is left, no more", query: { limit: 3, afterId: "item_01B" }, ids: "A", hasMore: false },
    { name: "after_id with exactly limit rows left: no more", query: { limit: 2, afterId: "item_01C" }, ids: "BA", hasMore: false },
    { name: "after_id of the oldest row: an empty page", query: { limit: 3, afterId: "item_01A" }, ids: "", hasMore: false },
    { name: "before_id: the next newer rows, still newest first", query: { limit: 3, beforeId: "item_01C" }, ids: "FED", hasMore: true },
    { name: "before_id near the start: what is left, no more", query: { limit: 3, beforeId: "item_01E" }, ids: "GF", hasMore: false },
    { name: "before_id of the newest row: an empty page", query: { limit: 3, beforeId: "item_01G" }, ids: "", hasMore: false },
    { name: "a limit of every row: no more", query: { limit: 7 }, ids: "GFEDCBA", hasMore: false },
    { name: "a limit one short of every row: more", query: { limit: 6 }, ids: "GFEDCB", hasMore: true },
    { name: "a cursor that is no row's ID pages by order all the same", query: { limit: 2, afterId: "item_01DZ" }, ids: "DC", hasMore: true },
    { name: "before_id wins when both cursors are given", query: { limit: 2, beforeId: "item_01A", afterId: "item_01G" }, ids: "CB", hasMore: true },
  ];

  it.each(cases)("$name", async ({ query, ids, hasMore }) => {
    expect(await page(query)).toEqual({ ids: ids.split(""), hasMore });
  });

  it("keeps to the where clause (another owner's rows never show)", async () => {
    expect(await page({ limit: 10 }, "o2")).toEqual({ ids: ["D"], hasMore: false });
    // o2's row item_01DD sorts between D and E: o1's pages never hold it.
    expect(await page({ limit: 10 })).toEqual({ ids: "GFEDCBA".split(""), hasMore: false });
    expect(await page({ limit: 1, afterId: "item_01E" })).toEqual({ ids: ["D"], hasMore: true });
    const { sql, values } = pageSql(TABLE, "owner = ?", ["o1"], { limit: 1, afterId: "item_01E" });
    expect((await env.DB.prepare(sql).bind(...values).all<{ id: string }>()).results.map((row) => row.id)).toEqual(["item_01D", "item_01C"]);
  });

  it("walking after_id from the first page visits every row once, in order", async () => {
    const seen: string[] = [];
    let afterId: string | undefined;
    for (;;) {
      const { sql, values, reversed } = pageSql(TABLE, "owner = ?", ["o1"], { limit: 2, afterId });
      const { results } = await env.DB.prepare(sql).bind(...values).all<{ id: string }>();
      const { items, hasMore } = toPage(results, 2, reversed);
      seen.push(...items.map((row) => row.id));
      if (!hasMore) break;
      afterId = items.at(-1)!.id;
    }
    expect(seen).toEqual([...IDS].reverse());
  });

  it("binds the cursor and limit after the where clause's values", () => {
    expect(pageSql("files", "owner = ? AND state = ?", ["o1", "s"], { limit: 20, afterId: "file_x" })).toEqual({
      sql: "SELECT * FROM files WHERE owner = ? AND state = ? AND id < ? ORDER BY id DESC LIMIT ?",
      values: ["o1", "s", "file_x", 21],
      reversed: false,
    });
    expect(pageSql("files", "owner = ?", ["o1"], { limit: 5, beforeId: "file_y" })).toEqual({
      sql: "SELECT * FROM files WHERE owner = ? AND id > ? ORDER BY id ASC LIMIT ?",
      values: ["o1", "file_y", 6],
      reversed: true,
    });
  });
});

/**
 * The hot requests' cost in D1 round trips: a retrieve of an ended batch, a files
 * list, and auth with a virtual key, counted on the real local D1 through a counting wrapper.
 * Also what the isolate's caches must never do: keep a key the same isolate revoked, or a
 * batch the same isolate deleted.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/api/app";
import { ADAPTERS } from "../../src/providers/index";
import { BATCHES, type WireBatch } from "./support/batches";
import { fileForm } from "./support/files";
import { ADMIN, ADMIN_TOKEN, call, errorOf, GATEWAY } from "./support/gateway";
import { twoRequests } from "./support/requests";
import { json } from "./support/responses";
import { useFakes } from "./support/upstream";

const fakes = useFakes();
afterEach(() => {
  vi.restoreAllMocks();
});

/** A D1 database that counts round trips: each statement run, and each `batch`, is one. */
function countingDb(db: D1Database): { db: D1Database; trips: () => number } {
  let trips = 0;
  const originals = new WeakMap<object, D1PreparedStatement>();
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = new Proxy(statement, {
      get(target, property) {
        const value = Reflect.get(target, property) as unknown;
        if (typeof value !== "function") return value;
        if (property === "bind") return (...values: unknown[]) => wrap((value as (...v: unknown[]) => D1PreparedStatement).apply(target, values));
        if (property === "first" || property === "all" || property === "run" || property === "raw") {
          return (...args: unknown[]) => {
            trips++;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
    originals.set(wrapped, statement);
    return wrapped;
  };
  const counted = new Proxy(db, {
    get(target, property) {
      if (property === "prepare") return (sql: string) => wrap(target.prepare(sql));
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          trips++;
          return target.batch(statements.map((statement) => originals.get(statement) ?? statement));
        };
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: counted, trips: () => trips };
}

const app = createApp({ adapters: ADAPTERS });

function client(overrides: Record<string, unknown> = {}) {
  const counted = countingDb(env.DB);
  const fetchWith = (path: string, init: { method?: string; body?: unknown; key?: string | null; headers?: Record<string, string> } = {}) => {
    const headers = new Headers(init.headers);
    if (init.key !== null) headers.set("x-api-key", init.key ?? "any-key");
    headers.set("anthropic-version", "2023-06-01");
    let body: string | FormData | undefined;
    if (init.body instanceof FormData) body = init.body;
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers.set("content-type", "application/json");
    }
    return app.fetch(new Request(`${GATEWAY}${path}`, { method: init.method ?? "GET", headers, body }), { ...env, ...overrides, DB: counted.db });
  };
  /** D1 round trips of one call. */
  const tripsOf = async (path: string, init: Parameters<typeof fetchWith>[1] = {}) => {
    const before = counted.trips();
    const response = await fetchWith(path, init);
    await response.arrayBuffer();
    return { status: response.status, trips: counted.trips() - before };
  };
  return { fetch: fetchWith, tripsOf };
}

/** A batch created through `gateway`, as last retrieved: until it had ended, at most 10 times. */
async function endedBatch(gateway: ReturnType<typeof client>): Promise<WireBatch> {
  const created = await json<WireBatch>(await gateway.fetch(BATCHES, { method: "POST", body: { requests: twoRequests() } }));
  let seen: WireBatch;
  let reads = 0;
  do seen = await json<WireBatch>(await gateway.fetch(`${BATCHES}/${created.id}`));
  while (seen.processing_status !== "ended" && ++reads < 10);
  return seen;
}

/** The IDs a files list answers, in its order. */
async function fileIds(gateway: ReturnType<typeof client>, list: string): Promise<string[]> {
  return (await json<{ data: { id: string }[] }>(await gateway.fetch(list))).data.map((file) => file.id);
}

describe("D1 round trips per hot request", () => {
  it("a retrieve of an ended batch: one, then none while the isolate keeps it; a files list: one", async () => {
    const gateway = client();
    const created = await endedBatch(gateway);
    expect(created.processing_status).toBe("ended");
    expect(await gateway.tripsOf(`${BATCHES}/${created.id}`)).toEqual({ status: 200, trips: 1 });
    expect(await gateway.tripsOf(`${BATCHES}/${created.id}`)).toEqual({ status: 200, trips: 0 });
    expect(await gateway.tripsOf("/anthropic/v1/files")).toEqual({ status: 200, trips: 1 });
  });

  it("a files list: one round trip, then none while the isolate keeps it; an upload or a delete here shows at once", async () => {
    const gateway = client();
    const list = "/anthropic/v1/files?limit=7";
    expect(await gateway.tripsOf(list)).toEqual({ status: 200, trips: 1 });
    expect(await gateway.tripsOf(list)).toEqual({ status: 200, trips: 0 });
    const uploaded = await json<{ id: string }>(await gateway.fetch("/anthropic/v1/files", { method: "POST", body: fileForm("kept.txt", "hello") }));
    const ids = () => fileIds(gateway, list);
    expect(await ids()).toContain(uploaded.id);
    expect((await gateway.fetch(`/anthropic/v1/files/${uploaded.id}`, { method: "DELETE" })).status).toBe(200);
    expect(await ids()).not.toContain(uploaded.id);
  });

  it("a file written by another isolate shows in this isolate's list within a second", async () => {
    const gateway = client();
    const list = "/anthropic/v1/files?limit=9";
    const ids = () => fileIds(gateway, list);
    const before = await ids();
    // Another isolate's upload: the row appears in D1 without this isolate's store seeing the write.
    const uploaded = await json<{ id: string }>(await gateway.fetch("/anthropic/v1/files", { method: "POST", body: fileForm("elsewhere.txt", "hello") }));
    const row = await env.DB.prepare("SELECT * FROM files WHERE id = ?").bind(uploaded.id).first<Record<string, unknown>>();
    await env.DB.prepare("DELETE FROM files WHERE id = ?").bind(uploaded.id).run();
    expect(await ids()).toEqual(before);
    const columns = Object.keys(row!);
    await env.DB.prepare(`INSERT INTO files (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`)
      .bind(...columns.map((column) => row![column]))
      .run();
    expect(await ids()).toEqual(before);
    const now = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(now + 1_001);
    expect(await ids()).toEqual([uploaded.id, ...before]);
  });

  it("a batch this isolate deleted is gone at once, though it was kept", async () => {
    const gateway = client();
    const created = await endedBatch(gateway);
    expect((await gateway.tripsOf(`${BATCHES}/${created.id}`)).status).toBe(200);
    expect((await gateway.fetch(`${BATCHES}/${created.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await gateway.fetch(`${BATCHES}/${created.id}`)).status).toBe(404);
  });

  it("auth with a virtual key: no D1 round trip once this isolate knows the key; a revocation here takes effect at once", async () => {
    const gateway = client({ ADMIN_TOKEN });
    const created = await json<{ id: string; key: string }>(await gateway.fetch("/admin/keys", { method: "POST", body: { name: "hot" }, key: null, headers: ADMIN }));
    // The first call looks the key up (KV, then D1) and reads the list; the second finds both in the isolate.
    expect((await gateway.tripsOf("/anthropic/v1/files", { key: created.key })).status).toBe(200);
    expect(await gateway.tripsOf("/anthropic/v1/files", { key: created.key })).toEqual({ status: 200, trips: 0 });
    expect((await gateway.fetch(`/admin/keys/${created.id}`, { method: "DELETE", key: null, headers: ADMIN })).status).toBe(200);
    expect((await gateway.tripsOf("/anthropic/v1/files", { key: created.key })).status).toBe(401);
  });
});

describe("answers kept in the isolate are the answers D1 would give", () => {
  it("a files list answered from the isolate: the same body and headers as the first answer, its own request-id", async () => {
    const gateway = client();
    for (const name of ["one.txt", "two.txt", "three.txt"]) {
      expect((await gateway.fetch("/anthropic/v1/files", { method: "POST", body: fileForm(name, name) })).status).toBe(200);
    }
    const list = "/anthropic/v1/files?limit=2";
    const first = await gateway.fetch(list);
    const firstBody = await first.text();
    const kept = await gateway.fetch(list);
    expect(await kept.text()).toBe(firstBody);
    expect(kept.status).toBe(200);
    expect(kept.headers.get("content-type")).toBe("application/json");
    expect(kept.headers.get("request-id")).toMatch(/^req_[1-9A-HJ-NP-Za-km-z]{24}$/);
    expect(kept.headers.get("request-id")).not.toBe(first.headers.get("request-id"));
    const page = JSON.parse(firstBody) as { data: { id: string }[]; has_more: boolean; last_id: string; next_page: string | null };
    expect(page.data).toHaveLength(2);
    expect(page.has_more).toBe(true);
    expect(page.next_page).toMatch(/^page_/);
    // Paging backwards names no next page, also when the page before it is kept.
    const before = `/anthropic/v1/files?limit=2&before_id=${page.last_id}`;
    for (let round = 0; round < 2; round++) {
      expect((await json<{ next_page: string | null }>(await gateway.fetch(before))).next_page).toBeNull();
    }
    // Another limit is another page, though the query before it was parsed and kept.
    expect((await json<{ data: unknown[] }>(await gateway.fetch("/anthropic/v1/files?limit=1"))).data).toHaveLength(1);
    expect((await json<{ data: unknown[] }>(await gateway.fetch(list))).data).toHaveLength(2);
  });

  it("a bad list query is refused every time, not only the first", async () => {
    for (let round = 0; round < 2; round++) {
      expect(await errorOf(await call("/anthropic/v1/files?limit=0"))).toMatchObject({ status: 400, type: "invalid_request_error", message: "limit: must be at least 1" });
    }
  });

  it("a kept ended batch names the results URL of the origin each retrieve came through", async () => {
    const gateway = client();
    const ended = await endedBatch(gateway);
    expect(ended.processing_status).toBe("ended");
    const through = async (origin: string) => {
      const headers = new Headers({ "x-api-key": "any-key", "anthropic-version": "2023-06-01" });
      const response = await app.fetch(new Request(`${origin}${BATCHES}/${ended.id}`, { headers }), env);
      return json<WireBatch>(response);
    };
    for (const origin of [GATEWAY, "http://other.test", GATEWAY]) {
      expect((await through(origin)).results_url).toBe(`${origin}${BATCHES}/${ended.id}/results`);
    }
  });

  it("each request forwards its own anthropic-beta upstream, though the services for each value are built once", async () => {
    const upload = (betas: string | null) =>
      call("/anthropic/v1/files", { method: "POST", body: fileForm("beta.txt", "hello"), ...(betas === null ? {} : { headers: { "anthropic-beta": betas } }) });
    for (const betas of ["pdfs-2024-09-25", null, "pdfs-2024-09-25", "context-1m-2025-08-07"]) {
      expect((await upload(betas)).status).toBe(200);
    }
    const sent = fakes.anthropic.calls.filter((c) => c.path === "/v1/files" && c.method === "POST").map((c) => c.headers["anthropic-beta"]);
    expect(sent.slice(-4)).toEqual(["pdfs-2024-09-25,files-api-2025-04-14", "files-api-2025-04-14", "pdfs-2024-09-25,files-api-2025-04-14", "context-1m-2025-08-07,files-api-2025-04-14"]);
  });
});

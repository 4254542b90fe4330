/**
 * Issue 11: closed by default once ADMIN_TOKEN is set, a weak admin token refused, the admin
 * API rate limited per client address, revocation that wins over a lookup in flight, limits
 * per key, and an Idempotency-Key bound to its body.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { closedGateway } from "../../src/core/admin-token";
import { createKey, identify, revokeKey, type KeyCache } from "../../src/core/keys";
import { KeyStore } from "../../src/store/keys";
import { NO_LIMITS } from "../../src/domain/virtual-key";
import { BATCHES, type WireBatch } from "./support/batches";
import { ADMIN, ADMIN_TOKEN, call, callWithEnv, errorOf, useClosedGateway } from "./support/gateway";
import { textRequest, twoRequests } from "./support/requests";
import { json } from "./support/responses";
import { useFakes } from "./support/upstream";

const fakes = useFakes();
afterEach(() => vi.restoreAllMocks());

async function newKey(body: Record<string, unknown>) {
  return json<{ id: string; key: string; requests_per_minute: number | null; max_batches_in_progress: number | null; monthly_budget_usd: number | null }>(
    await call("/admin/keys", { method: "POST", body, key: null, headers: ADMIN }),
  );
}

describe("the key model", () => {
  it("without ADMIN_TOKEN accepts any key, all callers sharing one owner", async () => {
    const batch = await json<WireBatch>(await callWithEnv({ ADMIN_TOKEN: undefined }, BATCHES, { method: "POST", body: { requests: twoRequests() }, key: "alice" }));
    const seen = await callWithEnv({ ADMIN_TOKEN: undefined }, `${BATCHES}/${batch.id}`, { key: "bob" });
    expect(seen.status).toBe(200);
  });

  it("with ADMIN_TOKEN accepts only virtual keys from the first request, and caches no refusal", async () => {
    const closed = { ADMIN_TOKEN };
    expect(await errorOf(await callWithEnv(closed, "/anthropic/v1/files", { key: "anything" }))).toMatchObject({ status: 401, type: "authentication_error" });
    expect((await env.AUTH_CACHE.list()).keys).toEqual([]);
    // A key made now works at once: nothing remembered that no key existed.
    const created = await json<{ key: string }>(await callWithEnv(closed, "/admin/keys", { method: "POST", body: { name: "first" }, key: null, headers: ADMIN }));
    expect((await callWithEnv(closed, "/anthropic/v1/files", { key: created.key })).status).toBe(200);
    expect(await errorOf(await callWithEnv(closed, "/anthropic/v1/files", { key: "anything" }))).toMatchObject({ status: 401 });
  });

  it("refuses every admin call while ADMIN_TOKEN is shorter than 32 characters, with a log line, and stays closed", async () => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void errors.push(args.join(" ")));
    const weak = { ADMIN_TOKEN: "short-admin-token" };
    for (const [method, path, body] of [
      ["GET", "/admin/keys", undefined],
      ["POST", "/admin/keys", { name: "k" }],
      ["PATCH", "/admin/keys/vkey_x", { max_batches_in_progress: 1 }],
      ["DELETE", "/admin/keys/vkey_x", undefined],
    ] as const) {
      const res = await callWithEnv(weak, path, { method, body, key: null, headers: { authorization: "Bearer short-admin-token" } });
      expect(await errorOf(res)).toMatchObject({
        status: 500,
        type: "api_error",
        message: "The admin API is disabled: ADMIN_TOKEN is shorter than 32 characters. Set a longer one (for example `openssl rand -hex 32`).",
      });
    }
    expect(errors).toHaveLength(4);
    expect(errors[0]).toContain("ADMIN_TOKEN is 17 characters long; at least 32 are required");
    expect(errors.join("\n")).not.toContain("short-admin-token");
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM virtual_keys").first("n")).toBe(0);
    // The Anthropic routes stay closed: only virtual keys, and none can be made.
    expect(await errorOf(await callWithEnv(weak, "/anthropic/v1/files", { key: "anything" }))).toMatchObject({ status: 401 });
    expect(closedGateway(weak)).toBe(true);
  });

  it("rate limits the admin API per client address (CF-Connecting-IP), before the token is checked", async () => {
    const closed = { ADMIN_TOKEN };
    const from = (ip: string, authorization = ADMIN.authorization) => callWithEnv(closed, "/admin/keys", { key: null, headers: { authorization, "cf-connecting-ip": ip } });
    // wrangler.toml: ADMIN_RATE_LIMIT allows 30 calls a minute; guesses count too.
    for (let i = 0; i < 30; i++) expect((await from("198.51.100.7", i % 2 ? ADMIN.authorization : "Bearer guess")).status).not.toBe(429);
    const limited = await from("198.51.100.7");
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(limited.headers.get("x-should-retry")).toBeNull();
    expect(await errorOf(limited)).toMatchObject({ status: 429, type: "rate_limit_error" });
    expect((await from("198.51.100.8")).status).toBe(200);
  });
});

describe("revocation", () => {
  useClosedGateway();

  it("wins over a key lookup in flight: the lookup does not write the revoked key back into the cache", async () => {
    const store = new KeyStore(env.DB);
    const cache = env.AUTH_CACHE as unknown as KeyCache;
    const { key, secret } = await createKey(store, { name: "racing", providers: null, models: null, limits: NO_LIMITS });
    // The lookup reads D1 (key active), then the revocation lands, then the lookup goes on.
    let revoked = false;
    const racing = Object.assign(Object.create(store) as KeyStore, {
      async findActive(hash: string) {
        const found = await store.findActive(hash);
        if (!revoked) {
          revoked = true;
          await revokeKey(store, cache, key.id);
        }
        return found;
      },
    });
    await expect(identify(racing, cache, secret, true)).rejects.toMatchObject({ status: 401 });
    expect((await env.AUTH_CACHE.list()).keys).toEqual([]);
    await expect(identify(store, cache, secret, true)).rejects.toMatchObject({ status: 401 });
  });

  it("drops a cached key when its limits change, here and now", async () => {
    const { id, key } = await newKey({ name: "k" });
    expect((await call("/anthropic/v1/files", { key })).status).toBe(200);
    expect((await env.AUTH_CACHE.list()).keys).toHaveLength(1);
    expect((await call(`/admin/keys/${id}`, { method: "PATCH", body: { max_batches_in_progress: 2 }, key: null, headers: ADMIN })).status).toBe(200);
    expect((await env.AUTH_CACHE.list()).keys).toEqual([]);
  });
});

describe("limits per key", () => {
  useClosedGateway();

  it("are set at creation and with PATCH, shown, and checked", async () => {
    const created = await newKey({ name: "k", requests_per_minute: 60, max_batches_in_progress: 3, monthly_budget_usd: 25.5 });
    expect(created).toMatchObject({ requests_per_minute: 60, max_batches_in_progress: 3, monthly_budget_usd: 25.5 });
    const patched = await json(await call(`/admin/keys/${created.id}`, { method: "PATCH", body: { requests_per_minute: null, max_batches_in_progress: 5 }, key: null, headers: ADMIN }));
    expect(patched).toMatchObject({ id: created.id, requests_per_minute: null, max_batches_in_progress: 5, monthly_budget_usd: 25.5 });
    const listed = (await (await call("/admin/keys", { key: null, headers: ADMIN })).json()) as { data: unknown[] };
    expect(listed.data[0]).toEqual(patched);
    expect(await errorOf(await call(`/admin/keys/${created.id}`, { method: "PATCH", body: { requests_per_minute: 61 }, key: null, headers: ADMIN }))).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message: "requests_per_minute: must be one of 10, 60, 300, 1000, 5000 (or null for no limit)",
    });
    expect(await errorOf(await call(`/admin/keys/${created.id}`, { method: "PATCH", body: { max_batches_in_progress: 0 }, key: null, headers: ADMIN }))).toMatchObject({ status: 400 });
    expect(await errorOf(await call(`/admin/keys/${created.id}`, { method: "PATCH", body: { name: "x" }, key: null, headers: ADMIN }))).toMatchObject({ status: 400 });
    expect(await errorOf(await call(`/admin/keys/vkey_nope`, { method: "PATCH", body: {}, key: null, headers: ADMIN }))).toMatchObject({ status: 404 });
  });

  it("answers requests over the per-minute limit with 429 and retry-after, creating nothing upstream", async () => {
    const { key } = await newKey({ name: "slow", requests_per_minute: 10 });
    for (let i = 0; i < 10; i++) expect((await call(BATCHES, { key })).status).toBe(200);
    const limited = await call(BATCHES, { method: "POST", body: { requests: twoRequests() }, key });
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(await errorOf(limited)).toMatchObject({ status: 429, type: "rate_limit_error", message: "This API key may make 10 requests per minute; retry after 60 seconds." });
    expect(fakes.anthropic.calls).toEqual([]);
    // Counted per key: another key is not slowed.
    const other = await newKey({ name: "other", requests_per_minute: 10 });
    expect((await call(BATCHES, { key: other.key })).status).toBe(200);
  });

  it("refuses a batch over the limit of batches in progress with 429 and retry-after, creating nothing upstream", async () => {
    const { id, key } = await newKey({ name: "one-at-a-time", max_batches_in_progress: 1 });
    await json(await call(BATCHES, { method: "POST", body: { requests: twoRequests() }, key }));
    const upstreamBefore = fakes.anthropic.calls.length;
    const refused = await call(BATCHES, { method: "POST", body: { requests: twoRequests() }, key });
    expect(refused.headers.get("retry-after")).toBe("60");
    // The SDKs would wait out retry-after twice: a limit that lifts only when a batch ends says not to.
    expect(refused.headers.get("x-should-retry")).toBe("false");
    expect(await errorOf(refused)).toMatchObject({
      status: 429,
      type: "rate_limit_error",
      message: "This API key may have 1 message batches in progress at once; wait for one to end (or cancel one) and retry.",
    });
    expect(fakes.anthropic.calls.length).toBe(upstreamBefore);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM batches").first("n")).toBe(1);
    // Another key's batches do not count.
    const other = await newKey({ name: "other", max_batches_in_progress: 1 });
    await json(await call(BATCHES, { method: "POST", body: { requests: twoRequests() }, key: other.key }));
    await call(`/admin/keys/${id}`, { method: "PATCH", body: { max_batches_in_progress: 2 }, key: null, headers: ADMIN });
    await json(await call(BATCHES, { method: "POST", body: { requests: twoRequests() }, key }));
  });
});

describe("a monthly budget per key", () => {
  useClosedGateway();
  // A dollar a token, so that two small requests cost more than the budget.
  const priced = { MODEL_PRICES: JSON.stringify({ "anthropic/claude-3-5-haiku-20241022": { input: 1_000_000, output: 1_000_000 } }) };
  const as = (key: string, path: string, options: { method?: string; body?: unknown } = {}) => callWithEnv(priced, path, { ...options, key });

  it("refuses creates with 429 and retry-after once the key's finished batches this month cost it, creating nothing upstream", async () => {
    const { id, key } = await newKey({ name: "budgeted", monthly_budget_usd: 3 });
    const first = await json<WireBatch>(await as(key, BATCHES, { method: "POST", body: { requests: twoRequests() } }));
    let seen: WireBatch;
    do seen = await json<WireBatch>(await as(key, `${BATCHES}/${first.id}`));
    while (seen.processing_status !== "ended");
    const usage = await json<{ cost_usd: number }>(await as(key, `${BATCHES}/${first.id}/usage`));
    expect(usage.cost_usd).toBeGreaterThanOrEqual(3);

    const upstreamBefore = fakes.anthropic.calls.length;
    const refused = await as(key, BATCHES, { method: "POST", body: { requests: twoRequests() } });
    const now = new Date();
    const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(refused.headers.get("x-should-retry")).toBe("false");
    expect(Math.abs(retryAfter - (nextMonth - now.getTime()) / 1000)).toBeLessThan(60);
    expect(await errorOf(refused)).toMatchObject({
      status: 429,
      type: "rate_limit_error",
      message: `This API key has spent its monthly budget: $${usage.cost_usd.toFixed(2)} of $3.00 this month (UTC), counted from finished batches. It resets at ${new Date(nextMonth).toISOString()}.`,
    });
    expect(fakes.anthropic.calls.length).toBe(upstreamBefore);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM batches").first("n")).toBe(1);

    // Another key's spending does not count, and a raised budget lets the key go on.
    const other = await newKey({ name: "other", monthly_budget_usd: 3 });
    expect((await as(other.key, BATCHES, { method: "POST", body: { requests: twoRequests() } })).status).toBe(200);
    await callWithEnv(priced, `/admin/keys/${id}`, { method: "PATCH", body: { monthly_budget_usd: 1000 }, key: null, headers: ADMIN });
    expect((await as(key, BATCHES, { method: "POST", body: { requests: twoRequests() } })).status).toBe(200);
  });

  it("counts only batches that ended this calendar month (UTC)", async () => {
    const { id, key } = await newKey({ name: "last-month", monthly_budget_usd: 3 });
    const first = await json<WireBatch>(await as(key, BATCHES, { method: "POST", body: { requests: twoRequests() } }));
    let seen: WireBatch;
    do seen = await json<WireBatch>(await as(key, `${BATCHES}/${first.id}`));
    while (seen.processing_status !== "ended");
    // The same batch, had it ended before this month began, is last month's spending.
    const now = new Date();
    const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) - 1000).toISOString();
    await env.DB.prepare("UPDATE batches SET ended_at = ? WHERE id = ?").bind(lastMonth, first.id).run();
    expect((await as(key, BATCHES, { method: "POST", body: { requests: twoRequests() } })).status).toBe(200);
    expect(id).toMatch(/^vkey_/);
  });
});

describe("Idempotency-Key", () => {
  const create = (body: unknown, idempotencyKey = "idem-1") => call(BATCHES, { method: "POST", body, headers: { "idempotency-key": idempotencyKey } });

  it("answers a replay with the same body with the same batch, and one with another body with 409", async () => {
    const first = await json<WireBatch>(await create({ requests: twoRequests() }));
    const again = await json<WireBatch>(await create({ requests: twoRequests() }));
    expect(again.id).toBe(first.id);
    const upstreamBefore = fakes.anthropic.calls.length;
    const other = await create({ requests: [textRequest("another", "Something else?", "claude-3-5-haiku-20241022")] });
    expect(await errorOf(other)).toEqual({
      status: 409,
      type: "conflict_error",
      message: `This Idempotency-Key was already used to create message batch ${first.id} with a different request body; use a new Idempotency-Key for a different batch.`,
      requestId: expect.any(String),
    });
    expect(fakes.anthropic.calls.length).toBe(upstreamBefore);
    expect((await json<WireBatch>(await create({ requests: twoRequests() }, "idem-2"))).id).not.toBe(first.id);
  });

  it("compares a streamed body (over 4 MiB) too, reading it without sending anything upstream", async () => {
    const big = (text: string) => JSON.stringify({ requests: [textRequest("big", text.repeat(4.5 * 1024 * 1024 / text.length), "claude-3-5-haiku-20241022"), ...twoRequests()] });
    const body = big("a");
    const first = await json<WireBatch>(await create(body, "idem-big"));
    const upstreamBefore = fakes.anthropic.calls.length;
    expect((await json<WireBatch>(await create(body, "idem-big"))).id).toBe(first.id);
    expect(await errorOf(await create(big("b"), "idem-big"))).toMatchObject({ status: 409, type: "conflict_error" });
    // A small body replayed on a key first used with a big one.
    expect(await errorOf(await create({ requests: twoRequests() }, "idem-big"))).toMatchObject({ status: 409, type: "conflict_error" });
    expect(fakes.anthropic.calls.length).toBe(upstreamBefore);
  });
});

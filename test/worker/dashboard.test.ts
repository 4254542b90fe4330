/**
 * The dashboard over the Worker: sign-in and its session cookie, CSRF refusals, escaping of
 * hostile values, and the same tenancy as the API.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SESSION_SECONDS } from "../../src/core/sessions";
import type { Viewer } from "../../src/core/sessions";
import { BatchPage } from "../../src/dashboard/pages/batch";
import { sha256Hex } from "../../src/lib/crypto";
import { BATCHES, type WireBatch } from "./support/batches";
import { Browser, hiddenCsrf } from "./support/browser";
import { uploadFile } from "./support/files";
import { ADMIN, ADMIN_TOKEN, call, callWithEnv, useClosedGateway } from "./support/gateway";
import { twoRequests } from "./support/requests";
import { json } from "./support/responses";
import { useFakes } from "./support/upstream";

useFakes();
// A closed gateway (ADMIN_TOKEN set), as deployed: `call` and every Browser run with it.
useClosedGateway();

async function newKey(name: string) {
  return json<{ id: string; key: string }>(await call("/admin/keys", { method: "POST", body: { name }, key: null, headers: ADMIN }));
}

async function signedIn(key: string): Promise<Browser> {
  const browser = new Browser();
  const answer = await browser.signIn(key);
  expect(answer.status, answer.html).toBe(303);
  return browser;
}

function cookieLine(setCookies: string[], name: string): string {
  const line = setCookies.find((cookie) => cookie.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie in ${JSON.stringify(setCookies)}`);
  return line;
}

describe("dashboard sign-in and session cookie", () => {
  it("signs the admin in with a cookie that is HttpOnly, Secure, SameSite=Strict and holds only a random ID", async () => {
    const browser = new Browser();
    const answer = await browser.signIn(ADMIN_TOKEN);
    expect(answer.status).toBe(303);
    expect(answer.headers.get("location")).toBe("/dashboard");
    const line = cookieLine(answer.setCookies, "bb_session");
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; Secure/);
    expect(line).toMatch(/; SameSite=Strict/);
    expect(line).toMatch(/; Path=\/dashboard/);
    expect(line).toMatch(new RegExp(`; Max-Age=${SESSION_SECONDS}`));
    const id = browser.cookies.get("bb_session")!;
    expect(id).toMatch(/^[1-9A-HJ-NP-Za-km-z]{44}$/);
    expect(line).not.toContain(ADMIN_TOKEN);

    // Server side: the record is under the ID's hash, and holds neither the ID nor the token.
    const stored = await env.AUTH_CACHE.get(`dashboard-session:${await sha256Hex(id)}`);
    expect(stored).not.toBeNull();
    expect(stored).not.toContain(id);
    expect(stored).not.toContain(ADMIN_TOKEN);

    const home = await browser.get("/dashboard");
    expect(home.status).toBe(200);
    expect(home.html).toContain('data-viewer="admin"');
  });

  it("leaves Secure off on loopback only, where npm run dev serves plain http", async () => {
    const browser = new Browser({ origin: "http://127.0.0.1:8787" });
    const answer = await browser.signIn(ADMIN_TOKEN);
    const line = cookieLine(answer.setCookies, "bb_session");
    expect(line).not.toMatch(/Secure/);
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; SameSite=Strict/);
  });

  it("keeps a virtual key's session without its secret, and ends it when the key is revoked", async () => {
    const { id, key } = await newKey("team-a");
    const browser = await signedIn(key);
    const session = browser.cookies.get("bb_session")!;
    const stored = (await env.AUTH_CACHE.get(`dashboard-session:${await sha256Hex(session)}`))!;
    expect(stored).not.toContain(key);
    expect((await browser.get("/dashboard")).html).toContain("key: team-a");

    await call(`/admin/keys/${id}`, { method: "DELETE", key: null, headers: ADMIN });
    const after = await browser.get("/dashboard");
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toBe("/dashboard/sign-in");
  });

  it("refuses a wrong key, and sends a browser without a session to the sign-in page", async () => {
    const browser = new Browser();
    const refused = await browser.signIn("bbk_not-a-key");
    expect(refused.status).toBe(401);
    expect(refused.html).toContain("neither the admin token nor a key");
    expect(browser.cookies.has("bb_session")).toBe(false);
    for (const path of ["/dashboard", "/dashboard/files", "/dashboard/keys"]) {
      const answer = await browser.get(path);
      expect(answer.status).toBe(303);
      expect(answer.headers.get("location")).toBe("/dashboard/sign-in");
    }
  });

  it("signs out: the session is gone server side, and its cookie with it", async () => {
    const browser = await signedIn(ADMIN_TOKEN);
    const session = browser.cookies.get("bb_session")!;
    const home = await browser.get("/dashboard");
    const out = await browser.post("/dashboard/sign-out", { csrf: hiddenCsrf(home.html) });
    expect(out.status).toBe(303);
    expect(cookieLine(out.setCookies, "bb_session")).toMatch(/Max-Age=0/);
    expect(await env.AUTH_CACHE.get(`dashboard-session:${await sha256Hex(session)}`)).toBeNull();
    // The old cookie, replayed, opens nothing.
    const replay = new Browser();
    replay.cookies.set("bb_session", session);
    expect((await replay.get("/dashboard")).status).toBe(303);
  });

  it("answers every page with a Content-Security-Policy that forbids inline scripts, and no caching", async () => {
    const browser = await signedIn(ADMIN_TOKEN);
    const home = await browser.get("/dashboard");
    const csp = home.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(home.headers.get("cache-control")).toBe("no-store");
  });
});

describe("dashboard CSRF", () => {
  it("refuses a form post without the session's token, with another session's token, or from another origin; nothing is created", async () => {
    const admin = await signedIn(ADMIN_TOKEN);
    const other = await signedIn(ADMIN_TOKEN);
    const otherToken = hiddenCsrf((await other.get("/dashboard/keys")).html);
    const ownToken = hiddenCsrf((await admin.get("/dashboard/keys")).html);

    const missing = await admin.post("/dashboard/keys", { name: "no-token" });
    expect(missing.status).toBe(403);
    expect(missing.html).toContain("CSRF token missing or wrong");
    expect((await admin.post("/dashboard/keys", { name: "wrong-token", csrf: "x".repeat(44) })).status).toBe(403);
    expect((await admin.post("/dashboard/keys", { name: "other-session", csrf: otherToken })).status).toBe(403);
    const crossSite = await admin.post("/dashboard/keys", { name: "cross-site", csrf: ownToken }, { origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    const listed = await json<{ data: unknown[] }>(await call("/admin/keys", { key: null, headers: ADMIN }));
    expect(listed.data).toEqual([]);

    const created = await admin.post("/dashboard/keys", { name: "with-token", csrf: ownToken });
    expect(created.status).toBe(200);
    expect(created.html).toMatch(/<code id="new-key-secret">bbk_[1-9A-HJ-NP-Za-km-z]{40}<\/code>/);
  });

  it("refuses a sign-in post without the sign-in form's token (login CSRF)", async () => {
    const browser = new Browser();
    const answer = await browser.post("/dashboard/sign-in", { key: ADMIN_TOKEN, csrf: "forged" });
    expect(answer.status).toBe(403);
    expect(browser.cookies.has("bb_session")).toBe(false);
  });

  it("refuses a revoke without the token, and a sign-out without it keeps the session", async () => {
    const { id } = await newKey("keep-me");
    const admin = await signedIn(ADMIN_TOKEN);
    expect((await admin.post(`/dashboard/keys/${id}/revoke`, {})).status).toBe(403);
    expect((await admin.post("/dashboard/sign-out", {})).status).toBe(403);
    const page = await admin.get("/dashboard/keys");
    expect(page.status).toBe(200);
    expect(page.html).toContain("keep-me");
    expect(page.html).toContain(`action="/dashboard/keys/${id}/revoke"`);
  });
});

describe("dashboard escaping", () => {
  it("escapes a hostile filename on the files page", async () => {
    // No "/" or "\\" (a filename is its last path segment), no '"' (multipart sends it as %22).
    const hostile = `<img src=x onerror=alert(1)>&<svg onload=alert('x')>.txt`;
    const { key } = await newKey("uploader");
    await uploadFile(hostile, "hello", { key });
    const page = await (await signedIn(key)).get("/dashboard/files");
    expect(page.status).toBe(200);
    expect(page.html).not.toContain("<img src=x");
    expect(page.html).not.toContain("<svg onload");
    expect(page.html).toContain("&lt;img src=x onerror=alert(1)&gt;&amp;&lt;svg onload=alert(&#39;x&#39;)&gt;.txt");
  });

  it("escapes a hostile custom_id and error message on the batch page", async () => {
    const viewer: Viewer = { kind: "admin", owner: null, caller: null, label: "admin", csrf: "t" };
    const batch = {
      id: "msgbatch_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD",
      owner: "o",
      provider: "openai" as const,
      state: "ended" as const,
      requestCount: 1,
      counts: { processing: 0, succeeded: 0, errored: 1, canceled: 0, expired: 0 },
      createdAt: "2026-12-01T00:00:00Z",
      expiresAt: "2026-12-02T00:00:00Z",
      endedAt: "2026-12-01T00:10:00Z",
      cancelInitiatedAt: null,
      archivedAt: null,
      idempotencyKey: null,
      origin: null,
      polledAt: null,
      resultsBytes: null,
      resultsPurgedAt: null,
    };
    const html = String(
      await BatchPage({
        viewer,
        detail: { batch, jobs: [], models: ["<b>model</b>"] },
        errored: [
          {
            custom_id: `"><script>steal()</script>`,
            result: { type: "errored", error: { type: "error", error: { type: "invalid_request_error", message: "<img src=x onerror=alert(1)>" } } },
          },
        ],
        usage: null,
        refreshSeconds: 3,
      }),
    );
    expect(html).not.toContain("<script>steal");
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("<b>model");
    expect(html).toContain("&quot;&gt;&lt;script&gt;steal()&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });
});

describe("dashboard tenancy", () => {
  it("shows a virtual key its own batches only, refuses it the keys page, and 404s another key's batch", async () => {
    const a = await newKey("team-a");
    const b = await newKey("team-b");
    const mine = await json<WireBatch>(await call(BATCHES, { method: "POST", body: { requests: twoRequests() }, key: a.key }));
    const theirs = await json<WireBatch>(await call(BATCHES, { method: "POST", body: { requests: twoRequests() }, key: b.key }));

    const browser = await signedIn(a.key);
    const home = await browser.get("/dashboard");
    expect(home.html).toContain(mine.id);
    expect(home.html).not.toContain(theirs.id);
    expect(home.html).not.toContain('href="/dashboard/keys"');
    const keys = await browser.get("/dashboard/keys");
    expect(keys.status).toBe(403);
    expect(keys.html).not.toContain("team-b");
    const csrf = hiddenCsrf(home.html);
    expect((await browser.post("/dashboard/keys", { csrf, name: "sneaky" })).status).toBe(403);
    const notTheirs = await browser.get(`/dashboard/batches/${theirs.id}`);
    expect(notTheirs.status).toBe(404);
    // An error page has the same navigation as every other page.
    for (const link of ['href="/dashboard"', 'href="/dashboard/files"', 'href="/dashboard/usage"', 'href="/dashboard/deliveries"']) expect(notTheirs.html).toContain(link);
    expect(notTheirs.html).not.toContain('href="/dashboard/keys"');
    expect((await browser.get(`/dashboard/batches/${theirs.id}/results`)).status).toBe(404);
    expect((await browser.get(`/dashboard/batches/${mine.id}`)).status).toBe(200);

    // The admin sees both, and the keys page.
    const admin = await signedIn(ADMIN_TOKEN);
    const all = await admin.get("/dashboard");
    expect(all.html).toContain(mine.id);
    expect(all.html).toContain(theirs.id);
    expect((await admin.get(`/dashboard/batches/${theirs.id}`)).html).toContain(b.id);
    expect((await admin.get("/dashboard/keys")).html).toContain("team-b");
  });

  it("shows a batch's jobs without native IDs, and serves its results once ended", async () => {
    const { key } = await newKey("runner");
    const batch = await json<WireBatch>(await call(BATCHES, { method: "POST", body: { requests: twoRequests() }, key }));
    const browser = await signedIn(key);
    let page = await browser.get(`/dashboard/batches/${batch.id}`);
    for (let reads = 0; !page.html.includes('data-status="ended"') && reads < 6; reads++) page = await browser.get(`/dashboard/batches/${batch.id}`);
    expect(page.html).toContain('data-status="ended"');
    const { results: natives } = await env.DB.prepare("SELECT native_id FROM batch_jobs WHERE batch_id = ?").bind(batch.id).all<{ native_id: string }>();
    expect(natives.length).toBeGreaterThan(0);
    for (const { native_id } of natives) expect(page.html).not.toContain(native_id);
    expect(page.html).toContain('id="jobs"');
    const results = await browser.get(`/dashboard/batches/${batch.id}/results`);
    expect(results.status).toBe(200);
    expect(results.headers.get("content-disposition")).toBe(`attachment; filename="${batch.id}_results.jsonl"`);
    const lines = results.html.trim().split("\n").map((line) => JSON.parse(line) as { custom_id: string });
    expect(lines.map((line) => line.custom_id).sort()).toEqual(twoRequests().map((request) => request.custom_id).sort());
  });
});

describe("dashboard on an open gateway (no ADMIN_TOKEN)", () => {
  const OPEN = { ADMIN_TOKEN: undefined };

  it("lets any key in as the shared owner, as the API does, until the gateway is closed", async () => {
    const batch = await json<WireBatch>(await callWithEnv(OPEN, BATCHES, { method: "POST", body: { requests: twoRequests() }, key: "alice" }));
    const browser = new Browser({ env: OPEN });
    expect((await browser.signIn("bob")).status).toBe(303);
    const home = await browser.get("/dashboard");
    expect(home.html).toContain('data-viewer="shared"');
    expect(home.html).toContain(batch.id);
    expect(home.html).not.toContain('href="/dashboard/keys"');
    // The same session on the same gateway once ADMIN_TOKEN is set: it is over.
    const closed = new Browser();
    closed.cookies.set("bb_session", browser.cookies.get("bb_session")!);
    expect((await closed.get("/dashboard")).status).toBe(303);
  });

  it("never takes a weak (short) ADMIN_TOKEN as the admin's", async () => {
    const weak = { ADMIN_TOKEN: "short-admin-token" };
    const browser = new Browser({ env: weak });
    expect((await browser.signIn("short-admin-token")).status).toBe(401);
  });
});

describe("dashboard keys page", () => {
  it("creates a key with limits and a webhook (both secrets shown once), changes them, and refuses a plain-http webhook", async () => {
    const admin = await signedIn(ADMIN_TOKEN);
    const csrf = hiddenCsrf((await admin.get("/dashboard/keys")).html);
    const created = await admin.post("/dashboard/keys", {
      csrf,
      name: "hooked",
      providers: "openai, gemini",
      models: "",
      requests_per_minute: "60",
      max_batches_in_progress: "3",
      monthly_budget_usd: "",
      webhook_url: "https://hooks.example.com/batches",
    });
    expect(created.status).toBe(200);
    expect(created.html).toMatch(/<code id="new-webhook-secret">whsec_[A-Za-z0-9+/=]+<\/code>/);
    const listed = await json<{ data: Array<Record<string, unknown>> }>(await call("/admin/keys", { key: null, headers: ADMIN }));
    expect(listed.data).toEqual([
      expect.objectContaining({
        name: "hooked",
        providers: ["openai", "gemini"],
        models: null,
        requests_per_minute: 60,
        max_batches_in_progress: 3,
        monthly_budget_usd: null,
        webhook_url: "https://hooks.example.com/batches",
      }),
    ]);
    const id = listed.data[0]!.id as string;
    const page = await admin.get("/dashboard/keys");
    expect(page.html).not.toContain("whsec_");
    expect(page.html).toContain("60 req/min, 3 batches at once");

    // The same URL keeps its secret (none shown); a budget is set; a plain-http URL is refused.
    const kept = await admin.post(`/dashboard/keys/${id}`, { csrf, requests_per_minute: "", max_batches_in_progress: "3", monthly_budget_usd: "25", webhook_url: "https://hooks.example.com/batches" });
    expect(kept.status).toBe(200);
    expect(kept.html).not.toContain("whsec_");
    const refused = await admin.post(`/dashboard/keys/${id}`, { csrf, requests_per_minute: "", max_batches_in_progress: "3", monthly_budget_usd: "25", webhook_url: "http://hooks.example.com/batches" });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain("webhook_url");
    const removed = await admin.post(`/dashboard/keys/${id}`, { csrf, requests_per_minute: "", max_batches_in_progress: "", monthly_budget_usd: "25", webhook_url: "" });
    expect(removed.status).toBe(200);
    const after = await json<{ data: Array<Record<string, unknown>> }>(await call("/admin/keys", { key: null, headers: ADMIN }));
    expect(after.data[0]).toMatchObject({ requests_per_minute: null, max_batches_in_progress: null, monthly_budget_usd: 25, webhook_url: null });

    const badTier = await admin.post("/dashboard/keys", { csrf, name: "x", requests_per_minute: "7" });
    expect(badTier.status).toBe(400);
    expect(badTier.html).toContain("requests_per_minute: must be one of 10, 60, 300, 1000, 5000");
  });

  it("counts sign-in attempts against the admin rate limit per address", async () => {
    const browser = new Browser();
    const statuses: number[] = [];
    // The limit is 30 a minute in fixed windows: a run that crosses a window's end starts
    // counting again, so the 429 comes by the 62nd attempt at the latest, never before the 31st.
    for (let attempt = 0; attempt < 62 && statuses.at(-1) !== 429; attempt++) statuses.push((await browser.signIn(`wrong-${attempt}`)).status);
    expect(statuses.slice(0, 30).every((status) => status === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe("dashboard webhook deliveries", () => {
  it("shows a key only the deliveries to its own webhook, and the admin all of them", async () => {
    const a = await newKey("team-a");
    const b = await newKey("team-b");
    const mine = await json<WireBatch>(await call(BATCHES, { method: "POST", body: { requests: twoRequests() }, key: a.key }));
    const theirs = await json<WireBatch>(await call(BATCHES, { method: "POST", body: { requests: twoRequests() }, key: b.key }));
    const now = new Date().toISOString();
    for (const [batch, owner] of [[mine, a.id], [theirs, b.id]] as const) {
      await env.DB.batch([
        env.DB.prepare("INSERT INTO webhook_events (id, type, batch_id, owner, payload, created_at) VALUES (?, 'message_batch.ended', ?, ?, '{}', ?)").bind(`evt_${owner}`, batch.id, owner, now),
        env.DB.prepare(
          "INSERT INTO webhook_deliveries (id, event_id, destination, url, state, tries, created_at, updated_at) VALUES (?, ?, ?, ?, 'delivered', 1, ?, ?)",
        ).bind(`whd_${owner}`, `evt_${owner}`, owner, `https://hooks.example.com/${owner}`, now, now),
      ]);
    }
    const tenant = await (await signedIn(a.key)).get("/dashboard/deliveries");
    expect(tenant.status).toBe(200);
    expect(tenant.html).toContain(`whd_${a.id}`);
    expect(tenant.html).not.toContain(`whd_${b.id}`);
    const all = await (await signedIn(ADMIN_TOKEN)).get("/dashboard/deliveries");
    expect(all.html).toContain(`whd_${a.id}`);
    expect(all.html).toContain(`whd_${b.id}`);
  });
});

describe("dashboard usage and cost", () => {
  async function endedVia(browser: Browser, id: string): Promise<string> {
    let page = await browser.get(`/dashboard/batches/${id}`);
    for (let reads = 0; !page.html.includes('data-status="ended"') && reads < 10; reads++) page = await browser.get(`/dashboard/batches/${id}`);
    expect(page.html).toContain('data-status="ended"');
    return page.html;
  }

  it("shows usage by model and cost on an ended batch, cost on the list, and a usage chart of the viewer's own batches", async () => {
    const a = await newKey("team-a");
    const b = await newKey("team-b");
    const mine = await json<WireBatch>(await call(BATCHES, { method: "POST", body: { requests: twoRequests("claude-3-5-haiku-20241022") }, key: a.key }));
    const theirs = await json<WireBatch>(await call(BATCHES, { method: "POST", body: { requests: twoRequests("gpt-4o-mini") }, key: b.key, provider: "openai" }));
    const tenant = await signedIn(a.key);
    const other = await signedIn(b.key);
    const page = await endedVia(tenant, mine.id);
    await endedVia(other, theirs.id);

    const usage = await json<{ cost_usd: number | null; by_model: Array<{ model: string; requests: number; input_tokens: number; output_tokens: number }> }>(
      await call(`${BATCHES}/${mine.id}/usage`, { key: a.key }),
    );
    expect(page).toContain('id="usage"');
    const row = usage.by_model[0]!;
    expect(page).toContain(`<td class="mono">${row.model}</td><td class="num">${row.requests}</td><td class="num">${row.input_tokens}</td><td class="num">${row.output_tokens}</td>`);
    const list = await tenant.get("/dashboard");
    expect(list.html).toContain("claude-3-5-haiku-20241022");
    // claude-3-5-haiku-20241022 has a price (src/core/prices.ts): the list shows the batch's cost.
    expect(usage.cost_usd).not.toBeNull();
    expect(list.html).toMatch(/<td class="num"><span class="mono">\$[0-9.]+<\/span><\/td>/);

    const own = await tenant.get("/dashboard/usage?metric=requests");
    expect(own.status).toBe(200);
    expect(own.html).toContain('data-metric="requests"');
    expect(own.html).toMatch(/<rect class="bar-anthropic" data-day="\d{4}-\d{2}-\d{2}" data-provider="anthropic"/);
    expect(own.html).not.toContain('class="bar-openai"');
    expect(own.html).not.toContain('id="usage-by-key"');
    const all = await (await signedIn(ADMIN_TOKEN)).get("/dashboard/usage");
    expect(all.html).toContain('class="bar-openai"');
    expect(all.html).toContain('id="usage-by-key"');
    expect(all.html).toContain("team-b");
  });
});


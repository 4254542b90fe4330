/**
 * Issue 11 under `npm run dev` (wrangler dev), with the official SDK: a gateway with
 * ADMIN_TOKEN accepts only virtual keys from the first request, and the rate limiting
 * bindings of wrangler.toml (admin API per address, requests per minute per key) run locally.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./support/stack";

const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef-0123456789";
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ vars: { ADMIN_TOKEN } });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

function client(apiKey: string): Anthropic {
  return new Anthropic({ baseURL: `${stack.gatewayUrl}/anthropic`, apiKey, maxRetries: 0 });
}

function admin(path: string, init: RequestInit = {}, address = "192.0.2.10"): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${ADMIN_TOKEN}`);
  headers.set("cf-connecting-ip", address);
  if (init.body) headers.set("content-type", "application/json");
  return fetch(`${stack.gatewayUrl}/admin${path}`, { ...init, headers });
}

describe("a gateway with ADMIN_TOKEN", () => {
  it("refuses a dummy key from the first request, and serves a virtual key", async () => {
    await expect(client("dummy-key").beta.files.list()).rejects.toMatchObject({ status: 401, error: { type: "error", error: { type: "authentication_error" } } });
    const created = (await (await admin("/keys", { method: "POST", body: JSON.stringify({ name: "e2e" }) })).json()) as { key: string };
    const page = await client(created.key).beta.messages.batches.list();
    expect(page.data).toEqual([]);
  });

  it("limits a key to its requests per minute (the RATE_LIMIT_RPM_10 binding)", async () => {
    const created = (await (await admin("/keys", { method: "POST", body: JSON.stringify({ name: "slow", requests_per_minute: 10 }) }, "192.0.2.11")).json()) as { key: string };
    const sdk = client(created.key);
    for (let i = 0; i < 10; i++) await sdk.beta.messages.batches.list();
    const refused = await sdk.beta.messages.batches.list().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    expect((refused as InstanceType<typeof Anthropic.RateLimitError>).headers.get("retry-after")).toBe("60");
  });

  it("rate limits the admin API per client address (the ADMIN_RATE_LIMIT binding)", async () => {
    // Local rate limiters count in windows aligned to the wall clock (miniflare's
    // node_modules/miniflare/dist/src/workers/ratelimit/ratelimit-object.worker.js: epoch =
    // floor(now / period)), so 31 calls that straddle a minute's end would start a fresh count:
    // start them early in a minute.
    const leftOfMinute = 60_000 - (Date.now() % 60_000);
    if (leftOfMinute < 20_000) await new Promise((resolve) => setTimeout(resolve, leftOfMinute + 200));
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await admin("/keys", {}, "192.0.2.12")).status);
    expect(statuses.slice(0, 30).every((status) => status === 200)).toBe(true);
    expect(statuses[30]).toBe(429);
    expect((await admin("/keys", {}, "192.0.2.13")).status).toBe(200);
  }, 90_000);
});

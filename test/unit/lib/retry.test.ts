/** Retries of idempotent upstream calls (src/lib/retry.ts): what retries, how long it waits, when it gives up. */
import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from "../../../src/lib/retry";
import { rejectionOf } from "../support/helpers";

const URL_ = "https://upstream.test/v1/batches/b1";

/** An upstream that answers `statuses` in turn (the last one from then on), recording each call and wait. */
function upstream(statuses: Array<number | Error | Response>, policy: Partial<RetryPolicy> = {}) {
  const calls: Array<{ method: string; url: string }> = [];
  const waits: number[] = [];
  let index = 0;
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    calls.push({ method: request.method, url: request.url });
    const next = statuses[Math.min(index++, statuses.length - 1)]!;
    if (next instanceof Error) throw next;
    if (next instanceof Response) return next.clone();
    return new Response(`status ${next}`, { status: next });
  }) as typeof fetch;
  const retrying = withRetries(fetcher, {
    retries: 3,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    sleep: async (ms) => void waits.push(ms),
    random: () => 1,
    ...policy,
  });
  return { retrying, calls, waits };
}

describe("which calls are retried", () => {
  it.each([408, 409, 429, 500, 502, 503, 504, 529])("a GET answered %i is retried until it succeeds", async (status) => {
    const { retrying, calls } = upstream([status, 200]);
    expect((await retrying(URL_)).status).toBe(200);
    expect(calls).toHaveLength(2);
  });

  it.each([400, 401, 403, 404, 413, 422, 501])("a GET answered %i is returned at once", async (status) => {
    const { retrying, calls } = upstream([status, 200]);
    expect((await retrying(URL_)).status).toBe(status);
    expect(calls).toHaveLength(1);
  });

  it.each([
    { name: "GET", url: URL_, init: {}, retried: true },
    { name: "HEAD", url: URL_, init: { method: "HEAD" }, retried: true },
    { name: "DELETE", url: URL_, init: { method: "DELETE" }, retried: true },
    { name: "POST …/cancel", url: `${URL_}/cancel`, init: { method: "POST" }, retried: true },
    { name: "POST …:cancel (Gemini)", url: "https://upstream.test/v1beta/batches/b1:cancel", init: { method: "POST" }, retried: true },
    { name: "POST …/stop (Bedrock)", url: "https://upstream.test/model-invocation-job/j1/stop", init: { method: "POST" }, retried: true },
    { name: "POST that creates", url: "https://upstream.test/v1/batches", init: { method: "POST", body: "{}" }, retried: false },
    { name: "PUT", url: URL_, init: { method: "PUT", body: "x" }, retried: false },
    { name: "DELETE with a streamed body", url: URL_, init: { method: "DELETE", body: new ReadableStream(), duplex: "half" }, retried: false },
  ])("$name: retried $retried", async ({ url, init, retried }) => {
    const { retrying, calls } = upstream([503, 200]);
    expect((await retrying(url, init as RequestInit)).status).toBe(retried ? 200 : 503);
    expect(calls).toHaveLength(retried ? 2 : 1);
  });

  it("a Request object is retried with the same method and URL each time", async () => {
    const { retrying, calls } = upstream([500, 500, 200]);
    expect((await retrying(new Request(URL_, { method: "DELETE" }))).status).toBe(200);
    expect(calls).toEqual(Array.from({ length: 3 }, () => ({ method: "DELETE", url: URL_ })));
  });

  it("a network error is retried, and thrown once the retries are spent", async () => {
    const recovered = upstream([new TypeError("connection reset"), 200]);
    expect((await recovered.retrying(URL_)).status).toBe(200);
    const down = upstream([new TypeError("connection refused")]);
    expect((await rejectionOf(down.retrying(URL_))).message).toBe("connection refused");
    expect(down.calls).toHaveLength(4);
  });
});

describe("backoff", () => {
  it("doubles from the base, capped at the maximum (random 1: the whole ceiling)", async () => {
    const { retrying, waits } = upstream([500], { retries: 6, baseDelayMs: 100, maxDelayMs: 1000 });
    await retrying(URL_);
    expect(waits).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("is jittered between half the ceiling and the ceiling", async () => {
    const low = upstream([500], { random: () => 0 });
    await low.retrying(URL_);
    expect(low.waits).toEqual([50, 100, 200]);
    const mid = upstream([500], { random: () => 0.5 });
    await mid.retrying(URL_);
    expect(mid.waits).toEqual([75, 150, 300]);
  });

  it("the default policy: 3 retries from 500 ms, never over 10 s", () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ retries: 3, baseDelayMs: 500, maxDelayMs: 10_000 });
  });
});

describe("Retry-After", () => {
  const limited = (headers: Record<string, string>) => new Response("slow down", { status: 429, headers });

  it.each<{ name: string; headers: Record<string, string>; wait: number }>([
    { name: "retry-after-ms", headers: { "retry-after-ms": "250" }, wait: 250 },
    { name: "retry-after in seconds", headers: { "retry-after": "0.5" }, wait: 500 },
    { name: "retry-after-ms wins over retry-after", headers: { "retry-after-ms": "20", "retry-after": "9" }, wait: 20 },
    { name: "a wait longer than the maximum is capped", headers: { "retry-after": "3600" }, wait: 1000 },
    { name: "a retry-after that is not a number or a date falls back to the backoff", headers: { "retry-after": "soon" }, wait: 100 },
    { name: "a negative retry-after-ms falls back to retry-after", headers: { "retry-after-ms": "-5", "retry-after": "0.3" }, wait: 300 },
  ])("$name", async ({ headers, wait }) => {
    const { retrying, waits } = upstream([limited(headers), 200]);
    expect((await retrying(URL_)).status).toBe(200);
    expect(waits).toEqual([wait]);
  });

  it("an HTTP date: the time until it, never negative", async () => {
    const past = upstream([limited({ "retry-after": new Date(Date.now() - 60_000).toUTCString() }), 200]);
    await past.retrying(URL_);
    expect(past.waits).toEqual([0]);
    const future = upstream([limited({ "retry-after": new Date(Date.now() + 600_000).toUTCString() }), 200]);
    await future.retrying(URL_);
    expect(future.waits).toEqual([1000]);
  });
});

describe("giving up", () => {
  it("returns the last answer after `retries` retries", async () => {
    const { retrying, calls, waits } = upstream([503, 502, 500, 529, 200]);
    const response = await retrying(URL_);
    expect(response.status).toBe(529);
    expect(await response.text()).toBe("status 529");
    expect(calls).toHaveLength(4);
    expect(waits).toHaveLength(3);
  });

  it("with no retries, calls once", async () => {
    const { retrying, calls, waits } = upstream([503, 200], { retries: 0 });
    expect((await retrying(URL_)).status).toBe(503);
    expect(calls).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});

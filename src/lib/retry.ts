/**
 * Retries for idempotent upstream calls: on 408, 429, 5xx (529 included) and network errors,
 * with bounded exponential backoff and full jitter, honouring `retry-after-ms` and
 * `retry-after`. Calls that create something, and calls whose body is a stream (it cannot be
 * sent twice), are never retried here.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff; doubles each retry. */
  baseDelayMs: number;
  /** No single wait is longer than this, whatever `retry-after` says. */
  maxDelayMs: number;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 3, baseDelayMs: 500, maxDelayMs: 10_000 };

const RETRIABLE_STATUS = new Set([408, 409, 429, 500, 502, 503, 504, 529]);
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "DELETE", "OPTIONS"]);
// Cancelling or stopping twice is the same as once, on every provider.
const IDEMPOTENT_POST = /(\/cancel|:cancel|\/stop)$/;

/**
 * Wraps `fetcher` so idempotent calls are retried.
 *
 * @example
 * const upstream = withRetries(fetch, DEFAULT_RETRY_POLICY);
 * await upstream("https://api.openai.com/v1/batches/batch_1"); // retried on 429 and 5xx
 */
export function withRetries(fetcher: typeof fetch, policy: RetryPolicy = DEFAULT_RETRY_POLICY): typeof fetch {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = policy.random ?? Math.random;
  return async (input, init) => {
    if (!isRetriable(input, init)) return fetcher(input, init);
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= policy.retries;
      let response: Response;
      try {
        response = await fetcher(input instanceof Request ? input.clone() : input, init);
      } catch (error) {
        if (last) throw error;
        await sleep(backoff(attempt, policy, random));
        continue;
      }
      if (last || !RETRIABLE_STATUS.has(response.status)) return response;
      const wait = retryAfter(response.headers) ?? backoff(attempt, policy, random);
      await response.body?.cancel().catch(() => {});
      await sleep(Math.min(wait, policy.maxDelayMs));
    }
  };
}

function isRetriable(input: RequestInfo | URL, init: RequestInit | undefined): boolean {
  const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
  const url = input instanceof Request ? input.url : String(input);
  const path = new URL(url).pathname;
  if (!IDEMPOTENT_METHODS.has(method) && !(method === "POST" && IDEMPOTENT_POST.test(path))) return false;
  const body = init?.body;
  return body === undefined || body === null || typeof body === "string";
}

function backoff(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** `retry-after-ms`, or `retry-after` as seconds or an HTTP date, in milliseconds. */
function retryAfter(headers: Headers): number | null {
  const ms = Number(headers.get("retry-after-ms"));
  if (headers.has("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get("retry-after");
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

/** The benchmark's HTTP client side: headers, checked JSON calls, and counting readers. */
import { KEYS } from "./keys.ts";

export const FILES_BETA = "files-api-2025-04-14";

/** Headers of an Anthropic SDK call to the gateway (or to the pass-through). */
export function gatewayHeaders(provider?: string): Record<string, string> {
  const headers: Record<string, string> = {
    "x-api-key": KEYS.gateway,
    "anthropic-version": "2023-06-01",
    "anthropic-beta": FILES_BETA,
  };
  if (provider) headers["x-model-provider"] = provider;
  return headers;
}

/** Headers of the same call straight to the Anthropic fake. */
export function anthropicHeaders(): Record<string, string> {
  return { "x-api-key": KEYS.anthropic, "anthropic-version": "2023-06-01", "anthropic-beta": FILES_BETA };
}

/** `fetch`, then the JSON body of a 2xx answer; anything else throws with the status and body. */
export async function fetchJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

export interface Drained {
  bytes: number;
  /** Newline bytes seen. */
  lines: number;
  ms: number;
}

/** Reads a whole response body, counting bytes and lines; throws on a non-2xx answer. */
export async function drain(url: string, init: RequestInit = {}): Promise<Drained> {
  const started = performance.now();
  const response = await fetch(url, init);
  if (!response.ok || !response.body) {
    throw new Error(`${init.method ?? "GET"} ${url} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
  }
  const reader = response.body.getReader();
  let bytes = 0;
  let lines = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    for (let at = value.indexOf(10); at !== -1; at = value.indexOf(10, at + 1)) lines++;
  }
  return { bytes, lines, ms: performance.now() - started };
}

/**
 * Calls to the gateway Worker as a client makes them, on real local D1.
 */
import { SELF } from "cloudflare:test";

export const GATEWAY = "http://gateway.test";

export interface CallOptions {
  method?: string;
  body?: unknown;
  provider?: string;
  headers?: Record<string, string>;
  key?: string | null;
}

/**
 * @example
 * const res = await call("/anthropic/v1/messages/batches", { method: "POST", body: { requests } });
 */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  if (options.key !== null) headers.set("x-api-key", options.key ?? "any-key");
  headers.set("anthropic-version", "2023-06-01");
  if (options.provider) headers.set("x-model-provider", options.provider);
  let body: BodyInit | undefined;
  if (options.body instanceof FormData || options.body instanceof ReadableStream || typeof options.body === "string") body = options.body;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers.set("content-type", "application/json");
  }
  return SELF.fetch(`${GATEWAY}${path}`, { method: options.method ?? "GET", headers, body });
}

/**
 * The Anthropic error body a response must carry.
 *
 * @example
 * await expectError(res, 404, "not_found_error", /File not found/);
 */
export async function errorOf(response: Response): Promise<{ status: number; type: string; message: string; requestId: string | null }> {
  const body = (await response.json()) as { type: string; error: { type: string; message: string }; request_id: string };
  if (body.type !== "error") throw new Error(`not an Anthropic error body: ${JSON.stringify(body)}`);
  return { status: response.status, type: body.error.type, message: body.error.message, requestId: response.headers.get("request-id") };
}

export function twoRequests(model = "claude-3-5-haiku-20241022") {
  return [
    { custom_id: "math-question", params: { model, max_tokens: 100, messages: [{ role: "user", content: "What is 15 * 7?" }] } },
    { custom_id: "geography-question", params: { model, max_tokens: 100, messages: [{ role: "user", content: "What is the largest ocean?" }] } },
  ];
}

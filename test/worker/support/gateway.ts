/**
 * Calls to the gateway Worker as a client makes them, on real local D1.
 */
import { env, SELF } from "cloudflare:test";
import { afterEach, beforeEach } from "vitest";
import { createApp } from "../../../src/api/app";
import { ADAPTERS } from "../../../src/providers/index";

export const GATEWAY = "http://gateway.test";

/**
 * The admin token of a closed gateway in tests (32+ characters). vitest.config.ts sets no
 * ADMIN_TOKEN: the Worker runs open (any key, one shared owner) unless a test closes it.
 */
export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef-0123456789";
export const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Settings every `call` of the current test runs with (see `useClosedGateway`). */
let testOverrides: Record<string, string | undefined> | null = null;

/**
 * Runs every `call` of the enclosing describe (or file) on a closed gateway: with
 * ADMIN_TOKEN set, so that only virtual keys are accepted, and the admin API exists.
 * Each test gets its own client address, so that the admin API's rate limit counts per test.
 *
 * @example
 * describe("virtual keys", () => { useClosedGateway(); it("…", async () => { await call("/admin/keys", { headers: ADMIN, key: null }); }); });
 */
export function useClosedGateway(): void {
  beforeEach(() => {
    testOverrides = { ADMIN_TOKEN };
    clientAddress = `203.0.113.${Math.floor(Math.random() * 250) + 1}-${crypto.randomUUID()}`;
  });
  afterEach(() => {
    testOverrides = null;
    clientAddress = null;
  });
}

let clientAddress: string | null = null;

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
  if (testOverrides) return callWithEnv({}, path, options);
  return SELF.fetch(`${GATEWAY}${path}`, clientInit(options));
}

/**
 * The same call to the Worker with `overrides` in its environment (same D1, same fakes), for
 * settings vitest.config.ts fixes; `undefined` removes a setting.
 *
 * @example
 * const res = await callWithEnv({ OPENAI_API_KEY: undefined }, "/anthropic/v1/files", { method: "POST", body: form, provider: "openai" });
 */
export async function callWithEnv(overrides: Record<string, string | undefined>, path: string, options: CallOptions = {}): Promise<Response> {
  const app = createApp({ adapters: ADAPTERS });
  return app.fetch(new Request(`${GATEWAY}${path}`, clientInit(options)), { ...env, ...testOverrides, ...overrides });
}

/** The request a client sends: its key, anthropic-version, the provider header, a JSON or raw body. */
function clientInit(options: CallOptions): RequestInit {
  const headers = new Headers(options.headers);
  if (clientAddress && !headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", clientAddress);
  if (options.key !== null) headers.set("x-api-key", options.key ?? "any-key");
  headers.set("anthropic-version", "2023-06-01");
  if (options.provider) headers.set("x-model-provider", options.provider);
  let body: BodyInit | undefined;
  if (options.body instanceof FormData || options.body instanceof ReadableStream || typeof options.body === "string") body = options.body;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers.set("content-type", "application/json");
  }
  return { method: options.method ?? "GET", headers, body };
}

/**
 * The Anthropic error body a response must carry.
 *
 * @example
 * expect(await errorOf(res)).toMatchObject({ status: 404, type: "not_found_error" });
 */
export async function errorOf(response: Response): Promise<{ status: number; type: string; message: string; requestId: string | null }> {
  const body = (await response.json()) as { type: string; error: { type: string; message: string }; request_id: string };
  if (body.type !== "error") throw new Error(`not an Anthropic error body: ${JSON.stringify(body)}`);
  return { status: response.status, type: body.error.type, message: body.error.message, requestId: response.headers.get("request-id") };
}

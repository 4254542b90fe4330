/**
 * Calls to the OpenAI API: bearer auth, the base URL, and OpenAI's error body turned into an
 * `UpstreamError` that names openai and carries OpenAI's message (never the key).
 */
import { UpstreamError } from "../../lib/errors";
import { readUpstreamJson, upstreamFetch } from "../../lib/upstream";
import type { ProviderContext } from "../types";
import type { OpenAIConfig } from "./config";

export const PROVIDER = "openai";

/**
 * The message of an OpenAI error body, `{"error": {"message", "type", "param", "code"}}`.
 *
 * @example
 * readOpenAIErrorMessage({ error: { message: "No such File object: file-1" } }) // "No such File object: file-1"
 */
export function readOpenAIErrorMessage(body: unknown): string | undefined {
  const error = (body as { error?: { message?: unknown } } | null)?.error;
  return typeof error?.message === "string" && error.message.length > 0 ? error.message : undefined;
}

/** A key too short to be a real one would match ordinary words. */
const MIN_SCRUBBED_KEY = 8;

/**
 * OpenAI's message with any trace of the key removed. OpenAI quotes a wrong key in its 401
 * ("Incorrect API key provided: sk-abcde***…wxyz. You can find…"), partly masked, or whole
 * when it is short; neither may reach a client.
 *
 * @example
 * scrubKey("Incorrect API key provided: hello. You can find your API key at https://…", "hello")
 * // "Incorrect API key provided. You can find your API key at https://…"
 */
export function scrubKey(message: string, apiKey: string): string {
  const unquoted = message.replace(/Incorrect API key provided: .*?(?=\. You can find|$)/s, "Incorrect API key provided");
  return apiKey.length >= MIN_SCRUBBED_KEY ? unquoted.split(apiKey).join("[key]") : unquoted;
}


/**
 * A call to `config.baseUrl + path` with the key; non-2xx answers throw `UpstreamError`.
 *
 * @example
 * const res = await openaiFetch(ctx, config, "/files/file-1/content");
 */
export function openaiFetch(
  ctx: ProviderContext,
  config: OpenAIConfig,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${config.apiKey}`);
  // `duplex` is required by Node's fetch for stream bodies and ignored by workerd.
  const request = { ...init, headers, ...(isStream(init.body) ? { duplex: "half" } : {}) } as RequestInit;
  return upstreamFetch(PROVIDER, ctx.fetch, `${config.baseUrl}${path}`, request, (body) => {
    const message = readOpenAIErrorMessage(body);
    return message === undefined ? undefined : scrubKey(message, config.apiKey);
  }, [config.apiKey]);
}

/**
 * `openaiFetch` for JSON answers; a 2xx body that is not JSON is an `UpstreamError` (502).
 *
 * @example
 * const batch = await openaiJson<OpenAIBatch>(ctx, config, `/batches/${id}`);
 */
export async function openaiJson<T>(
  ctx: ProviderContext,
  config: OpenAIConfig,
  path: string,
  init: RequestInit = {},
): Promise<T> {
  const response = await openaiFetch(ctx, config, path, init);
  return readUpstreamJson<T>(PROVIDER, response);
}

/**
 * A JSON `POST` to OpenAI, answered with JSON.
 *
 * @example
 * const batch = await openaiPostJson<OpenAIBatch>(ctx, config, "/batches", { input_file_id, … });
 */
export function openaiPostJson<T>(ctx: ProviderContext, config: OpenAIConfig, path: string, body?: unknown): Promise<T> {
  return openaiJson<T>(ctx, config, path, {
    method: "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/**
 * True for an `UpstreamError` with one of `statuses` from OpenAI.
 *
 * @example
 * if (isUpstreamStatus(error, 404)) return; // already gone
 */
export function isUpstreamStatus(error: unknown, ...statuses: number[]): error is UpstreamError {
  return error instanceof UpstreamError && statuses.includes(error.upstreamStatus);
}

function isStream(body: unknown): boolean {
  return typeof ReadableStream !== "undefined" && body instanceof ReadableStream;
}

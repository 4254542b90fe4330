/**
 * Calls to a provider, with its failures turned into Anthropic-format errors that name the
 * provider and carry its message. Keys never reach a message: only the provider's own error
 * text and the status are used.
 */
import { UpstreamError } from "./errors";

/** Reads a provider's error body into a human message; `undefined` when it has none. */
export type ErrorMessageReader = (body: unknown) => string | undefined;

const MAX_ERROR_BODY = 64 * 1024;

/**
 * `fetch` that throws `UpstreamError` for network failures and non-2xx answers.
 *
 * @example
 * const res = await upstreamFetch("openai", ctx.fetch, `${base}/batches/${id}`, { headers }, (b) => (b as any)?.error?.message);
 */
export async function upstreamFetch(
  provider: string,
  fetcher: typeof fetch,
  url: string,
  init: RequestInit,
  readMessage: ErrorMessageReader,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetcher(url, init);
  } catch (cause) {
    throw new UpstreamError(provider, 0, `could not reach the provider (${describe(cause)})`);
  }
  if (response.ok) return response;
  throw await upstreamErrorFrom(provider, response, readMessage);
}

/**
 * The `UpstreamError` for a non-2xx provider response (reads at most 64 KiB of its body).
 *
 * @example
 * if (!res.ok) throw await upstreamErrorFrom("gemini", res, readGoogleError);
 */
export async function upstreamErrorFrom(
  provider: string,
  response: Response,
  readMessage: ErrorMessageReader,
): Promise<UpstreamError> {
  const text = await readBounded(response, MAX_ERROR_BODY);
  let message: string | undefined;
  try {
    message = readMessage(JSON.parse(text));
  } catch {
    message = undefined;
  }
  const fallback = text.trim().slice(0, 500) || response.statusText || "no error message";
  return new UpstreamError(provider, response.status, message ?? fallback);
}

/**
 * Parses a 2xx provider response as JSON; a body that is not JSON is an `UpstreamError`.
 *
 * @example
 * const batch = await readUpstreamJson<OpenAIBatch>("openai", res);
 */
export async function readUpstreamJson<T>(provider: string, response: Response): Promise<T> {
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UpstreamError(provider, 502, `malformed response (not JSON): ${text.slice(0, 200)}`);
  }
}

async function readBounded(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.slice(0, limit);
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

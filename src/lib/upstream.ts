/**
 * Calls to a provider, with its failures turned into Anthropic-format errors that name the
 * provider and carry its message. Keys never reach a message: the provider's own error text
 * is scrubbed of the secrets it was sent (and of anything shaped like a key), and a body
 * that is not JSON (a proxy's page, a base URL that echoes headers) is never passed on.
 */
import { UpstreamError } from "./errors";
import { scrubSecrets } from "./scrub-secrets";
import { readBounded } from "./read-bounded";

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
  secrets: readonly (string | null | undefined)[] = [],
): Promise<Response> {
  let response: Response;
  try {
    response = await fetcher(url, init);
  } catch (cause) {
    throw new UpstreamError(provider, 0, `could not reach the provider (${scrubSecrets(describe(cause), secrets)})`);
  }
  if (response.ok) return response;
  throw await upstreamErrorFrom(provider, response, readMessage, secrets);
}

/** What a client reads when the provider's error body is not JSON: never the body itself. */
export const NOT_JSON_ERROR_BODY = "the error body was not JSON (not passed on)";

/**
 * The `UpstreamError` for a non-2xx provider response (reads at most 64 KiB of its body).
 * The message is the provider's own, scrubbed of `secrets`; a body that is not JSON, or JSON
 * without a message, is described, never quoted.
 *
 * @example
 * if (!res.ok) throw await upstreamErrorFrom("gemini", res, readGoogleError, [apiKey]);
 */
export async function upstreamErrorFrom(
  provider: string,
  response: Response,
  readMessage: ErrorMessageReader,
  secrets: readonly (string | null | undefined)[] = [],
): Promise<UpstreamError> {
  const text = await readBounded(response, MAX_ERROR_BODY);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new UpstreamError(provider, response.status, text.trim() ? NOT_JSON_ERROR_BODY : "no error message");
  }
  let message: string | undefined;
  try {
    message = readMessage(body);
  } catch {
    message = undefined;
  }
  return new UpstreamError(provider, response.status, message === undefined ? "the error body carried no message" : scrubSecrets(message, secrets));
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
    throw new UpstreamError(provider, 502, "malformed response: the body was not JSON (not passed on)");
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

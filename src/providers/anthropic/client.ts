/**
 * Calls to Anthropic: where they go, which headers they carry, and how Anthropic's error body
 * becomes an `UpstreamError` (or a more precise `GatewayError` when the caller knows better).
 */
import { GatewayError, UpstreamError } from "../../lib/errors";
import { upstreamFetch } from "../../lib/upstream";
import type { ProviderContext } from "../types";
import { readConfig } from "./config";
import { isRecord } from "../../lib/is-record";

export const PROVIDER = "anthropic";
export const API_VERSION = "2023-06-01";
export const FILES_BETA = "files-api-2025-04-14";
/**
 * The Files API is a beta: it needs `files-api-2025-04-14` on top of whatever betas the client
 * asked for. Batches are GA, so they carry only the client's own betas.
 */
export type Surface = "files" | "batches";

/**
 * The `anthropic-beta` value for a call, or `undefined` when there is none to send.
 *
 * @example
 * betaHeader(["message-batches-2024-09-24"], "files") // "message-batches-2024-09-24,files-api-2025-04-14"
 * betaHeader([], "batches")                           // undefined
 */
export function betaHeader(clientBetas: readonly string[], surface: Surface): string | undefined {
  const betas = clientBetas.map((beta) => beta.trim()).filter((beta) => beta.length > 0);
  if (surface === "files") betas.push(FILES_BETA);
  const unique = [...new Set(betas)];
  return unique.length > 0 ? unique.join(",") : undefined;
}

export interface AnthropicRequest {
  surface: Surface;
  method: "GET" | "POST" | "DELETE";
  /** A path under the base URL (`/v1/files`), or an absolute URL that lies on it. */
  path: string;
  headers?: Record<string, string>;
  body?: BodyInit;
}

/** What went wrong upstream, for callers that turn some failures into their own errors. */
export interface UpstreamFailure {
  status: number;
  /** `error.details.error_code`, e.g. `file_not_downloadable`. */
  errorCode: string | null;
}

/**
 * `fetch` against Anthropic with auth, version and beta headers. A non-2xx answer throws the
 * `GatewayError` that `onFailure` returns for it, else an `UpstreamError` carrying Anthropic's
 * own message.
 *
 * @example
 * const res = await anthropicFetch(ctx, { surface: "files", method: "GET", path: `/v1/files/${id}` }, (f) =>
 *   f.status === 404 ? GatewayError.notFound(`File not found: ${gatewayId}`) : undefined,
 * );
 */
export async function anthropicFetch(
  ctx: ProviderContext,
  request: AnthropicRequest,
  onFailure?: (failure: UpstreamFailure) => GatewayError | undefined,
): Promise<Response> {
  const config = readConfig(ctx.env);
  const url = request.path.startsWith("/") ? `${config.baseUrl}${request.path}` : request.path;
  const headers: Record<string, string> = {
    "x-api-key": config.apiKey,
    "anthropic-version": API_VERSION,
    ...request.headers,
  };
  const beta = betaHeader(ctx.clientBetas, request.surface);
  if (beta) headers["anthropic-beta"] = beta;
  // A streamed body needs `duplex: "half"` outside workerd (Node's fetch refuses it otherwise).
  const init: RequestInit & { duplex?: "half" } = { method: request.method, headers };
  if (request.body !== undefined) {
    init.body = request.body;
    if (request.body instanceof ReadableStream) init.duplex = "half";
  }

  let errorCode: string | null = null;
  try {
    return await upstreamFetch(PROVIDER, ctx.fetch, url, init, (body) => {
      errorCode = errorCodeOf(body);
      return errorMessageOf(body);
    }, [config.apiKey]);
  } catch (error) {
    if (error instanceof UpstreamError && onFailure) {
      const replacement = onFailure({ status: error.upstreamStatus, errorCode });
      if (replacement) throw replacement;
    }
    throw error;
  }
}

/**
 * The message of Anthropic's error body, `{"type":"error","error":{"type","message"}}`.
 *
 * @example
 * errorMessageOf({ type: "error", error: { type: "not_found_error", message: "Not Found" } }) // "Not Found"
 */
export function errorMessageOf(body: unknown): string | undefined {
  const message = errorOf(body)?.message;
  return typeof message === "string" ? message : undefined;
}

function errorCodeOf(body: unknown): string | null {
  const details = errorOf(body)?.details;
  const code = isRecord(details) ? details.error_code : undefined;
  return typeof code === "string" ? code : null;
}

function errorOf(body: unknown): Record<string, unknown> | undefined {
  return isRecord(body) && isRecord(body.error) ? body.error : undefined;
}

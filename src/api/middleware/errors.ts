/**
 * Every error as Anthropic's error body, `{"type":"error","error":{"type","message"},"request_id"}`,
 * with Anthropic's status. Unexpected errors are logged by name only (never a key, never a
 * stack in a response) and answered as `api_error`.
 *
 * @example
 * app.onError(onError);
 * app.notFound(notFound);
 */
import type { Context } from "hono";
import type { AnthropicErrorBody, AnthropicErrorType } from "../../domain/errors";
import { GatewayError, RateLimitedError, type GatewayErrorBody, type GatewayErrorType } from "../../lib/errors";
import type { AppEnv } from "../env";
import { newRequestId } from "./request-id";

/**
 * lib/errors.ts declares Anthropic's error shape on its own (lib may not import domain): these
 * lines stop the compile if it and src/domain/errors.ts ever drift apart.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const SAME_ERROR_TYPES: Same<AnthropicErrorType, GatewayErrorType> = true;
const SAME_ERROR_BODIES: Same<AnthropicErrorBody, GatewayErrorBody> = true;
void SAME_ERROR_TYPES;
void SAME_ERROR_BODIES;

export function errorResponse(c: Context<AppEnv>, status: number, type: AnthropicErrorType, message: string): Response {
  const requestId = c.get("requestId") ?? newRequestId();
  return new Response(JSON.stringify({ ...new GatewayError(status, type, message).toBody(), request_id: requestId }), {
    status,
    headers: { "content-type": "application/json", "request-id": requestId },
  });
}

export function onError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof RateLimitedError) {
    const response = errorResponse(c, error.status, error.type, error.message);
    response.headers.set("retry-after", String(error.retryAfterSeconds));
    if (!error.retryable) response.headers.set("x-should-retry", "false");
    return response;
  }
  if (error instanceof GatewayError) return errorResponse(c, error.status, error.type, error.message);
  console.error(`unexpected ${error.name} on ${c.req.method} ${new URL(c.req.url).pathname}`);
  return errorResponse(c, 500, "api_error", "Internal server error");
}

export function notFound(c: Context<AppEnv>): Response {
  return errorResponse(c, 404, "not_found_error", `Not found: ${c.req.method} ${new URL(c.req.url).pathname}`);
}

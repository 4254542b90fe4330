/**
 * Pieces every operation of the OpenAPI document shares: the `request-id` header, JSON
 * responses, and the Anthropic error responses by status.
 */
import * as z from "zod";
import type { ZodOpenApiResponseObject, ZodOpenApiResponsesObject } from "zod-openapi";
import { ErrorResponse } from "./objects";

/**
 * Every response carries it, errors included; an error body's `request_id` equals it.
 *
 * @example
 * { description: "The bytes", headers: requestIdHeaders, content: { … } }
 */
export const requestIdHeaders = z.object({
  "request-id": z.string().meta({ description: "This request's ID, shaped like Anthropic's", example: "req_01JEXAMPLE" }),
});

/**
 * A 200 answer with a JSON body.
 *
 * @example
 * responses: { 200: json(FileMetadata, "The file's metadata"), ...errors(400, 404) }
 */
export function json(schema: z.ZodType, description: string): ZodOpenApiResponseObject {
  return { description, headers: requestIdHeaders, content: { "application/json": { schema } } };
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "invalid_request_error: a bad body, query, header (an unknown x-model-provider) or param, or one the provider cannot take (the message names the param and the provider)",
  401: "authentication_error: no key, or one that is not an active virtual key (once ADMIN_TOKEN is set)",
  403: "permission_error: the virtual key may not use this provider or model",
  404: "not_found_error: no such object (another key's object answers the same)",
  409: "conflict_error: the Idempotency-Key was used with another body",
  413: "request_too_large: over Anthropic's limits (256 MB or 100,000 requests per batch, 500 MB per file)",
  429: "rate_limit_error: over the key's requests per minute or batches in progress (retry-after says when to retry), or the admin API's per-address limit",
};

/**
 * Error responses for these statuses, and `default` for the rest: a provider's failure keeps
 * the provider's status (429, 500, 529…) and names the provider.
 *
 * @example
 * responses: { 200: json(MessageBatch, "The batch"), ...errors(400, 401, 404) }
 */
export function errors(...statuses: number[]): ZodOpenApiResponsesObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const status of statuses) responses[String(status) as `${1 | 2 | 3 | 4 | 5}${string}`] = errorResponse(ERROR_DESCRIPTIONS[status] ?? "Error");
  responses.default = errorResponse("Any other error, the gateway's or a provider's (which names the provider), with Anthropic's status");
  return responses;
}

function errorResponse(description: string): ZodOpenApiResponseObject {
  return { description, headers: requestIdHeaders, content: { "application/json": { schema: ErrorResponse } } };
}

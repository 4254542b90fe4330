/**
 * Google's error shapes: the HTTP error body `{"error": {code, message, status, details}}`
 * (docs/reference/provider-apis.md §5.5) and the gRPC codes that batch results carry (§7.5).
 */
import { errorTypeForStatus } from "../../lib/errors";
import type { AnthropicErrorBody } from "../../domain/errors";
import type { GoogleStatus } from "./wire";
import { isRecord } from "../../lib/is-record";

/** What an error body says: Google's message and the `ErrorInfo` reason, if any. */
export interface GoogleErrorFacts {
  message?: string;
  status?: string;
  reason?: string;
}

/**
 * Reads a Google error body. Some Google front ends wrap it in a one-element array.
 *
 * @example
 * readGoogleError({ error: { code: 400, message: "API key not valid.", status: "INVALID_ARGUMENT",
 *   details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" }] } })
 * // { message: "API key not valid.", status: "INVALID_ARGUMENT", reason: "API_KEY_INVALID" }
 */
export function readGoogleError(body: unknown): GoogleErrorFacts {
  const root = Array.isArray(body) ? body[0] : body;
  const error = isRecord(root) && isRecord(root.error) ? root.error : undefined;
  if (!error) return {};
  const details = Array.isArray(error.details) ? error.details : [];
  const info = details.find((detail) => isRecord(detail) && typeof detail.reason === "string") as
    | { reason: string }
    | undefined;
  return {
    message: typeof error.message === "string" ? error.message : undefined,
    status: typeof error.status === "string" ? error.status : undefined,
    reason: info?.reason,
  };
}

/** gRPC code → the HTTP status Google maps it to (google.rpc.Code; `CANCELLED` is 499). */
const HTTP_OF_GRPC: Record<number, { http: number; name: string }> = {
  1: { http: 499, name: "CANCELLED" },
  2: { http: 500, name: "UNKNOWN" },
  3: { http: 400, name: "INVALID_ARGUMENT" },
  4: { http: 504, name: "DEADLINE_EXCEEDED" },
  5: { http: 404, name: "NOT_FOUND" },
  6: { http: 409, name: "ALREADY_EXISTS" },
  7: { http: 403, name: "PERMISSION_DENIED" },
  8: { http: 429, name: "RESOURCE_EXHAUSTED" },
  9: { http: 400, name: "FAILED_PRECONDITION" },
  10: { http: 409, name: "ABORTED" },
  11: { http: 400, name: "OUT_OF_RANGE" },
  12: { http: 501, name: "UNIMPLEMENTED" },
  13: { http: 500, name: "INTERNAL" },
  14: { http: 503, name: "UNAVAILABLE" },
  15: { http: 500, name: "DATA_LOSS" },
  16: { http: 401, name: "UNAUTHENTICATED" },
};

/**
 * The Anthropic error body for a request that failed inside a Gemini batch, from its
 * `google.rpc.Status` (a gRPC code, docs/reference/provider-apis.md §7.5).
 *
 * @example
 * erroredBody({ code: 8, message: "Quota exceeded" })
 * // { type: "error", error: { type: "rate_limit_error", message: "gemini upstream error (RESOURCE_EXHAUSTED): Quota exceeded" }, request_id: null }
 */
export function erroredBody(status: GoogleStatus): AnthropicErrorBody {
  const known = status.code === undefined ? undefined : HTTP_OF_GRPC[status.code];
  const name = status.status ?? known?.name ?? "UNKNOWN";
  const http = known?.http ?? 500;
  const message = status.message?.trim() || "the request failed without a message";
  return {
    type: "error",
    error: { type: errorTypeForStatus(http), message: `gemini upstream error (${name}): ${message}` },
    request_id: null,
  };
}

/**
 * Anthropic's error body, the one shape of every error the gateway answers (docs/reference/provider-apis.md §2.5).
 * Only the wire types live here: the error classes that build these bodies stay in
 * src/lib/errors.ts, because lib (src/lib/upstream.ts, src/lib/multipart-upload.ts) throws them
 * and lib may not import domain. lib/errors.ts declares the same shape structurally, and
 * src/api/middleware/errors.ts checks at compile time that the two stay one shape.
 *
 * @example
 * const body: AnthropicErrorBody = { type: "error", error: { type: "not_found_error", message: "File not found" } };
 */
export type AnthropicErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "billing_error"
  | "permission_error"
  | "not_found_error"
  | "conflict_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "timeout_error"
  | "overloaded_error";

/** `{"type":"error","error":{"type","message"}}`, as Anthropic sends it. */
export interface AnthropicErrorBody {
  type: "error";
  error: { type: AnthropicErrorType; message: string };
  request_id?: string | null;
}

/**
 * Anthropic's HTTP conventions, as the fake speaks them: every answer carries a `request-id`
 * header, and every error is `{"type":"error","error":{"type","message"},"request_id"}`
 * (docs/reference/provider-apis.md §2.5). Handlers throw `ApiError`; the router renders it with the request's ID.
 */

export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "overloaded_error";

/** An error answer, in Anthropic's shape. `details` carries `error_code` where the API names one. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, type: ErrorType, message: string, details?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.type = type;
    this.details = details;
  }

  static invalid(message: string, details?: Record<string, unknown>): ApiError {
    return new ApiError(400, "invalid_request_error", message, details);
  }

  static notFound(message: string): ApiError {
    return new ApiError(404, "not_found_error", message);
  }
}

/**
 * The JSON error body for `error`, as Anthropic sends it.
 *
 * @example
 * errorBody(ApiError.notFound("Not Found"), "req_01") // {"type":"error","error":{"type":"not_found_error","message":"Not Found"},"request_id":"req_01"}
 */
export function errorBody(error: ApiError, requestId: string): Record<string, unknown> {
  const inner: Record<string, unknown> = { type: error.type, message: error.message };
  if (error.details) inner.details = error.details;
  return { type: "error", error: inner, request_id: requestId };
}

/**
 * A JSON response.
 *
 * @example
 * return json({ id, type: "file_deleted" });
 */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

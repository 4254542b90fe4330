/**
 * The one error type the gateway throws on purpose. Every thrown `GatewayError` becomes an
 * Anthropic error body, `{"type":"error","error":{"type","message"}}`, with `status`.
 *
 * @example
 * throw new GatewayError(404, "not_found_error", "File not found: file_01ABC");
 * throw GatewayError.invalid("requests.0.custom_id: must match ^[a-zA-Z0-9_-]{1,64}$");
 */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly type: GatewayErrorType,
    message: string,
  ) {
    super(message);
    this.name = "GatewayError";
  }

  static invalid(message: string): GatewayError {
    return new GatewayError(400, "invalid_request_error", message);
  }

  static notFound(message: string): GatewayError {
    return new GatewayError(404, "not_found_error", message);
  }

  /** A provider cannot express `param` faithfully: refused at create time, never dropped. */
  static unsupported(provider: string, param: string, why = "has no equivalent"): GatewayError {
    return GatewayError.invalid(`${param}: ${why} on provider ${provider}; remove it or use provider anthropic`);
  }

  /** What Anthropic answers for downloading a file that was uploaded rather than generated. */
  static notDownloadable(fileId: string): GatewayError {
    return GatewayError.invalid(`File ${fileId} is not downloadable: only files a provider generated (such as batch output) can be downloaded`);
  }

  toBody(): GatewayErrorBody {
    return { type: "error", error: { type: this.type, message: this.message } };
  }
}

/**
 * A limit of the gateway's own was reached: 429 `rate_limit_error` with a `retry-after`.
 * `retryable: false` adds `x-should-retry: false`, which the Anthropic SDKs obey: a limit that
 * lifts only when a batch ends (or a month begins) is not worth the SDK's automatic retries,
 * which would otherwise wait out a `retry-after` of up to 60 s twice before giving up.
 *
 * @example
 * throw new RateLimitedError("This API key may make 60 requests per minute.", 60);
 */
export class RateLimitedError extends GatewayError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    readonly retryable: boolean = true,
  ) {
    super(429, "rate_limit_error", message);
    this.name = "RateLimitedError";
  }
}

/** Anthropic's own status code for each error type (docs/reference/provider-apis.md §2.5). */
export const STATUS_OF_ERROR_TYPE = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  conflict_error: 409,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
} as const satisfies Record<string, number>;

/**
 * Anthropic's error types (the keys of the table above) and error body. The wire types are
 * src/domain/errors.ts; lib may not import domain (the layer rules, .dependency-cruiser.cjs),
 * and lib throws these errors itself (upstream.ts, multipart-upload.ts), so the classes stay
 * here and declare the same shape structurally. src/api/middleware/errors.ts fails to compile
 * if the two ever differ.
 */
export type GatewayErrorType = keyof typeof STATUS_OF_ERROR_TYPE;

/** The body `GatewayError.toBody()` builds: Anthropic's `{"type":"error","error":{"type","message"}}`. */
export interface GatewayErrorBody {
  type: "error";
  error: { type: GatewayErrorType; message: string };
  request_id?: string | null;
}

/**
 * The Anthropic error type for an HTTP status from any upstream (docs/reference/provider-apis.md §7.5).
 *
 * @example
 * errorTypeForStatus(429) // "rate_limit_error"
 * errorTypeForStatus(503) // "overloaded_error"
 */
export function errorTypeForStatus(status: number): GatewayErrorType {
  switch (status) {
    case 400:
    case 422:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 409:
      return "conflict_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    case 504:
      return "timeout_error";
    default:
      return status >= 500 || status === 0 ? "api_error" : "invalid_request_error";
  }
}

/**
 * An upstream provider answered with an error, or could not be reached. The message always
 * names the provider and carries the provider's own message, never a key.
 *
 * @example
 * throw new UpstreamError("openai", 429, "Rate limit reached for gpt-4o-mini");
 * // → 429 {"type":"error","error":{"type":"rate_limit_error","message":"openai: Rate limit reached for gpt-4o-mini"}}
 */
export class UpstreamError extends GatewayError {
  constructor(
    readonly provider: string,
    readonly upstreamStatus: number,
    upstreamMessage: string,
  ) {
    const type = errorTypeForStatus(upstreamStatus);
    super(STATUS_OF_ERROR_TYPE[type], type, `${provider} upstream error (HTTP ${upstreamStatus}): ${upstreamMessage}`);
    this.name = "UpstreamError";
  }
}

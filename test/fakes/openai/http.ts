/**
 * OpenAI's answers: JSON bodies, the `{"error": {...}}` body, and the messages the fake reuses.
 *
 * Message wordings marked (confirmed) were read in public reports of real OpenAI answers;
 * the others follow the same style and are marked (unconfirmed) where they are used.
 */

export interface OpenAIError {
  message: string;
  type?: string;
  param?: string | null;
  code?: string | null;
}

/** A JSON answer. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** OpenAI's error body, `{"error": {"message", "type", "param", "code"}}` (docs/reference/provider-apis.md §4.7). */
export function errorResponse(status: number, error: OpenAIError): Response {
  return json(
    {
      error: {
        message: error.message,
        type: error.type ?? (status >= 500 ? "server_error" : "invalid_request_error"),
        param: error.param ?? null,
        code: error.code ?? null,
      },
    },
    status,
  );
}

/**
 * 404 for a path OpenAI does not serve (confirmed wording: "Invalid URL (GET /v1/foo)").
 */
export function invalidUrl(method: string, path: string): Response {
  return errorResponse(404, { message: `Invalid URL (${method} ${path})` });
}

/**
 * A JSON body that does not parse (wording as OpenAI answers it; recalled, unconfirmed).
 */
export function unparsableJson(): Response {
  return errorResponse(400, {
    message:
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
  });
}

/** "Missing required parameter: 'x'." (unconfirmed wording, OpenAI's current style). */
export function missingParameter(param: string): OpenAIError {
  return { message: `Missing required parameter: '${param}'.`, param, code: "missing_required_parameter" };
}

/** "Invalid value: 'x'. Supported values are: 'a', 'b', and 'c'." (unconfirmed wording). */
export function invalidValue(param: string, value: unknown, supported: readonly string[]): OpenAIError {
  return { message: `Invalid value: '${String(value)}'. Supported values are: ${listOf(supported)}.`, param, code: "invalid_value" };
}

/** "Invalid type for 'x': expected a string, but got an integer instead." (unconfirmed wording). */
export function invalidType(param: string, expected: string, value: unknown): OpenAIError {
  return {
    message: `Invalid type for '${param}': expected ${expected}, but got ${describeType(value)} instead.`,
    param,
    code: "invalid_type",
  };
}

/** "Unknown parameter: 'x'." for a nested key (unconfirmed wording). */
export function unknownParameter(param: string): OpenAIError {
  return { message: `Unknown parameter: '${param}'.`, param, code: "unknown_parameter" };
}

/** `'a', 'b', and 'c'`. */
export function listOf(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  if (quoted.length <= 1) return quoted.join("");
  return `${quoted.slice(0, -1).join(", ")}, and ${quoted[quoted.length - 1]}`;
}

/** How OpenAI names a JSON value's type in its messages. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a decimal";
  if (typeof value === "string") return "a string";
  if (typeof value === "boolean") return "a boolean";
  return "an object";
}

/** A plain object, or `null`. */
export function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** The current Unix time in seconds. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** 32 hex characters, like OpenAI's request IDs. */
export function hexId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

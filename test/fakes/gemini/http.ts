/**
 * Google's answers, as the fake gives them. Error bodies follow the Gemini API's
 * `{"error": {code, message, status, details?}}` (docs/reference/provider-apis.md §5.5).
 *
 * Looked up (third-party captures of the live API, quoted in test code on GitHub):
 * - wrong key: 400 INVALID_ARGUMENT "API key not valid. Please pass a valid API key." with an
 *   ErrorInfo detail, reason API_KEY_INVALID, domain googleapis.com, and a LocalizedMessage;
 * - no key: 403 PERMISSION_DENIED "Method doesn't allow unregistered callers (callers without
 *   established identity). Please use API Key or other form of API consumer identity to call this API.";
 * - unknown JSON field: 400 INVALID_ARGUMENT "Invalid JSON payload received. Unknown name \"x\"
 *   at 'generation_config': Cannot find field." with a google.rpc.BadRequest detail whose
 *   fieldViolations repeat it (`field` is the path, "" at the root, where the message has no "at");
 * - unknown query parameter: "Invalid JSON payload received. Unknown name \"x\": Cannot bind
 *   query parameter. Field 'x' could not be found in request message.";
 * - a path no API serves: Google's front end answers 404 with an HTML page.
 */

export const STATUS_NAME: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ALREADY_EXISTS",
  413: "INVALID_ARGUMENT",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

/** One entry of a `google.rpc.BadRequest` detail. */
export interface FieldViolation {
  field: string;
  description: string;
}

/**
 * A JSON response.
 *
 * @example
 * return json(200, { files: [] });
 */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=UTF-8", ...headers },
  });
}

/**
 * A Google error body.
 *
 * @example
 * return googleError(404, "Requested entity was not found.");
 */
export function googleError(
  code: number,
  message: string,
  options: { status?: string; details?: unknown[]; headers?: Record<string, string> } = {},
): Response {
  const error: Record<string, unknown> = { code, message, status: options.status ?? STATUS_NAME[code] ?? "UNKNOWN" };
  if (options.details) error.details = options.details;
  return json(code, { error }, options.headers);
}

/** The 400 for JSON fields or query parameters the API does not know, or values of the wrong type. */
export function badRequest(violations: FieldViolation[]): Response {
  return googleError(400, violations.map((violation) => violation.description).join("\n"), {
    details: [{ "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: violations }],
  });
}

/** What Google answers a wrong API key. */
export function invalidApiKey(): Response {
  const message = "API key not valid. Please pass a valid API key.";
  return googleError(400, message, {
    details: [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        reason: "API_KEY_INVALID",
        domain: "googleapis.com",
        metadata: { service: "generativelanguage.googleapis.com" },
      },
      { "@type": "type.googleapis.com/google.rpc.LocalizedMessage", locale: "en-US", message },
    ],
  });
}

/** What Google answers a call without any key. */
export function missingApiKey(): Response {
  return googleError(
    403,
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
  );
}

/** Google's front-end 404 page, for paths no method serves. */
export function notFoundPage(path: string): Response {
  const html =
    `<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n` +
    `  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL <code>${escapeHtml(path)}</code> was not found on this server.  <ins>That’s all we know.</ins>\n`;
  return new Response(html, { status: 404, headers: { "content-type": "text/html; charset=UTF-8" } });
}

/**
 * The 400 for query parameters a method does not take. `key` (the other way to pass the API
 * key), `alt`, `fields` and `prettyPrint` are Google's system parameters, accepted everywhere.
 */
export function unknownQuery(url: URL, allowed: readonly string[]): Response | undefined {
  const system = ["key", "alt", "fields", "prettyPrint", "$alt", "$fields"];
  const violations: FieldViolation[] = [];
  for (const name of new Set(url.searchParams.keys())) {
    if (allowed.includes(name) || system.includes(name)) continue;
    violations.push({
      field: name,
      description: `Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter. Field '${name}' could not be found in request message.`,
    });
  }
  return violations.length > 0 ? badRequest(violations) : undefined;
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

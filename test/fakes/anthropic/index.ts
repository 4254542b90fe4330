/**
 * A strict fake of Anthropic's Files API (beta) and Message Batches API (docs/reference/provider-apis.md §1–2), as a
 * web-standard fetch handler with in-memory state (test/fakes/README.md).
 *
 * Every request is checked as the API checks it, in this order:
 * 1. auth: `x-api-key` (or `Authorization: Bearer`) must be the configured key, else 401
 *    authentication_error ("x-api-key header is required" / "invalid x-api-key", the API's
 *    wording as quoted widely; "Invalid bearer token" is chosen);
 * 2. `anthropic-version` must be present ("anthropic-version: header is required", 400, as quoted
 *    widely) and a known version;
 * 3. `anthropic-beta` values must be known betas (see betas.ts);
 * 4. the route must exist (404 "Not Found") and take the method (405);
 * 5. Files routes take the generally available form (no beta header, as the current SDKs send
 *    it) and the beta form (`files-api-2025-04-14`); they differ in the list page's shape (see
 *    paging.ts; docs/sources/anthropic.md § Files API GA shapes). `?beta=true`, which the SDK
 *    adds to beta paths, is accepted everywhere.
 * Every answer has a `request-id` header, and every error body its `request_id`.
 *
 * Control routes (not Anthropic's):
 * - `GET /__fake/calls`, `POST /__fake/reset`, `POST /__fake/batches/{id}/expire` (README);
 * - `POST /__fake/files?filename=…&mime_type=…` with raw bytes: stores a downloadable file, as
 *   the code execution tool would have made it (uploaded files cannot be downloaded);
 * - `POST /__fake/fail-next` with `{status, type?, message?, body?, times?}`: the next `times`
 *   (default 1) API calls answer `status` with an Anthropic error body (or the raw `body`),
 *   whatever they ask, to test how a client handles 429s, 500s or a malformed answer.
 */
import { betasOf, FILES_BETA } from "./betas.ts";
import { createBatchStore, type RecordedBody } from "./batches.ts";
import { createFileStore } from "./files.ts";
import { ApiError, errorBody, json, type ErrorType } from "./http.ts";
import { createIds } from "./ids.ts";

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The body as text, when it is small and not an upload. */
  body?: string;
  /** The body's size in bytes, when it was streamed (batch create, upload). */
  bodyBytes?: number;
  /** For an upload: each multipart part, without its bytes. */
  multipart?: Array<{ name: string; filename: string | null; contentType: string | null; size: number }>;
}

export interface FakeAnthropicOptions {
  apiKey: string;
  /** The clock for `created_at` and friends (default: real time). */
  now?: () => Date;
  /** GETs of a batch before it ends (default 2: the first GET still says `in_progress`). */
  pollsToEnd?: number;
}

export interface FakeAnthropic {
  fetch(request: Request): Promise<Response>;
  calls: RecordedCall[];
  reset(): void;
}

// 2026-10-21 is what @anthropic-ai/sdk 1.x sends (docs/sources/anthropic.md § API version 2026-10-21).
const VERSIONS = new Set(["2023-06-01", "2023-01-01", "2026-10-21"]);
const TYPE_OF_STATUS: Record<number, ErrorType> = {
  400: "invalid_request_error", 401: "authentication_error", 403: "permission_error", 404: "not_found_error",
  413: "request_too_large", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error",
};

/** An answer injected through `/__fake/fail-next`. */
interface InjectedFailure {
  status: number;
  type?: ErrorType;
  message?: string;
  body?: string;
}

type Route = {
  pattern: RegExp;
  methods: Record<string, (request: Request, url: URL, id: string, call: RecordedCall) => Promise<Response> | Response>;
};

/**
 * @example
 * const fake = createFakeAnthropic({ apiKey: "test-anthropic-key" });
 * const res = await fake.fetch(new Request("https://api.anthropic.test/v1/messages/batches", { headers: { "x-api-key": "test-anthropic-key", "anthropic-version": "2023-06-01" } }));
 * fake.calls[0].path; // "/v1/messages/batches"
 */
export function createFakeAnthropic(options: FakeAnthropicOptions): FakeAnthropic {
  const now = options.now ?? (() => new Date());
  const ids = createIds();
  const requestIds = createIds();
  const files = createFileStore(ids, now);
  const batches = createBatchStore({ ids, now, fileOf: (id) => files.get(id), pollsToEnd: options.pollsToEnd ?? 2 });
  const calls: RecordedCall[] = [];
  const failures: InjectedFailure[] = [];

  const routes: Route[] = [
    {
      pattern: /^\/v1\/files$/,
      methods: {
        GET: (request, url) => files.list(url.searchParams, betasOf(request.headers).has(FILES_BETA)),
        POST: async (request, _url, _id, call) => {
          const { response, parts } = await files.upload(request);
          call.multipart = parts.map(({ name, filename, contentType, size }) => ({ name, filename, contentType, size }));
          call.bodyBytes = parts.reduce((sum, part) => sum + part.size, 0);
          return response;
        },
      },
    },
    { pattern: /^\/v1\/files\/([^/]+)$/, methods: { GET: (_r, _u, id) => files.metadata(id), DELETE: (_r, _u, id) => files.remove(id) } },
    { pattern: /^\/v1\/files\/([^/]+)\/content$/, methods: { GET: (_r, _u, id) => files.content(id) } },
    {
      pattern: /^\/v1\/messages\/batches$/,
      methods: {
        GET: (_request, url) => batches.list(url.searchParams, url.origin),
        POST: (request, url, _id, call) =>
          batches.create(request, url.origin, (body: RecordedBody) => {
            call.bodyBytes = body.bytes;
            if (body.text !== undefined) call.body = body.text;
          }),
      },
    },
    {
      pattern: /^\/v1\/messages\/batches\/([^/]+)$/,
      methods: { GET: (_r, url, id) => batches.retrieve(id, url.origin), DELETE: (_r, _u, id) => batches.remove(id) },
    },
    { pattern: /^\/v1\/messages\/batches\/([^/]+)\/cancel$/, methods: { POST: (_r, url, id) => batches.cancel(id, url.origin) } },
    { pattern: /^\/v1\/messages\/batches\/([^/]+)\/results$/, methods: { GET: (_r, _u, id) => batches.results(id) } },
  ];

  const authenticate = (headers: Headers): void => {
    const apiKey = headers.get("x-api-key");
    if (apiKey !== null) {
      if (apiKey !== options.apiKey) throw new ApiError(401, "authentication_error", "invalid x-api-key");
      return;
    }
    const authorization = headers.get("authorization");
    if (authorization === null) throw new ApiError(401, "authentication_error", "x-api-key header is required");
    if (authorization !== `Bearer ${options.apiKey}`) throw new ApiError(401, "authentication_error", "Invalid bearer token");
  };

  const checkVersion = (headers: Headers): void => {
    const version = headers.get("anthropic-version");
    if (!version) throw ApiError.invalid("anthropic-version: header is required");
    if (!VERSIONS.has(version)) throw ApiError.invalid(`anthropic-version: "${version}" is not a valid version`);
  };

  const serve = async (request: Request, url: URL, call: RecordedCall): Promise<Response> => {
    authenticate(request.headers);
    checkVersion(request.headers);
    betasOf(request.headers);
    for (const route of routes) {
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      const handler = route.methods[request.method];
      if (!handler) throw new ApiError(405, "invalid_request_error", "Method Not Allowed");
      return handler(request, url, match[1] ? decodeURIComponent(match[1]) : "", call);
    }
    throw ApiError.notFound("Not Found");
  };

  const control = async (request: Request, url: URL): Promise<Response> => {
    const path = url.pathname;
    if (path === "/__fake/calls" && request.method === "GET") return json(calls);
    if (path === "/__fake/reset" && request.method === "POST") {
      reset();
      return json({ reset: true });
    }
    const expire = /^\/__fake\/batches\/([^/]+)\/expire$/.exec(path);
    if (expire && request.method === "POST") return batches.expire(decodeURIComponent(expire[1]!), url.origin);
    if (path === "/__fake/fail-next" && request.method === "POST") {
      const failure = (await request.json()) as InjectedFailure & { times?: number };
      for (let time = 0; time < (failure.times ?? 1); time++) failures.push(failure);
      return json({ queued: failures.length });
    }
    if (path === "/__fake/files" && request.method === "POST") {
      const bytes = await request.arrayBuffer();
      const file = files.seed(url.searchParams.get("filename") ?? "output.txt", url.searchParams.get("mime_type") ?? "text/plain", bytes);
      return json(file);
    }
    throw ApiError.notFound("Not Found");
  };

  const reset = (): void => {
    calls.length = 0;
    failures.length = 0;
    ids.reset();
    requestIds.reset();
    files.reset();
    batches.reset();
  };

  return {
    calls,
    reset,
    async fetch(request) {
      const url = new URL(request.url);
      const requestId = requestIds.next("req");
      let response: Response;
      try {
        if (url.pathname.startsWith("/__fake/")) {
          response = await control(request, url);
        } else {
          const call = await record(request, url);
          calls.push(call);
          const failure = failures.shift();
          response = failure ? injected(failure, requestId) : await serve(request, url, call);
        }
      } catch (error) {
        const apiError = error instanceof ApiError ? error : new ApiError(500, "api_error", `Internal server error (fake: ${String(error)})`);
        response = json(errorBody(apiError, requestId), apiError.status);
      }
      response.headers.set("request-id", requestId);
      return response;
    },
  };
}

function injected(failure: InjectedFailure, requestId: string): Response {
  if (failure.body !== undefined) return new Response(failure.body, { status: failure.status, headers: { "content-type": "application/json" } });
  const type = failure.type ?? TYPE_OF_STATUS[failure.status] ?? "api_error";
  return json(errorBody(new ApiError(failure.status, type, failure.message ?? "Simulated failure"), requestId), failure.status);
}

/**
 * The call as received. Bodies that are streamed (batch create, uploads) are filled in by their
 * handler as they are read; other bodies are small and read here.
 */
async function record(request: Request, url: URL): Promise<RecordedCall> {
  const call: RecordedCall = {
    method: request.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: Object.fromEntries(request.headers),
  };
  const streamed = request.method === "POST" && (url.pathname === "/v1/files" || url.pathname === "/v1/messages/batches");
  if (request.body && !streamed) {
    const text = await request.text();
    if (text.length > 0) call.body = text;
  }
  return call;
}

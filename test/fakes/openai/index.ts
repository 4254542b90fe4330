/**
 * A strict fake of the OpenAI API: Files, Batches, and Chat Completions, as a web-standard
 * fetch handler with in-memory state (test/fakes/README.md). It rejects what OpenAI rejects,
 * with OpenAI's status and error body; every answer carries `x-request-id`.
 *
 * Routes are matched on the path, whatever the host (`https://openai.fake/v1/files`, …).
 */
import { checkAuth } from "./auth.ts";
import { cancelBatch, createBatch, expireBatch, listBatches, retrieveBatch } from "./batches.ts";
import { validateChatRequest } from "./chat-schema.ts";
import { type RecordedForm, createFile, deleteFile, fileContent, listFiles, retrieveFile } from "./files.ts";
import { errorResponse, hexId, invalidUrl, json, unixNow, unparsableJson } from "./http.ts";
import { answerChat } from "./model.ts";
import { type FakeState, createState } from "./state.ts";

export interface FakeOpenAIOptions {
  /** The only key accepted as `Authorization: Bearer <apiKey>`. */
  apiKey: string;
  /** Unix seconds for timestamps (default: the clock). */
  now?: () => number;
}

/** One request the fake received. Uploads record their form in `form` instead of `body`. */
export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: string;
  form?: RecordedForm;
}

export interface FakeOpenAI {
  fetch(request: Request): Promise<Response>;
  /** Every call to the OpenAI API (not the `/__fake/` control routes), oldest first. */
  calls: RecordedCall[];
  /** Forgets all files, batches and calls. */
  reset(): void;
}

type Handler = (request: Request, params: string[], call: RecordedCall) => Promise<Response> | Response;

/**
 * A fresh fake OpenAI.
 *
 * @example
 * const fake = createFakeOpenAI({ apiKey: "test-openai-key" });
 * const res = await fake.fetch(new Request("https://openai.fake/v1/batches/batch_1", { headers: { authorization: "Bearer test-openai-key" } }));
 */
export function createFakeOpenAI(options: FakeOpenAIOptions): FakeOpenAI {
  const now = options.now ?? unixNow;
  let state: FakeState = createState(now);
  const calls: RecordedCall[] = [];

  const routes: { method: string; pattern: RegExp; handler: Handler }[] = [
    { method: "POST", pattern: /^\/v1\/files$/, handler: (request, _, call) => createFile(request, state, (form) => (call.form = form)) },
    { method: "GET", pattern: /^\/v1\/files$/, handler: (request) => listFiles(new URL(request.url), state) },
    { method: "GET", pattern: /^\/v1\/files\/([^/]+)$/, handler: (_, [id]) => retrieveFile(id as string, state) },
    { method: "DELETE", pattern: /^\/v1\/files\/([^/]+)$/, handler: (_, [id]) => deleteFile(id as string, state) },
    { method: "GET", pattern: /^\/v1\/files\/([^/]+)\/content$/, handler: (_, [id]) => fileContent(id as string, state) },
    { method: "POST", pattern: /^\/v1\/batches$/, handler: (request, _, call) => withJson(request, call, (body) => createBatch(body, state)) },
    { method: "GET", pattern: /^\/v1\/batches$/, handler: (request) => listBatches(new URL(request.url), state) },
    { method: "GET", pattern: /^\/v1\/batches\/([^/]+)$/, handler: (_, [id]) => retrieveBatch(id as string, state) },
    { method: "POST", pattern: /^\/v1\/batches\/([^/]+)\/cancel$/, handler: (_, [id]) => cancelBatch(id as string, state) },
    { method: "POST", pattern: /^\/v1\/chat\/completions$/, handler: (request, _, call) => withJson(request, call, (body) => chat(body, state)) },
  ];

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = decodePath(url.pathname);
    if (path.startsWith("/__fake/")) return control(request.method, path);

    const call: RecordedCall = {
      method: request.method,
      path,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(request.headers),
    };
    calls.push(call);
    for (const route of routes) {
      const match = route.method === request.method ? route.pattern.exec(path) : null;
      if (!match) continue;
      const denied = checkAuth(request, options.apiKey);
      if (denied) {
        await request.body?.cancel();
        return denied;
      }
      return route.handler(request, match.slice(1), call);
    }
    await request.body?.cancel();
    return invalidUrl(request.method, path);
  }

  async function control(method: string, path: string): Promise<Response> {
    if (method === "GET" && path === "/__fake/calls") return json(calls);
    if (method === "POST" && path === "/__fake/reset") {
      reset();
      return json({ ok: true });
    }
    const expire = /^\/__fake\/batches\/([^/]+)\/expire$/.exec(path);
    if (method === "POST" && expire) return expireBatch(expire[1] as string, state);
    return invalidUrl(method, path);
  }

  function reset(): void {
    state = createState(now);
    calls.length = 0;
  }

  return {
    calls,
    reset,
    async fetch(request) {
      const response = await handle(request);
      response.headers.set("x-request-id", `req_${hexId()}`);
      return response;
    },
  };
}

// JSON endpoints: the body is recorded as text, and one that does not parse gets OpenAI's answer.
async function withJson(request: Request, call: RecordedCall, handler: (body: unknown) => Response): Promise<Response> {
  const text = await request.text();
  call.body = text;
  const contentType = request.headers.get("content-type") ?? "";
  let body: unknown;
  try {
    if (!contentType.toLowerCase().startsWith("application/json")) throw new Error("not JSON");
    body = JSON.parse(text);
  } catch {
    return unparsableJson();
  }
  return handler(body);
}

// `POST /v1/chat/completions`, answered at once: the same checks and model as batch requests.
function chat(body: unknown, state: FakeState): Response {
  const params = body !== null && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  if (!params) return unparsableJson();
  const invalid = validateChatRequest(params, (fileId) => state.files.get(fileId)?.purpose);
  if (invalid) return errorResponse(400, invalid);
  const answer = answerChat(params, state.nextId("chatcmpl-"), state.now());
  return answer.ok ? json(answer.body) : errorResponse(answer.status, answer.error);
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

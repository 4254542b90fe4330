/**
 * A strict fake of the Gemini API (generativelanguage.googleapis.com, v1beta): Files with
 * resumable uploads, and Batch Mode. See test/fakes/README.md for the contract shared by all
 * fakes; the Gemini specifics are documented in files.ts, batches.ts, model.ts and http.ts.
 *
 * @example
 * const fake = createFakeGemini({ apiKey: "test-gemini-key" });
 * const res = await fake.fetch(new Request("https://gemini.fake/v1beta/files", { headers: { "x-goog-api-key": "test-gemini-key" } }));
 */
import { cancelBatch, createBatch, deleteBatch, endBatch, getBatch, listBatches } from "./batches.ts";
import { continueUpload, deleteFile, downloadFile, getFile, listFiles, startUpload } from "./files.ts";
import { invalidApiKey, json, missingApiKey, notFoundPage } from "./http.ts";
import { emptyState, type FakeState } from "./store.ts";

/** One request the fake received. */
export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The body as text, when recorded (bodies up to 1 MiB, unless `recordBodies` is off). */
  body?: string;
  bodySize?: number;
}

/** Options of `createFakeGemini`. */
export interface FakeGeminiOptions {
  apiKey?: string;
  /** Largest inline batch create body (default 20 MiB, Gemini's limit). */
  inlineLimitBytes?: number;
  /** Models the fake serves (default: any name). */
  knownModels?: readonly string[];
  /** New uploads start PROCESSING and turn ACTIVE on their next GET (default false). */
  uploadsStartProcessing?: boolean;
  /** Keep request bodies in `calls` (default true; benchmarks turn it off). */
  recordBodies?: boolean;
}

/** A fake: its fetch handler, what it received, and a reset. */
export interface FakeGemini {
  fetch(request: Request): Promise<Response>;
  calls: RecordedCall[];
  reset(): void;
  /** The bytes of a stored file (uploaded or generated), joined; for tests. */
  fileContent(name: string): Uint8Array | undefined;
}

const MAX_RECORDED_BODY = 1024 * 1024;

/**
 * A fresh fake with its own state.
 *
 * @example
 * const fake = createFakeGemini({ apiKey: "k" });
 * fake.calls; // every request received
 */
export function createFakeGemini(options: FakeGeminiOptions = {}): FakeGemini {
  const apiKey = options.apiKey ?? "test-gemini-key";
  const batchOptions = { inlineLimitBytes: options.inlineLimitBytes ?? 20 * 1024 * 1024, knownModels: options.knownModels };
  const filesOptions = { uploadsStartProcessing: options.uploadsStartProcessing ?? false };
  const recordBodies = options.recordBodies ?? true;
  let state: FakeState = emptyState();
  const calls: RecordedCall[] = [];

  const reset = (): void => {
    state = emptyState();
    calls.length = 0;
  };

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    const control = path.match(/^\/__fake\/(.+)$/);
    if (control) return controlRoute(request.method, control[1]!);

    const { recorded, replay } = await record(request, url, recordBodies);
    calls.push(recorded);
    request = replay;

    // Upload sessions are addressed by their own URL, which is the credential.
    if (path === "/upload/v1beta/files" && url.searchParams.has("upload_id")) return continueUpload(state, request, url, filesOptions);

    const route = matchRoute(request.method, path);
    if (!route) return notFoundPage(path);
    const key = request.headers.get("x-goog-api-key") ?? url.searchParams.get("key");
    if (key === null || key === "") return missingApiKey();
    if (key !== apiKey) return invalidApiKey();
    return route(request, url);
  }

  function matchRoute(method: string, path: string): ((request: Request, url: URL) => Promise<Response> | Response) | undefined {
    let m: RegExpMatchArray | null;
    if (path === "/upload/v1beta/files" && method === "POST") return (request, url) => startUpload(state, request, url);
    if (path === "/v1beta/files" && method === "GET") return (_request, url) => listFiles(state, url);
    if ((m = path.match(/^\/(?:download\/)?v1beta\/files\/([^/:]+):download$/)) && method === "GET") {
      const name = `files/${decodeURIComponent(m[1]!)}`;
      return (_request, url) => downloadFile(state, name, url);
    }
    if ((m = path.match(/^\/v1beta\/files\/([^/:]+)$/))) {
      const name = `files/${decodeURIComponent(m[1]!)}`;
      if (method === "GET") return (_request, url) => getFile(state, name, url);
      if (method === "DELETE") return (_request, url) => deleteFile(state, name, url);
    }
    if ((m = path.match(/^\/v1beta\/models\/([^/:]+):batchGenerateContent$/)) && method === "POST") {
      const model = decodeURIComponent(m[1]!);
      return (request, url) => createBatch(state, request, url, model, batchOptions);
    }
    if (path === "/v1beta/batches" && method === "GET") return (_request, url) => listBatches(state, url);
    if ((m = path.match(/^\/v1beta\/batches\/([^/:]+):cancel$/)) && method === "POST") {
      const name = `batches/${decodeURIComponent(m[1]!)}`;
      return (request, url) => cancelBatch(state, name, request, url);
    }
    if ((m = path.match(/^\/v1beta\/batches\/([^/:]+)$/))) {
      const name = `batches/${decodeURIComponent(m[1]!)}`;
      if (method === "GET") return (_request, url) => getBatch(state, name, url);
      if (method === "DELETE") return (_request, url) => deleteBatch(state, name, url);
    }
    return undefined;
  }

  function controlRoute(method: string, route: string): Response {
    if (route === "calls" && method === "GET") return json(200, calls);
    if (route === "reset" && method === "POST") {
      reset();
      return json(200, { ok: true });
    }
    const batch = route.match(/^batches\/([^/]+)\/(expire|fail)$/);
    if (batch && method === "POST") {
      const name = `batches/${decodeURIComponent(batch[1]!).replace(/^batches\//, "")}`;
      return endBatch(state, name, batch[2] === "expire" ? "BATCH_STATE_EXPIRED" : "BATCH_STATE_FAILED");
    }
    const file = route.match(/^files\/([^/]+)\/expire$/);
    if (file && method === "POST") {
      const stored = state.files.get(`files/${decodeURIComponent(file[1]!).replace(/^files\//, "")}`);
      if (!stored) return json(404, { error: "no such file" });
      stored.expired = true;
      return json(200, { ok: true });
    }
    return json(404, { error: `unknown control route ${method} /__fake/${route}` });
  }

  return {
    async fetch(request: Request): Promise<Response> {
      return handle(request);
    },
    calls,
    reset,
    fileContent(name: string): Uint8Array | undefined {
      const file = state.files.get(name);
      if (!file) return undefined;
      const joined = new Uint8Array(file.sizeBytes);
      let offset = 0;
      for (const chunk of file.chunks) {
        joined.set(chunk, offset);
        offset += chunk.byteLength;
      }
      return joined;
    },
  };
}

// Reads the body once, records it, and hands the handler a request with the same bytes.
async function record(request: Request, url: URL, recordBodies: boolean): Promise<{ recorded: RecordedCall; replay: Request }> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, name) => {
    query[name] = value;
  });
  const recorded: RecordedCall = { method: request.method, path: url.pathname, query, headers };
  if (request.method === "GET" || request.method === "HEAD" || request.body === null) return { recorded, replay: request };
  const bytes = new Uint8Array(await request.arrayBuffer());
  recorded.bodySize = bytes.byteLength;
  if (recordBodies && bytes.byteLength <= MAX_RECORDED_BODY) recorded.body = new TextDecoder().decode(bytes);
  const replayHeaders = new Headers(request.headers);
  replayHeaders.delete("transfer-encoding");
  const replay = new Request(request.url, { method: request.method, headers: replayHeaders, body: bytes });
  return { recorded, replay };
}

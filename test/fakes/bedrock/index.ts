/**
 * A strict fake of Amazon Bedrock batch inference: the Bedrock control plane, the Bedrock
 * runtime's InvokeModel and S3, served by one web-standard fetch handler (see ../README.md for
 * the contract every fake follows).
 *
 * Which service answers is decided by host, else by path prefix:
 * - host `bedrock.<anything>` (e.g. the real `bedrock.us-east-1.amazonaws.com`), or path prefix
 *   `/bedrock/…` on any host → the control plane;
 * - host `bedrock-runtime.<anything>`, or path prefix `/bedrock-runtime/…` → the runtime
 *   (InvokeModel, ./runtime.ts);
 * - host `s3.<anything>` (e.g. `s3.us-east-1.amazonaws.com`), or path prefix `/s3/…` → S3,
 *   path-style (`/<bucket>/<key>`).
 * So the gateway points at it with `BEDROCK_BASE_URL=http://<fake>/bedrock` and
 * `S3_BASE_URL=http://<fake>/s3` (or leaves both unset in tests whose `fetch` goes straight to
 * the fake), and `BEDROCK_RUNTIME_BASE_URL=http://<fake>/bedrock-runtime`. The prefix is part of
 * the signed path, as it would be behind a real proxy.
 *
 * Every request's SigV4 signature is verified with the configured secret (signing name
 * `bedrock` for the control plane and the runtime, `s3` for S3, the configured region), and
 * refused as AWS refuses it. Control routes: `GET /__fake/calls`, `POST /__fake/reset`,
 * `POST /__fake/runtime/fail-next` (`{"error": "ThrottlingException", "times": 2}`: the next
 * InvokeModel calls answer that error), `POST /__fake/runtime/latency` (`{"ms": 200}`),
 * `POST /__fake/batches/{jobId}/expire` (jobId: the 12-character id or the ARN),
 * `GET /__fake/s3/objects`.
 *
 * @example
 * const fake = createFakeBedrock({ accessKeyId: "AKIDTEST", secretAccessKey: "secret", region: "us-east-1" });
 * const ctx = { env: { ...keys, BEDROCK_BASE_URL: "https://fake.test/bedrock", S3_BASE_URL: "https://fake.test/s3" },
 *               fetch: (input, init) => fake.fetch(new Request(input, init)) };
 */
import { handleControlRequest, type JobRegistry } from "./control-plane.ts";
import { describeJob, expireJob } from "./jobs.ts";
import { handleRuntimeRequest, newRuntimeControls, RUNTIME_ERRORS, type RuntimeControls, type RuntimeErrorType } from "./runtime.ts";
import { handleS3Request } from "./s3.ts";
import { createObjectStore, objectText, putStoredObject, type ObjectStore } from "./store.ts";
import type { FakeAccount, FakeBedrockOptions, RecordedCall } from "./types.ts";

export type { FakeBedrockOptions, RecordedCall } from "./types.ts";

export interface FakeBedrock {
  fetch(request: Request): Promise<Response>;
  /** Every request received, in order (cleared in place by `reset`). */
  readonly calls: RecordedCall[];
  /** Forgets all jobs, objects (buckets stay) and calls. */
  reset(): void;
  /** The account the fake accepts. */
  readonly account: Readonly<FakeAccount>;
  /** An object's text in the fake S3, or `undefined` when there is none. */
  readObject(bucket: string, key: string): string | undefined;
  /** Writes an object into the fake S3 directly (no request recorded). */
  writeObject(bucket: string, key: string, text: string): void;
  /** The keys in a bucket, sorted. */
  objectKeys(bucket: string): string[];
  /** How many multipart uploads are open (neither completed nor aborted). */
  openUploads(): number;
  /** A job as GetModelInvocationJob would show it, without moving it forward. */
  peekJob(jobIdOrArn: string): Record<string, unknown> | undefined;
  /** Makes the next `times` InvokeModel calls answer Bedrock's `error` (e.g. ThrottlingException). */
  failInvokes(error: RuntimeErrorType, times: number): void;
  /** InvokeModel's failures still to come, its latency, and the most calls it ever had in flight at once. */
  readonly runtime: RuntimeControls;
}

const MAX_RECORDED_BODY = 1024 * 1024;

/**
 * Creates a fake Bedrock control plane and S3 sharing one account and one object store.
 *
 * @example
 * const fake = createFakeBedrock({ accessKeyId: "AKIDTEST", secretAccessKey: "secret", region: "us-east-1" });
 * const res = await fake.fetch(signedRequest);
 */
export function createFakeBedrock(options: FakeBedrockOptions = {}): FakeBedrock {
  const account: FakeAccount = {
    accessKeyId: options.accessKeyId ?? "AKIDFAKEBEDROCK",
    secretAccessKey: options.secretAccessKey ?? "fake-bedrock-secret",
    sessionToken: options.sessionToken,
    region: options.region ?? "us-east-1",
    accountId: options.accountId ?? "123456789012",
    minRecordsPerJob: options.minRecordsPerJob ?? 100,
    maxRecordsPerJob: options.maxRecordsPerJob ?? 50_000,
    now: options.now ?? Date.now,
  };
  const bucketNames = options.buckets ?? ["batchbridge-test"];
  let store: ObjectStore = createObjectStore(bucketNames);
  const jobs: JobRegistry = { byId: new Map(), byToken: new Map() };
  const calls: RecordedCall[] = [];
  const runtime = newRuntimeControls();

  function reset(): void {
    Object.assign(runtime, newRuntimeControls());
    store = createObjectStore(bucketNames);
    jobs.byId.clear();
    jobs.byToken.clear();
    calls.length = 0;
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/__fake/runtime/") && request.method === "POST") return runtimeRoute(url.pathname, await request.text());
    if (url.pathname.startsWith("/__fake/")) return controlRoute(request.method, url.pathname);
    const target = routeOf(url);
    if (!target) return new Response(`fake bedrock: no simulated service at ${url.host}${url.pathname}`, { status: 404 });
    const body = new Uint8Array(await request.arrayBuffer());
    calls.push(recordOf(request, url, target, body));
    const incoming = { method: request.method, url, path: target.path, headers: request.headers, body };
    if (target.service === "bedrock-runtime") return handleRuntimeRequest(incoming, account, runtime);
    return target.service === "s3" ? handleS3Request(incoming, store, account) : handleControlRequest(incoming, jobs, store, account);
  }

  function failInvokes(error: RuntimeErrorType, times: number): void {
    for (let i = 0; i < times; i++) runtime.failures.push(error);
  }

  function runtimeRoute(pathname: string, text: string): Response {
    let body: { error?: unknown; times?: unknown; ms?: unknown };
    try {
      body = JSON.parse(text || "{}") as typeof body;
    } catch {
      return Response.json({ error: "the body is not JSON" }, { status: 400 });
    }
    if (pathname === "/__fake/runtime/fail-next") {
      if (typeof body.error !== "string" || !(body.error in RUNTIME_ERRORS)) {
        return Response.json({ error: `error must be one of ${Object.keys(RUNTIME_ERRORS).join(", ")}` }, { status: 400 });
      }
      failInvokes(body.error as RuntimeErrorType, typeof body.times === "number" ? body.times : 1);
      return Response.json({ pending: runtime.failures.length });
    }
    if (pathname === "/__fake/runtime/latency") {
      runtime.latencyMs = typeof body.ms === "number" ? body.ms : 0;
      return Response.json({ ms: runtime.latencyMs });
    }
    return Response.json({ error: `unknown fake control route POST ${pathname}` }, { status: 404 });
  }

  function controlRoute(method: string, pathname: string): Response {
    if (method === "GET" && pathname === "/__fake/calls") return Response.json(calls);
    if (method === "POST" && pathname === "/__fake/reset") {
      reset();
      return Response.json({ ok: true });
    }
    if (method === "GET" && pathname === "/__fake/s3/objects") {
      const objects = [...store.buckets].flatMap(([bucket, objects]) => [...objects].map(([key, object]) => ({ bucket, key, size: object.size })));
      return Response.json(objects);
    }
    const expire = /^\/__fake\/batches\/(.+)\/expire$/.exec(pathname);
    if (method === "POST" && expire) {
      const id = decodeURIComponent(expire[1] ?? "").split("/").pop() ?? "";
      const job = jobs.byId.get(id);
      if (!job) return Response.json({ error: `no job ${id}` }, { status: 404 });
      if (!expireJob(job, store)) return Response.json({ error: `job ${id} has already ended (${job.status})` }, { status: 409 });
      return Response.json(describeJob(job));
    }
    return Response.json({ error: `unknown fake control route ${method} ${pathname}` }, { status: 404 });
  }

  return {
    fetch: handle,
    calls,
    reset,
    account,
    readObject: (bucket, key) => {
      const object = store.buckets.get(bucket)?.get(key);
      return object ? objectText(object) : undefined;
    },
    writeObject: (bucket, key, text) => {
      putStoredObject(store, bucket, key, [new TextEncoder().encode(text)], "application/octet-stream", `"seeded"`);
    },
    objectKeys: (bucket) => [...(store.buckets.get(bucket)?.keys() ?? [])].sort(),
    openUploads: () => store.uploads.size,
    failInvokes,
    runtime,
    peekJob: (jobIdOrArn) => {
      const job = jobs.byId.get(jobIdOrArn.split("/").pop() ?? "");
      return job ? describeJob(job) : undefined;
    },
  };
}

interface Target {
  service: "bedrock" | "bedrock-runtime" | "s3";
  path: string;
}

function routeOf(url: URL): Target | null {
  if (url.hostname.startsWith("bedrock.")) return { service: "bedrock", path: url.pathname };
  if (url.hostname.startsWith("bedrock-runtime.")) return { service: "bedrock-runtime", path: url.pathname };
  if (url.hostname.startsWith("s3.")) return { service: "s3", path: url.pathname };
  if (url.pathname.startsWith("/bedrock/")) return { service: "bedrock", path: url.pathname.slice("/bedrock".length) };
  if (url.pathname.startsWith("/bedrock-runtime/")) return { service: "bedrock-runtime", path: url.pathname.slice("/bedrock-runtime".length) };
  if (url.pathname.startsWith("/s3/")) return { service: "s3", path: url.pathname.slice("/s3".length) };
  return null;
}

function recordOf(request: Request, url: URL, target: Target, body: Uint8Array): RecordedCall {
  const call: RecordedCall = {
    service: target.service,
    method: request.method,
    path: target.path,
    query: Object.fromEntries(url.searchParams),
    headers: Object.fromEntries([...request.headers].map(([name, value]) => [name.toLowerCase(), value])),
  };
  if (body.byteLength > 0) {
    call.bodyBytes = body.byteLength;
    if (body.byteLength <= MAX_RECORDED_BODY) {
      try {
        call.body = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
      } catch {
        // Binary bodies are recorded by size only.
      }
    }
  }
  return call;
}

/**
 * Signed calls to AWS: the Bedrock control plane and the Bedrock runtime (InvokeModel), both
 * SigV4 signing name `bedrock`, and S3
 * (signing name `s3`, path-style `<base>/<bucket>/<key>`), both in `AWS_REGION`, signed by
 * aws4fetch and sent through `ctx.fetch`.
 *
 * Path-style S3 for the default endpoint too: it is what S3-compatible endpoints (and the
 * tests) need, it works for bucket names with dots (virtual-hosted TLS does not), and AWS still
 * serves it on regional endpoints. The bucket must be in `AWS_REGION` (Bedrock requires that
 * anyway).
 *
 * Payload hashes: aws4fetch hashes string bodies itself for the control plane; for S3 it would
 * send `x-amz-content-sha256: UNSIGNED-PAYLOAD` unless told otherwise. S3 bodies here are
 * always bounded byte buffers (S3 needs a Content-Length, so a part is buffered before it is
 * sent), so their real SHA-256 is computed and signed instead, and S3 checks it.
 *
 * AWS errors come as restJson (`x-amzn-ErrorType` + `{"message"}`) from Bedrock and as XML
 * (`<Error><Code/><Message/>`) from S3. They are rewritten to `{"message": "<Code>: <text>"}`
 * before `upstreamFetch` reads them, so that every failure is an `UpstreamError` naming the
 * AWS error code and message.
 */
import { AwsClient } from "aws4fetch";
import { UpstreamError } from "../../lib/errors";
import { NOT_JSON_ERROR_BODY, upstreamFetch } from "../../lib/upstream";
import type { ProviderContext } from "../types";
import type { BedrockConfig } from "./config";
import { readBounded } from "../../lib/read-bounded";

const PROVIDER = "bedrock";
const MAX_ERROR_BODY = 64 * 1024;

/**
 * AWS statuses that mean something else to an Anthropic client. Bedrock answers 400 for an
 * exceeded service quota ("Resubmit your request later"): a rate limit to the client.
 */
const STATUS_OF_CODE: Readonly<Record<string, number>> = { ServiceQuotaExceededException: 429 };

export interface S3CallOptions {
  /** Query string without `?`, e.g. `uploads` or `uploadId=…&partNumber=2`. */
  query?: string;
  body?: Uint8Array;
  contentType?: string;
}

/** Signed access to the Bedrock control plane and S3 for one configuration. */
export interface AwsCalls {
  /**
   * Calls the control plane, JSON in and out; throws `UpstreamError` for any failure.
   *
   * @example
   * const res = await aws.control("GET", `/model-invocation-job/${encodeURIComponent(jobArn)}`);
   */
  control(method: string, path: string, body?: unknown): Promise<Response>;
  /**
   * Calls the Bedrock runtime (InvokeModel), JSON in and out; throws `UpstreamError` for any failure.
   *
   * @example
   * const res = await aws.runtime("POST", `/model/${encodeURIComponent(modelId)}/invoke`, modelInput);
   */
  runtime(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response>;
  /**
   * Calls S3 on one object; throws `UpstreamError` for any failure.
   *
   * @example
   * const res = await aws.s3("GET", "bucket", "batches/x.jsonl.out");
   */
  s3(method: string, bucket: string, key: string, options?: S3CallOptions): Promise<Response>;
}

/**
 * Signed AWS calls for a request context and configuration.
 *
 * @example
 * const aws = awsCalls(ctx, readConfig(ctx.env));
 */
export function awsCalls(ctx: ProviderContext, config: BedrockConfig): AwsCalls {
  const credentials = { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey, sessionToken: config.sessionToken, region: config.region };
  const secrets = [config.accessKeyId, config.secretAccessKey, config.sessionToken];
  const controlFetch = signedFetch(ctx, new AwsClient({ ...credentials, service: "bedrock" }));
  const s3Fetch = signedFetch(ctx, new AwsClient({ ...credentials, service: "s3" }));
  return {
    control(method, path, body) {
      const init: RequestInit =
        body === undefined ? { method } : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
      return upstreamFetch(PROVIDER, controlFetch, `${config.controlBaseUrl}${path}`, init, readMessage, secrets);
    },
    runtime(method, path, body, signal) {
      const init: RequestInit = { method, headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify(body), signal };
      return upstreamFetch(PROVIDER, controlFetch, `${config.runtimeBaseUrl}${path}`, init, readMessage, secrets);
    },
    async s3(method, bucket, key, options = {}) {
      const headers: Record<string, string> = { "x-amz-content-sha256": await sha256Hex(options.body ?? new Uint8Array()) };
      if (options.contentType) headers["content-type"] = options.contentType;
      const url = `${config.s3BaseUrl}/${bucket}/${key.split("/").map(uriEncode).join("/")}${options.query ? `?${options.query}` : ""}`;
      return upstreamFetch(PROVIDER, s3Fetch, url, { method, headers, body: options.body }, readMessage, secrets);
    },
  };
}

/**
 * Whether an error is AWS saying the thing is not there (deleting it again is then done).
 *
 * @example
 * try { await aws.s3("DELETE", bucket, key); } catch (error) { if (!isNotFound(error)) throw error; }
 */
export function isNotFound(error: unknown): boolean {
  return error instanceof UpstreamError && error.upstreamStatus === 404;
}

/**
 * Hex SHA-256 of bytes.
 *
 * @example
 * await sha256Hex(new Uint8Array()) // "e3b0c442…b855"
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let hex = "";
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

function signedFetch(ctx: ProviderContext, client: AwsClient): typeof fetch {
  const call = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = await client.sign(typeof input === "string" || input instanceof URL ? input.toString() : input, init);
    const response = await ctx.fetch(request);
    return response.ok ? response : normalizedError(response);
  };
  return call as typeof fetch;
}

/** The AWS error in `response`, re-stated as `{"message": "<Code>: <text>"}` with its status. */
async function normalizedError(response: Response): Promise<Response> {
  const text = await readBounded(response, MAX_ERROR_BODY);
  const code = errorCode(response, text);
  const detail = errorText(text) || "no error message";
  const message = code ? `${code}: ${detail}` : detail;
  return new Response(JSON.stringify({ message }), {
    status: STATUS_OF_CODE[code] ?? response.status,
    statusText: response.statusText,
    headers: { "content-type": "application/json" },
  });
}

function errorCode(response: Response, text: string): string {
  const header = response.headers.get("x-amzn-errortype");
  if (header) return header.split(":")[0] ?? "";
  const json = parseJson(text);
  if (typeof json?.__type === "string") return json.__type.split("#").pop() ?? "";
  return xmlElement(text, "Code") ?? "";
}

// Only the first paragraph: signature errors append the canonical request after a blank line.
function errorText(text: string): string {
  const json = parseJson(text);
  const message = json ? (json.message ?? json.Message) : xmlElement(text, "Message");
  // A body that is neither AWS's JSON nor its XML (a proxy's page) is described, never quoted.
  if (!json && message === undefined && text.trim()) return NOT_JSON_ERROR_BODY;
  const chosen = typeof message === "string" ? message : "";
  return (chosen.split("\n\n")[0] ?? "").trim().slice(0, 500);
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function xmlElement(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return match?.[1]?.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"').replaceAll("&amp;", "&");
}

function readMessage(body: unknown): string | undefined {
  const message = (body as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : undefined;
}

// S3 key segments: RFC 3986 unreserved characters stay, everything else is %XX.
function uriEncode(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

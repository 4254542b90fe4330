/**
 * AWS Signature Version 4, checked the way AWS checks it: the canonical request is rebuilt from
 * what was received, signed with the secret key, and compared with the signature provided.
 * Written from the SigV4 spec (docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html),
 * not from the client library, so that a signing bug in the client shows up here.
 *
 * Differences between services that matter:
 * - S3 signs the path URI-encoded once (from the decoded key), without normalising it;
 *   every other service (Bedrock included) signs each path segment of the path as sent
 *   URI-encoded again ("double encoding"), after collapsing repeated slashes.
 * - S3 takes the payload hash from `x-amz-content-sha256`; other services hash the body.
 */
import type { FakeAccount } from "./types.ts";

export type SigV4Failure =
  | { kind: "missing" }
  | { kind: "malformed"; detail: string }
  | { kind: "unknown_key"; accessKeyId: string }
  | { kind: "wrong_region"; region: string }
  | { kind: "wrong_service"; service: string }
  | { kind: "wrong_date"; detail: string }
  | { kind: "skewed"; amzDate: string; now: string }
  | { kind: "bad_token" }
  | { kind: "mismatch"; accessKeyId: string; canonicalRequest: string; stringToSign: string; provided: string };

export interface SignedRequestParts {
  method: string;
  url: URL;
  headers: Headers;
  /** Hex SHA-256 of the payload, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
const MAX_SKEW_MS = 15 * 60 * 1000;
const encoder = new TextEncoder();

/**
 * Checks a request's SigV4 `Authorization` header; `null` when it is valid.
 *
 * @example
 * const failure = await verifySigV4(parts, "s3", account);
 * if (failure) return s3SignatureError(failure);
 */
export async function verifySigV4(parts: SignedRequestParts, service: string, account: FakeAccount): Promise<SigV4Failure | null> {
  const authorization = parts.headers.get("authorization");
  if (!authorization) return { kind: "missing" };
  if (!authorization.startsWith(`${ALGORITHM} `)) {
    return { kind: "malformed", detail: `Unsupported algorithm; expecting ${ALGORITHM}` };
  }
  const fields = parseAuthorization(authorization.slice(ALGORITHM.length + 1));
  const missing = ["Credential", "SignedHeaders", "Signature"].filter((name) => !fields.has(name));
  if (missing.length > 0) {
    return { kind: "malformed", detail: missing.map((name) => `Authorization header requires '${name}' parameter.`).join(" ") };
  }
  const credential = (fields.get("Credential") ?? "").split("/");
  if (credential.length !== 5 || credential[4] !== "aws4_request") {
    return { kind: "malformed", detail: "Credential should have the form <key>/<date>/<region>/<service>/aws4_request" };
  }
  const [accessKeyId = "", scopeDate = "", region = "", scopeService = ""] = credential;
  if (accessKeyId !== account.accessKeyId) return { kind: "unknown_key", accessKeyId };

  const amzDate = parts.headers.get("x-amz-date") ?? "";
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return { kind: "malformed", detail: "AWS authentication requires a valid Date or x-amz-date header" };
  }
  if (amzDate.slice(0, 8) !== scopeDate) {
    return { kind: "wrong_date", detail: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}'` };
  }
  if (region !== account.region) return { kind: "wrong_region", region };
  if (scopeService !== service) return { kind: "wrong_service", service: scopeService };
  const now = account.now();
  if (Math.abs(now - parseAmzDate(amzDate)) > MAX_SKEW_MS) return { kind: "skewed", amzDate, now: toAmzDate(now) };

  const token = parts.headers.get("x-amz-security-token");
  if ((account.sessionToken ?? null) !== token) return { kind: "bad_token" };

  const signedHeaders = (fields.get("SignedHeaders") ?? "").split(";");
  if (!signedHeaders.includes("host")) {
    return { kind: "malformed", detail: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization." };
  }
  const canonicalRequest = [
    parts.method.toUpperCase(),
    canonicalUri(parts.url.pathname, service),
    canonicalQuery(parts.url),
    signedHeaders.map((name) => `${name}:${canonicalHeaderValue(parts, name)}\n`).join(""),
    signedHeaders.join(";"),
    parts.payloadHash,
  ].join("\n");
  const scope = `${scopeDate}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, await sha256Hex(canonicalRequest)].join("\n");
  const key = await signingKey(account.secretAccessKey, scopeDate, region, service);
  const expected = toHex(await hmac(key, stringToSign));
  const provided = fields.get("Signature") ?? "";
  if (expected !== provided) return { kind: "mismatch", accessKeyId, canonicalRequest, stringToSign, provided };
  return null;
}

/**
 * Hex SHA-256 of text or bytes.
 *
 * @example
 * await sha256Hex("") // "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
 */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return toHex(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

function parseAuthorization(rest: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of rest.split(",")) {
    const [name, ...value] = part.trim().split("=");
    if (name) fields.set(name, value.join("="));
  }
  return fields;
}

function canonicalUri(pathname: string, service: string): string {
  if (service === "s3") return pathname.split("/").map((segment) => uriEncode(safeDecode(segment))).join("/");
  return pathname.replace(/\/+/g, "/").split("/").map(uriEncode).join("/");
}

function canonicalQuery(url: URL): string {
  return [...url.searchParams]
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

function canonicalHeaderValue(parts: SignedRequestParts, name: string): string {
  if (name === "host") return parts.headers.get("host") ?? parts.url.host;
  return (parts.headers.get(name) ?? "").trim().replace(/\s+/g, " ");
}

// RFC 3986 unreserved characters stay, everything else is %XX (upper case).
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function signingKey(secret: string, date: string, region: string, service: string): Promise<ArrayBuffer> {
  const dateKey = await hmac(encoder.encode(`AWS4${secret}`), date);
  const regionKey = await hmac(dateKey, region);
  const serviceKey = await hmac(regionKey, service);
  return hmac(serviceKey, "aws4_request");
}

async function hmac(key: ArrayBuffer | Uint8Array, data: string): Promise<ArrayBuffer> {
  const cryptoKey = await crypto.subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(data));
}

function toHex(buffer: ArrayBuffer): string {
  let hex = "";
  for (const byte of new Uint8Array(buffer)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

function parseAmzDate(value: string): number {
  return Date.UTC(+value.slice(0, 4), +value.slice(4, 6) - 1, +value.slice(6, 8), +value.slice(9, 11), +value.slice(11, 13), +value.slice(13, 15));
}

/**
 * The `x-amz-date` form of a time: `YYYYMMDDTHHMMSSZ`.
 *
 * @example
 * toAmzDate(0) // "19700101T000000Z"
 */
export function toAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[:-]|\.\d{3}/g, "");
}

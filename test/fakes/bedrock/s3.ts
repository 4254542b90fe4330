/**
 * A strict fake of the S3 object operations Bedrock batch inference needs, path-style
 * (`/<bucket>/<key>`): PutObject, GetObject, HeadObject, DeleteObject, ListObjectsV2 (s3-list.ts)
 * and the multipart upload calls (CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
 * AbortMultipartUpload).
 * Everything else answers 501 NotImplemented: the fake does not pretend to support it.
 *
 * Behaviour and wording follow the S3 API reference (docs.aws.amazon.com/AmazonS3/latest/API/):
 * - every SigV4 request must carry `x-amz-content-sha256` (a hex SHA-256 of the body, or
 *   `UNSIGNED-PAYLOAD`), and a hex value must match the body (XAmzContentSHA256Mismatch);
 *   of the `STREAMING-…` (aws-chunked) bodies only `STREAMING-UNSIGNED-PAYLOAD-TRAILER`, what
 *   `@aws-sdk/client-s3` sends for a streamed body, is simulated (s3-payload.ts);
 * - an `x-amz-checksum-crc32` header or trailer must match the payload (BadDigest);
 * - DeleteObject answers 204 whether or not the key exists;
 * - parts are numbered 1..10000; every part but the last must be at least 5 MiB, checked at
 *   CompleteMultipartUpload (EntityTooSmall), whose parts must be listed in ascending order
 *   (InvalidPartOrder) with the ETags UploadPart returned (InvalidPart);
 * - ETags here are the first 32 hex digits of the SHA-256 (S3 uses MD5, which WebCrypto lacks;
 *   ETags are opaque to clients).
 */
import { s3Error, s3SignatureError, xmlEscape } from "./errors.ts";
import { listObjectsV2 } from "./s3-list.ts";
import { checkChecksums, checksumHeaders, decodeUnsignedTrailerBody, UNSIGNED_TRAILER } from "./s3-payload.ts";
import { sha256Hex, verifySigV4 } from "./sigv4.ts";
import { putStoredObject, type MultipartUpload, type ObjectStore, type StoredObject } from "./store.ts";
import type { FakeAccount } from "./types.ts";

/** A request routed to S3, with its body already read. */
export interface S3Request {
  method: string;
  url: URL;
  /** The path after any routing prefix: `/<bucket>/<key>`, still percent-encoded. */
  path: string;
  headers: Headers;
  body: Uint8Array;
}

export const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;
const XML_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";
const SUBRESOURCES_NOT_SIMULATED = ["acl", "tagging", "versionId", "versioning", "policy", "cors", "lifecycle", "list-type", "uploads", "uploadId", "partNumber"];

/**
 * Answers one S3 request against `store`.
 *
 * @example
 * const response = await handleS3Request({ method, url, path, headers, body }, store, account);
 */
export async function handleS3Request(request: S3Request, store: ObjectStore, account: FakeAccount): Promise<Response> {
  const refused = await checkAuthentication(request, account);
  if (refused) return refused;

  const [, rawBucket = "", ...rawKey] = request.path.split("/");
  const bucketName = safeDecode(rawBucket);
  const key = safeDecode(rawKey.join("/"));
  if (!bucketName) return notImplemented("ListBuckets");
  const bucket = store.buckets.get(bucketName);
  if (!bucket) return s3Error(404, "NoSuchBucket", "The specified bucket does not exist.", { BucketName: bucketName });
  const query = request.url.searchParams;
  if (!key && request.method === "GET" && query.get("list-type") === "2") return listObjectsV2(bucketName, bucket, query);
  if (!key) return notImplemented("bucket-level operations other than ListObjectsV2");

  const route = { store, bucket: bucketName, key, request };
  switch (request.method) {
    case "PUT":
      if (query.has("uploadId") || query.has("partNumber")) return uploadPart(route);
      if (hasSubresource(query)) return notImplemented("PUT with a subresource");
      return putObject(route);
    case "POST":
      if (query.has("uploads")) return createMultipartUpload(route);
      if (query.has("uploadId")) return completeMultipartUpload(route);
      return s3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.", { Method: "POST", ResourceType: "OBJECT" });
    case "DELETE":
      if (query.has("uploadId")) return abortMultipartUpload(route);
      bucket.delete(key);
      return new Response(null, { status: 204 });
    case "GET":
    case "HEAD": {
      if (hasSubresource(query)) return notImplemented(`${request.method} with a subresource`);
      const object = bucket.get(key);
      if (!object) {
        return request.method === "HEAD" ? new Response(null, { status: 404 }) : s3Error(404, "NoSuchKey", "The specified key does not exist.", { Key: key });
      }
      return objectResponse(object, request.method === "HEAD");
    }
    default:
      return s3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.", { Method: request.method, ResourceType: "OBJECT" });
  }
}

interface Route {
  store: ObjectStore;
  bucket: string;
  key: string;
  request: S3Request;
}

async function checkAuthentication(request: S3Request, account: FakeAccount): Promise<Response | null> {
  if (!request.headers.has("authorization")) return s3Error(403, "AccessDenied", "Access Denied");
  const contentSha = request.headers.get("x-amz-content-sha256");
  if (contentSha === null) return s3Error(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
  const streaming = contentSha === UNSIGNED_TRAILER;
  if (contentSha.startsWith("STREAMING-") && !streaming) {
    return s3Error(501, "NotImplemented", "A header you provided implies functionality that is not implemented", { Header: "x-amz-content-sha256" });
  }
  if (contentSha !== "UNSIGNED-PAYLOAD" && !streaming && !/^[0-9a-f]{64}$/.test(contentSha)) {
    return s3Error(400, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.", {
      ArgumentName: "x-amz-content-sha256",
      ArgumentValue: contentSha,
    });
  }
  const failure = await verifySigV4({ method: request.method, url: request.url, headers: request.headers, payloadHash: contentSha }, "s3", account);
  if (failure) return s3SignatureError(failure, account.region);

  if (contentSha !== "UNSIGNED-PAYLOAD" && !streaming) {
    const computed = await sha256Hex(request.body);
    if (computed !== contentSha) {
      return s3Error(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", {
        ClientComputedContentSHA256: contentSha,
        S3ComputedContentSHA256: computed,
      });
    }
  }
  const declaredLength = request.headers.get("content-length");
  if (declaredLength !== null && Number(declaredLength) !== request.body.byteLength) {
    return s3Error(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header");
  }
  // S3 needs the size up front: a chunked PUT without aws-chunked encoding is refused.
  if (request.method === "PUT" && declaredLength === null && !streaming && request.headers.get("transfer-encoding")?.includes("chunked")) {
    return s3Error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.");
  }
  // PutObject and UploadPart carry the object's bytes, which their checksums cover.
  const query = request.url.searchParams;
  const isUpload = request.method === "PUT" && (!hasSubresource(query) || (query.has("uploadId") && query.has("partNumber")));
  if (streaming) {
    const decoded = decodeUnsignedTrailerBody(request.headers, request.body, isUpload);
    if (decoded instanceof Response) return decoded;
    request.body = decoded;
    return null;
  }
  return isUpload ? checkChecksums(checksumHeaders(request.headers), request.body) : null;
}

async function putObject({ store, bucket, key, request }: Route): Promise<Response> {
  const etag = await etagOf(request.body);
  putStoredObject(store, bucket, key, [request.body], request.headers.get("content-type") ?? "binary/octet-stream", etag);
  return new Response(null, { status: 200, headers: { etag } });
}

function createMultipartUpload({ store, bucket, key, request }: Route): Response {
  const uploadId = `${crypto.randomUUID()}${crypto.randomUUID()}`.replaceAll("-", "");
  store.uploads.set(uploadId, {
    bucket,
    key,
    uploadId,
    contentType: request.headers.get("content-type") ?? "binary/octet-stream",
    parts: new Map(),
  });
  return xmlResponse(
    `<InitiateMultipartUploadResult xmlns="${XML_NAMESPACE}"><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
  );
}

async function uploadPart(route: Route): Promise<Response> {
  const query = route.request.url.searchParams;
  const partNumberText = query.get("partNumber") ?? "";
  const partNumber = Number(partNumberText);
  if (!/^\d+$/.test(partNumberText) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    return s3Error(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", {
      ArgumentName: "partNumber",
      ArgumentValue: partNumberText,
    });
  }
  const upload = findUpload(route);
  if (!upload) return noSuchUpload(query.get("uploadId") ?? "");
  const etag = await etagOf(route.request.body);
  upload.parts.set(partNumber, { bytes: route.request.body, etag });
  return new Response(null, { status: 200, headers: { etag } });
}

async function completeMultipartUpload(route: Route): Promise<Response> {
  const uploadId = route.request.url.searchParams.get("uploadId") ?? "";
  const upload = findUpload(route);
  if (!upload) return noSuchUpload(uploadId);
  const listed = parseCompleteBody(new TextDecoder().decode(route.request.body));
  if (!listed || listed.length === 0) {
    return s3Error(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
  }
  for (let index = 1; index < listed.length; index++) {
    if ((listed[index]?.partNumber ?? 0) <= (listed[index - 1]?.partNumber ?? 0)) {
      return s3Error(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.", { UploadId: uploadId });
    }
  }
  const chunks: Uint8Array[] = [];
  for (const [index, { partNumber, etag }] of listed.entries()) {
    const part = upload.parts.get(partNumber);
    if (!part || unquote(part.etag) !== unquote(etag)) {
      return s3Error(400, "InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.", {
        UploadId: uploadId,
        PartNumber: String(partNumber),
        ETag: etag,
      });
    }
    if (index < listed.length - 1 && part.bytes.byteLength < MIN_PART_BYTES) {
      return s3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.", {
        ProposedSize: String(part.bytes.byteLength),
        MinSizeAllowed: String(MIN_PART_BYTES),
        PartNumber: String(partNumber),
        ETag: part.etag,
      });
    }
    chunks.push(part.bytes);
  }
  const etag = `"${unquote(await etagOf(new TextEncoder().encode(listed.map((part) => part.etag).join(""))))}-${listed.length}"`;
  putStoredObject(route.store, upload.bucket, upload.key, chunks, upload.contentType, etag);
  route.store.uploads.delete(uploadId);
  return xmlResponse(
    `<CompleteMultipartUploadResult xmlns="${XML_NAMESPACE}"><Location>${xmlEscape(route.request.url.origin + route.request.url.pathname)}</Location>` +
      `<Bucket>${xmlEscape(upload.bucket)}</Bucket><Key>${xmlEscape(upload.key)}</Key><ETag>${xmlEscape(etag)}</ETag></CompleteMultipartUploadResult>`,
  );
}

function abortMultipartUpload(route: Route): Response {
  const uploadId = route.request.url.searchParams.get("uploadId") ?? "";
  if (!findUpload(route)) return noSuchUpload(uploadId);
  route.store.uploads.delete(uploadId);
  return new Response(null, { status: 204 });
}

function findUpload({ store, bucket, key, request }: Route): MultipartUpload | null {
  const upload = store.uploads.get(request.url.searchParams.get("uploadId") ?? "");
  return upload && upload.bucket === bucket && upload.key === key ? upload : null;
}

function noSuchUpload(uploadId: string): Response {
  return s3Error(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", {
    UploadId: uploadId,
  });
}

function parseCompleteBody(xml: string): { partNumber: number; etag: string }[] | null {
  if (!/<CompleteMultipartUpload[\s>]/.test(xml)) return null;
  const parts: { partNumber: number; etag: string }[] = [];
  for (const match of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const body = match[1] ?? "";
    const partNumber = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(body)?.[1];
    const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(body)?.[1];
    if (partNumber === undefined || etag === undefined) return null;
    parts.push({ partNumber: Number(partNumber), etag: etag.replaceAll("&quot;", '"').trim() });
  }
  return parts;
}

function objectResponse(object: StoredObject, headOnly: boolean): Response {
  const headers = {
    "content-type": object.contentType,
    "content-length": String(object.size),
    etag: object.etag,
    "last-modified": object.lastModified.toUTCString(),
  };
  return new Response(headOnly ? null : new Blob(object.chunks as Uint8Array<ArrayBuffer>[]).stream(), { status: 200, headers });
}

function xmlResponse(body: string): Response {
  return new Response(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, { status: 200, headers: { "content-type": "application/xml" } });
}

function notImplemented(what: string): Response {
  return s3Error(501, "NotImplemented", `A header you provided implies functionality that is not implemented (the fake does not simulate ${what})`);
}

function hasSubresource(query: URLSearchParams): boolean {
  return SUBRESOURCES_NOT_SIMULATED.some((name) => query.has(name));
}

async function etagOf(bytes: Uint8Array): Promise<string> {
  return `"${(await sha256Hex(bytes)).slice(0, 32)}"`;
}

function unquote(etag: string): string {
  return etag.replaceAll('"', "");
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

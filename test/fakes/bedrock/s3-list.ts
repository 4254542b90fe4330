/**
 * S3 ListObjectsV2 (`GET /<bucket>?list-type=2`), path-style, for the fake S3: what a user (or
 * `@aws-sdk/client-s3`) calls to see a job's output folder. See docs/sources/bedrock.md
 * § S3 ListObjectsV2.
 *
 * - Keys come back in ascending UTF-8 byte order, at most `max-keys` (default and ceiling 1000)
 *   per page; with a `delimiter`, the keys that share the part of the key between `prefix` and
 *   the delimiter's first occurrence roll up into one `CommonPrefixes` entry, which counts as
 *   one against `max-keys` (`KeyCount` counts both kinds).
 * - `IsTruncated` says more remain, and `NextContinuationToken` (opaque) continues after the
 *   last entry returned; `start-after` starts after any key. A token the fake did not issue is
 *   400 InvalidArgument (wording unconfirmed).
 * - `encoding-type=url` URL-encodes `Key`, `Prefix`, `Delimiter` and `StartAfter` in the answer.
 * - `fetch-owner` and the optional attributes are not simulated (no `Owner`); every object is
 *   `STANDARD`.
 */
import { s3Error, xmlEscape } from "./errors.ts";
import type { StoredObject } from "./store.ts";

const XML_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";
const MAX_KEYS = 1000;
const encoder = new TextEncoder();

/**
 * Answers ListObjectsV2 over the objects of one bucket.
 *
 * @example
 * return listObjectsV2("batchbridge-test", bucket, new URL("http://fake/s3/batchbridge-test?list-type=2&prefix=out/").searchParams);
 */
export function listObjectsV2(bucketName: string, objects: Map<string, StoredObject>, query: URLSearchParams): Response {
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const encodingType = query.get("encoding-type");
  if (encodingType !== null && encodingType !== "url") {
    return s3Error(400, "InvalidArgument", "Invalid Encoding Method specified in Request", { ArgumentName: "encoding-type", ArgumentValue: encodingType });
  }
  const maxKeysText = query.get("max-keys");
  const requestedMaxKeys = maxKeysText === null ? MAX_KEYS : Number(maxKeysText);
  if (maxKeysText !== null && (!/^\d+$/.test(maxKeysText) || !Number.isSafeInteger(requestedMaxKeys))) {
    return s3Error(400, "InvalidArgument", "Provided max-keys not an integer or within integer range", { ArgumentName: "max-keys", ArgumentValue: maxKeysText });
  }
  const maxKeys = Math.min(requestedMaxKeys, MAX_KEYS);
  const continuationToken = query.get("continuation-token");
  let resumeAfter: Position | null = null;
  if (continuationToken !== null) {
    resumeAfter = decodeToken(continuationToken);
    if (!resumeAfter) {
      return s3Error(400, "InvalidArgument", "The continuation token provided is incorrect", { ArgumentName: "continuation-token", ArgumentValue: continuationToken });
    }
  }
  const startAfter = query.get("start-after");

  const keys = [...objects.keys()].filter((key) => key.startsWith(prefix)).sort(compareUtf8);
  const contents: { key: string; object: StoredObject }[] = [];
  const commonPrefixes: string[] = [];
  let last: Position | null = null;
  let truncated = false;
  for (const key of keys) {
    if (startAfter !== null && compareUtf8(key, startAfter) <= 0) continue;
    if (resumeAfter && isAtOrBefore(key, resumeAfter)) continue;
    const cut = delimiter === "" ? -1 : key.indexOf(delimiter, prefix.length);
    const rolledUp = cut === -1 ? null : key.slice(0, cut + delimiter.length);
    if (rolledUp !== null && rolledUp === commonPrefixes[commonPrefixes.length - 1]) continue;
    if (contents.length + commonPrefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (rolledUp === null) {
      contents.push({ key, object: objects.get(key) as StoredObject });
      last = { value: key, commonPrefix: false };
    } else {
      commonPrefixes.push(rolledUp);
      last = { value: rolledUp, commonPrefix: true };
    }
  }

  const text = (value: string) => xmlEscape(encodingType === "url" ? encodeURIComponent(value) : value);
  const element = (name: string, value: string | null) => (value === null ? "" : `<${name}>${value}</${name}>`);
  const body =
    `<ListBucketResult xmlns="${XML_NAMESPACE}">` +
    element("Name", xmlEscape(bucketName)) +
    element("Prefix", text(prefix)) +
    element("Delimiter", delimiter === "" ? null : text(delimiter)) +
    element("MaxKeys", String(maxKeys)) +
    element("EncodingType", encodingType) +
    element("KeyCount", String(contents.length + commonPrefixes.length)) +
    element("IsTruncated", String(truncated)) +
    element("ContinuationToken", continuationToken === null ? null : xmlEscape(continuationToken)) +
    element("NextContinuationToken", truncated && last ? encodeToken(last) : null) +
    element("StartAfter", startAfter === null ? null : text(startAfter)) +
    contents
      .map(
        ({ key, object }) =>
          `<Contents><Key>${text(key)}</Key><LastModified>${object.lastModified.toISOString()}</LastModified>` +
          `<ETag>${xmlEscape(object.etag)}</ETag><Size>${object.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      )
      .join("") +
    commonPrefixes.map((common) => `<CommonPrefixes><Prefix>${text(common)}</Prefix></CommonPrefixes>`).join("") +
    `</ListBucketResult>`;
  return new Response(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, { status: 200, headers: { "content-type": "application/xml" } });
}

/** Where a page ended: the last key, or the last common prefix (which covers every key under it). */
interface Position {
  value: string;
  commonPrefix: boolean;
}

function isAtOrBefore(key: string, position: Position): boolean {
  return compareUtf8(key, position.value) <= 0 || (position.commonPrefix && key.startsWith(position.value));
}

function encodeToken(position: Position): string {
  const bytes = encoder.encode(`${position.commonPrefix ? "P" : "K"}${position.value}`);
  return btoa(String.fromCharCode(...bytes));
}

function decodeToken(token: string): Position | null {
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(token), (c) => c.charCodeAt(0)));
    const kind = text[0];
    if (kind !== "P" && kind !== "K") return null;
    return { value: text.slice(1), commonPrefix: kind === "P" };
  } catch {
    return null;
  }
}

// S3 lists in UTF-8 binary order, which differs from JavaScript's UTF-16 order for some characters.
function compareUtf8(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const length = Math.min(x.length, y.length);
  for (let i = 0; i < length; i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  }
  return x.length - y.length;
}

/**
 * How the fake S3 reads an upload's payload beyond SigV4: the `aws-chunked` encoding with an
 * unsigned checksum trailer that `@aws-sdk/client-s3` uses for a streamed PutObject or
 * UploadPart body, and the CRC32 checksum the SDK attaches to every upload. See
 * docs/sources/bedrock.md § S3 aws-chunked uploads with a checksum trailer, and
 * § S3 checksum headers.
 *
 * `STREAMING-UNSIGNED-PAYLOAD-TRAILER` (the `x-amz-content-sha256` value; the signature signs
 * that literal) frames the body as `<hex size>\r\n<bytes>\r\n` chunks, a `0\r\n` chunk, the
 * trailer named in `x-amz-trailer` as `name:value\r\n`, and a final `\r\n`. Bad framing is 400
 * IncompleteBody; a trailer other than the announced one is 400 MalformedTrailerError; the
 * encoding on any call but PutObject and UploadPart is 400 InvalidRequest. The signed
 * streaming variants (`STREAMING-AWS4-HMAC-SHA256-…`) stay unsimulated (501 in s3.ts).
 *
 * Only CRC32 checksums (the SDK's default) are verified; a value of another algorithm is
 * accepted unverified.
 */
import { s3Error } from "./errors.ts";

export const UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

const decoder = new TextDecoder();

/**
 * The decoded bytes of an `aws-chunked` body, or S3's error answer.
 *
 * @example
 * const bytes = decodeUnsignedTrailerBody(headers, body, true);
 * if (bytes instanceof Response) return bytes;
 */
export function decodeUnsignedTrailerBody(headers: Headers, body: Uint8Array, isUpload: boolean): Uint8Array | Response {
  if (!isUpload) {
    return s3Error(400, "InvalidRequest", `The value of x-amz-content-sha256 header is invalid: ${UNSIGNED_TRAILER} is only allowed for PutObject and UploadPart.`);
  }
  const incomplete = () => s3Error(400, "IncompleteBody", "The request body terminated unexpectedly");
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const readLine = (): string | null => {
    for (let i = offset; i + 1 < body.length; i++) {
      if (body[i] === 13 && body[i + 1] === 10) {
        const line = decoder.decode(body.subarray(offset, i));
        offset = i + 2;
        return line;
      }
    }
    return null;
  };
  for (;;) {
    const sizeLine = readLine();
    if (sizeLine === null) return incomplete();
    const sizeText = sizeLine.split(";")[0] ?? "";
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) return incomplete();
    const size = parseInt(sizeText, 16);
    if (size === 0) break;
    if (offset + size + 2 > body.length || body[offset + size] !== 13 || body[offset + size + 1] !== 10) return incomplete();
    chunks.push(body.subarray(offset, offset + size));
    offset += size + 2;
  }
  const trailers = new Map<string, string>();
  for (;;) {
    const line = readLine();
    if (line === null) return incomplete();
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon <= 0) return malformedTrailer();
    trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (offset !== body.length) return incomplete();
  const announced = (headers.get("x-amz-trailer") ?? "").trim().toLowerCase();
  if (announced === "" || trailers.size !== 1 || !trailers.has(announced)) return malformedTrailer();

  const decoded = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let position = 0;
  for (const chunk of chunks) {
    decoded.set(chunk, position);
    position += chunk.byteLength;
  }
  const decodedLength = headers.get("x-amz-decoded-content-length");
  if (decodedLength === null) return s3Error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.");
  if (Number(decodedLength) !== decoded.byteLength) return incomplete();
  return checkChecksums(new Map([[announced, trailers.get(announced) as string]]), decoded) ?? decoded;
}

/**
 * S3's BadDigest when an `x-amz-checksum-crc32` value (header or trailer) does not match the
 * payload; `null` otherwise.
 *
 * @example
 * const refused = checkChecksums(new Map([["x-amz-checksum-crc32", "DUoRhQ=="]]), bytes);
 */
export function checkChecksums(values: Map<string, string>, payload: Uint8Array): Response | null {
  const crc = values.get("x-amz-checksum-crc32");
  if (crc !== undefined && crc !== crc32Base64(payload)) {
    return s3Error(400, "BadDigest", "The CRC32 you specified did not match the calculated checksum.");
  }
  return null;
}

/**
 * The checksum headers of a request, by lower-case name.
 *
 * @example
 * checkChecksums(checksumHeaders(request.headers), request.body);
 */
export function checksumHeaders(headers: Headers): Map<string, string> {
  const values = new Map<string, string>();
  headers.forEach((value, name) => {
    if (name.toLowerCase().startsWith("x-amz-checksum-") && name.toLowerCase() !== "x-amz-checksum-type") values.set(name.toLowerCase(), value.trim());
  });
  return values;
}

function malformedTrailer(): Response {
  return s3Error(400, "MalformedTrailerError", "The request contained trailing data that was not well-formed or did not conform to our published schema.");
}

let table: Uint32Array | undefined;

/** CRC-32 (IEEE), big-endian, base64: the form of `x-amz-checksum-crc32`. */
function crc32Base64(bytes: Uint8Array): string {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (table[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  crc = (crc ^ 0xffffffff) >>> 0;
  return btoa(String.fromCharCode(crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff));
}

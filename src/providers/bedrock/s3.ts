/**
 * The S3 object operations the Bedrock adapter uses (S3 API reference: PutObject, GetObject,
 * DeleteObject, CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
 * AbortMultipartUpload).
 */
import { UpstreamError } from "../../lib/errors";
import { isNotFound, type AwsCalls } from "./client";

/** A part of a multipart upload, as CompleteMultipartUpload lists it. */
export interface UploadedPart {
  partNumber: number;
  etag: string;
}

/**
 * Writes a whole object in one PUT.
 *
 * @example
 * await putObject(aws, "bucket", "batches/b/1-x.jsonl", bytes, "application/jsonl");
 */
export async function putObject(aws: AwsCalls, bucket: string, key: string, body: Uint8Array, contentType: string): Promise<void> {
  await drain(await aws.s3("PUT", bucket, key, { body, contentType }));
}

/**
 * An object's body, streamed; `null` when there is no such object.
 *
 * @example
 * const body = await getObject(aws, "bucket", outputKey);
 */
export async function getObject(aws: AwsCalls, bucket: string, key: string): Promise<ReadableStream<Uint8Array> | null> {
  try {
    const response = await aws.s3("GET", bucket, key);
    return response.body ?? new Response("").body;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/**
 * Deletes an object; one already gone counts as deleted.
 *
 * @example
 * await deleteObject(aws, "bucket", "batches/b/1-x.jsonl");
 */
export async function deleteObject(aws: AwsCalls, bucket: string, key: string): Promise<void> {
  try {
    await drain(await aws.s3("DELETE", bucket, key));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/**
 * Starts a multipart upload; returns its upload ID.
 *
 * @example
 * const uploadId = await createMultipartUpload(aws, "bucket", key, "application/jsonl");
 */
export async function createMultipartUpload(aws: AwsCalls, bucket: string, key: string, contentType: string): Promise<string> {
  const xml = await (await aws.s3("POST", bucket, key, { query: "uploads", contentType })).text();
  const uploadId = xmlElement(xml, "UploadId");
  if (!uploadId) throw new UpstreamError("bedrock", 502, `S3 CreateMultipartUpload answered without an UploadId: ${xml.slice(0, 200)}`);
  return uploadId;
}

/**
 * Uploads one part (every part but the last must be at least 5 MiB); returns its ETag.
 *
 * @example
 * const etag = await uploadPart(aws, "bucket", key, uploadId, 1, bytes);
 */
export async function uploadPart(aws: AwsCalls, bucket: string, key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<string> {
  const query = new URLSearchParams({ partNumber: String(partNumber), uploadId }).toString();
  const response = await aws.s3("PUT", bucket, key, { query, body });
  await drain(response);
  const etag = response.headers.get("etag");
  if (!etag) throw new UpstreamError("bedrock", 502, `S3 UploadPart ${partNumber} answered without an ETag`);
  return etag;
}

/**
 * Completes a multipart upload from its parts, in part-number order. S3 can answer 200 with an
 * `<Error>` body here, which is a failure too.
 *
 * @example
 * await completeMultipartUpload(aws, "bucket", key, uploadId, [{ partNumber: 1, etag }]);
 */
export async function completeMultipartUpload(aws: AwsCalls, bucket: string, key: string, uploadId: string, parts: readonly UploadedPart[]): Promise<void> {
  const body =
    "<CompleteMultipartUpload>" +
    [...parts]
      .sort((a, b) => a.partNumber - b.partNumber)
      .map((part) => `<Part><PartNumber>${part.partNumber}</PartNumber><ETag>${xmlEscape(part.etag)}</ETag></Part>`)
      .join("") +
    "</CompleteMultipartUpload>";
  const query = new URLSearchParams({ uploadId }).toString();
  const xml = await (await aws.s3("POST", bucket, key, { query, body: new TextEncoder().encode(body), contentType: "application/xml" })).text();
  if (xml.includes("<Error>")) {
    throw new UpstreamError("bedrock", 500, `S3 CompleteMultipartUpload failed: ${xmlElement(xml, "Code") ?? ""}: ${xmlElement(xml, "Message") ?? xml.slice(0, 200)}`);
  }
}

/**
 * Abandons a multipart upload; one already gone (aborted or completed) counts as aborted.
 *
 * @example
 * await abortMultipartUpload(aws, "bucket", key, uploadId);
 */
export async function abortMultipartUpload(aws: AwsCalls, bucket: string, key: string, uploadId: string): Promise<void> {
  try {
    await drain(await aws.s3("DELETE", bucket, key, { query: new URLSearchParams({ uploadId }).toString() }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

async function drain(response: Response): Promise<void> {
  await response.body?.cancel();
}

function xmlElement(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

function xmlEscape(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

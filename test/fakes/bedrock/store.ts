/**
 * The fake S3's memory: buckets of objects and open multipart uploads. Objects keep the byte
 * chunks they arrived in (a completed multipart upload is its parts, not a copy of them).
 * The Bedrock fake reads job input from here and writes job output here.
 */

export interface StoredObject {
  chunks: Uint8Array[];
  size: number;
  contentType: string;
  etag: string;
  lastModified: Date;
}

export interface PartUpload {
  bytes: Uint8Array;
  etag: string;
}

export interface MultipartUpload {
  bucket: string;
  key: string;
  uploadId: string;
  contentType: string;
  parts: Map<number, PartUpload>;
}

export interface ObjectStore {
  buckets: Map<string, Map<string, StoredObject>>;
  uploads: Map<string, MultipartUpload>;
}

/**
 * An empty store with the given buckets.
 *
 * @example
 * const store = createObjectStore(["batchbridge-test"]);
 */
export function createObjectStore(bucketNames: readonly string[]): ObjectStore {
  return { buckets: new Map(bucketNames.map((name) => [name, new Map()])), uploads: new Map() };
}

/**
 * Writes an object (replacing any object at the key). Returns it.
 *
 * @example
 * putStoredObject(store, "bucket", "out/x.jsonl.out", [bytes], "application/octet-stream", etag);
 */
export function putStoredObject(
  store: ObjectStore,
  bucket: string,
  key: string,
  chunks: Uint8Array[],
  contentType: string,
  etag: string,
): StoredObject {
  const object: StoredObject = {
    chunks,
    size: chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0),
    contentType,
    etag,
    lastModified: new Date(),
  };
  store.buckets.get(bucket)?.set(key, object);
  return object;
}

/**
 * An object's bytes decoded as UTF-8.
 *
 * @example
 * const jsonl = objectText(store.buckets.get("b")!.get("k")!);
 */
export function objectText(object: StoredObject): string {
  const decoder = new TextDecoder();
  let text = "";
  for (const chunk of object.chunks) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/**
 * Splits `s3://bucket/key` into its parts; `null` when it is not an S3 URI.
 *
 * @example
 * parseS3Uri("s3://b/in/x.jsonl") // { bucket: "b", key: "in/x.jsonl" }
 */
export function parseS3Uri(uri: string): { bucket: string; key: string } | null {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return match ? { bucket: match[1] ?? "", key: match[2] ?? "" } : null;
}

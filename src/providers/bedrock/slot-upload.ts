/**
 * The JSONL input file of one Bedrock job, written to S3 as its records arrive.
 *
 * S3 needs to know a body's length before it takes it, so bytes are gathered into parts:
 * a file that stays under 5 MiB is sent in one PUT when the batch is finished (small files are
 * small in memory too); once it reaches 5 MiB it becomes a multipart upload, and every 5 MiB
 * gathered is sent as a part (S3's minimum for every part but the last). So a file never
 * holds more than one part in memory, however large the batch.
 */
import { concatBytes } from "../../lib/concat-bytes";
import type { BatchSink } from "../types";
import type { AwsCalls } from "./client";
import type { Limiter } from "./limiter";
import { s3Uri } from "./names";
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, deleteObject, putObject, uploadPart, type UploadedPart } from "./s3";

/** S3's minimum part size, and the size at which a part is sent. */
export const PART_BYTES = 5 * 1024 * 1024;
export const JSONL_CONTENT_TYPE = "application/jsonl";

export interface SlotUploadOptions {
  slot: string;
  modelId: string;
  bucket: string;
  key: string;
  aws: AwsCalls;
  sink: BatchSink;
  /** Shared by every file of a batch: how many parts may be in flight at once. */
  uploads: Limiter;
}

/**
 * One job's input file on its way to S3.
 *
 * @example
 * const file = new SlotUpload({ slot: "anthropic.claude-3-haiku-20240307-v1:0#0", modelId, bucket, key, aws, sink, uploads });
 * await file.append(encoder.encode(line + "\n"));
 * await file.commit(); // the object now exists at file.uri
 */
export class SlotUpload {
  readonly slot: string;
  readonly modelId: string;
  readonly bucket: string;
  readonly key: string;
  private readonly aws: AwsCalls;
  private readonly sink: BatchSink;
  private readonly uploads: Limiter;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private uploadId: string | null = null;
  private readonly parts: UploadedPart[] = [];
  private partsSent = 0;
  private readonly inFlight: Promise<unknown>[] = [];
  private failure: unknown = null;
  private isSealed = false;
  private committed = false;

  constructor(options: SlotUploadOptions) {
    this.slot = options.slot;
    this.modelId = options.modelId;
    this.bucket = options.bucket;
    this.key = options.key;
    this.aws = options.aws;
    this.sink = options.sink;
    this.uploads = options.uploads;
  }

  get uri(): string {
    return s3Uri(this.bucket, this.key);
  }

  /** Whether the file takes no more records. */
  get sealed(): boolean {
    return this.isSealed;
  }

  /** Bytes gathered in memory and not sent yet. */
  get heldBytes(): number {
    return this.buffered;
  }

  /** Adds JSONL lines (each with its newline); sends a part each time 5 MiB have gathered. */
  async append(...lines: Uint8Array[]): Promise<void> {
    if (this.failure) throw this.failure;
    for (const line of lines) {
      this.chunks.push(line);
      this.buffered += line.byteLength;
      if (this.buffered >= PART_BYTES) await this.sendPart();
    }
  }

  /** No more records: a multipart file sends what is left as its last part now, freeing it. */
  async seal(): Promise<void> {
    if (this.isSealed) return;
    this.isSealed = true;
    if (this.uploadId !== null && this.buffered > 0) await this.sendPart();
  }

  /** Makes the object exist in S3: one PUT, or completing the multipart upload. A second call does nothing. */
  async commit(): Promise<void> {
    if (this.committed) return;
    await this.seal();
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
    await this.sink.record({ kind: "s3_object", nativeId: this.uri });
    if (this.uploadId === null) {
      await putObject(this.aws, this.bucket, this.key, this.takeBuffer(), JSONL_CONTENT_TYPE);
    } else {
      await completeMultipartUpload(this.aws, this.bucket, this.key, this.uploadId, this.parts);
    }
    this.committed = true;
  }

  /** Removes whatever exists of this file in S3 (best effort: never throws; a second call does nothing). */
  async discard(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    await Promise.allSettled(this.inFlight);
    const uploadId = this.uploadId;
    const committed = this.committed;
    this.uploadId = null;
    this.committed = false;
    if (uploadId !== null && !committed) await abortMultipartUpload(this.aws, this.bucket, this.key, uploadId).catch(() => {});
    if (committed) await deleteObject(this.aws, this.bucket, this.key).catch(() => {});
  }

  private async sendPart(): Promise<void> {
    if (this.uploadId === null) {
      this.uploadId = await createMultipartUpload(this.aws, this.bucket, this.key, JSONL_CONTENT_TYPE);
      await this.sink.record({ kind: "s3_multipart_upload", nativeId: this.uri, data: { uploadId: this.uploadId } });
    }
    const uploadId = this.uploadId;
    const partNumber = ++this.partsSent;
    const body = this.takeBuffer();
    const { done } = await this.uploads.start(async () => {
      this.parts.push({ partNumber, etag: await uploadPart(this.aws, this.bucket, this.key, uploadId, partNumber, body) });
    });
    // A failed part is reported by the next append or by commit, not as an unhandled rejection.
    this.inFlight.push(done.catch((error: unknown) => (this.failure ??= error)));
  }

  private takeBuffer(): Uint8Array {
    const body = concatBytes(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    return body;
  }
}

/**
 * The fake Bedrock (test/fakes/bedrock: S3, the control plane and the runtime) driven by the
 * official AWS SDK v3 clients over HTTP, exactly as a user drives the real services:
 * `@aws-sdk/client-s3` puts, lists, reads and deletes objects and uploads in parts;
 * `@aws-sdk/client-bedrock` creates, polls, lists and stops model invocation jobs;
 * `@aws-sdk/client-bedrock-runtime` invokes a model (InvokeModel), and reads its errors as
 * the SDK's own exception classes. Every request is SigV4-signed by the
 * SDK and verified by the fake. A fake the SDKs cannot use is wrong.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import {
  BedrockClient,
  BedrockServiceException,
  CreateModelInvocationJobCommand,
  GetModelInvocationJobCommand,
  ListModelInvocationJobsCommand,
  ResourceNotFoundException,
  StopModelInvocationJobCommand,
  ValidationException,
  type GetModelInvocationJobCommandOutput,
} from "@aws-sdk/client-bedrock";
import {
  AccessDeniedException,
  BedrockRuntimeClient,
  BedrockRuntimeServiceException,
  InvokeModelCommand,
  ModelNotReadyException,
  ThrottlingException,
  ValidationException as RuntimeValidationException,
} from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createFakeBedrock } from "../fakes/bedrock/index.ts";
import { jsonLines, pollUntil, serveDuringSuite } from "./support/serve.ts";

const ACCOUNT = { accessKeyId: "AKIDCONTRACTTEST", secretAccessKey: "contract-secret-key", region: "us-east-1" };
const BUCKET = "batchbridge-test";
const MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
const ROLE = "arn:aws:iam::123456789012:role/BatchBridgeBedrockBatch";
const fake = createFakeBedrock({ ...ACCOUNT, minRecordsPerJob: 2 });
const served = serveDuringSuite((request) => fake.fetch(request));

function credentials(secretAccessKey = ACCOUNT.secretAccessKey) {
  return { accessKeyId: ACCOUNT.accessKeyId, secretAccessKey };
}

function s3(secretAccessKey?: string): S3Client {
  return new S3Client({ endpoint: `${served.url}/s3`, region: ACCOUNT.region, credentials: credentials(secretAccessKey), forcePathStyle: true, maxAttempts: 1 });
}

function bedrock(secretAccessKey?: string): BedrockClient {
  return new BedrockClient({ endpoint: `${served.url}/bedrock`, region: ACCOUNT.region, credentials: credentials(secretAccessKey), maxAttempts: 1 });
}

function record(recordId: string, text: string): string {
  return JSON.stringify({
    recordId,
    modelInput: { anthropic_version: "bedrock-2023-05-31", max_tokens: 64, messages: [{ role: "user", content: text }] },
  });
}

const ENDED = ["Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired"];

async function putRecords(client: S3Client, key: string, lines: string[]): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `${lines.join("\n")}\n`, ContentType: "application/jsonl" }));
}

describe("the fake S3, through the official @aws-sdk/client-s3", () => {
  it("puts, heads, gets, lists and deletes objects", async () => {
    const client = s3();
    const put = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "contract/objects/a b+c.jsonl", Body: "first line\n", ContentType: "application/jsonl" }));
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "contract/objects/second.jsonl", Body: Buffer.from("second\n") }));

    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "contract/objects/a b+c.jsonl" }));
    expect(head).toMatchObject({ ContentLength: 11, ContentType: "application/jsonl", ETag: put.ETag });
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "contract/objects/a b+c.jsonl" }));
    expect(await got.Body?.transformToString()).toBe("first line\n");
    expect(got.ETag).toBe(put.ETag);

    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "contract/objects/" }));
    expect(listed.KeyCount).toBe(2);
    expect(listed.IsTruncated).toBe(false);
    expect(listed.Contents?.map((object) => [object.Key, object.Size])).toEqual([
      ["contract/objects/a b+c.jsonl", 11],
      ["contract/objects/second.jsonl", 7],
    ]);

    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "contract/objects/a b+c.jsonl" }));
    const missing = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "contract/objects/a b+c.jsonl" })).catch((caught: unknown) => caught);
    expect(missing).toBeInstanceOf(NoSuchKey);
    expect((missing as NoSuchKey).$metadata.httpStatusCode).toBe(404);
    // Deleting a key that is not there is still a success, as on S3.
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "contract/objects/a b+c.jsonl" }));
  });

  it("takes a streamed body, which the SDK sends aws-chunked with a CRC32 trailer", async () => {
    const client = s3();
    const lines = [record("s1", "streamed one"), record("s2", "streamed two")].map((line) => Buffer.from(`${line}\n`));
    const size = lines.reduce((sum, line) => sum + line.byteLength, 0);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "contract/stream/records.jsonl", Body: Readable.from(lines), ContentLength: size }));
    const sent = fake.calls.filter((call) => call.method === "PUT" && call.path.endsWith("/contract/stream/records.jsonl")).pop();
    expect(sent?.headers).toMatchObject({ "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "x-amz-trailer": "x-amz-checksum-crc32" });
    expect(fake.readObject(BUCKET, "contract/stream/records.jsonl")).toBe(Buffer.concat(lines).toString("utf8"));

    const part = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "contract/stream/part.jsonl" }));
    const uploaded = await client.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: "contract/stream/part.jsonl", UploadId: part.UploadId, PartNumber: 1, Body: Readable.from(lines), ContentLength: size }),
    );
    await client.send(
      new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: "contract/stream/part.jsonl", UploadId: part.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: uploaded.ETag }] } }),
    );
    expect(fake.readObject(BUCKET, "contract/stream/part.jsonl")).toBe(Buffer.concat(lines).toString("utf8"));
  });

  it("refuses an upload whose CRC32 does not match its bytes with BadDigest", async () => {
    const refused = await s3()
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: "contract/objects/bad-crc.jsonl", Body: "payload", ChecksumCRC32: "AAAAAA==" }))
      .catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(S3ServiceException);
    expect((refused as S3ServiceException).name).toBe("BadDigest");
    expect(fake.readObject(BUCKET, "contract/objects/bad-crc.jsonl")).toBeUndefined();
  });

  it("lists in pages with a continuation token, and by delimiter", async () => {
    const client = s3();
    for (const key of ["p/1.jsonl", "p/2.jsonl", "p/3.jsonl", "p/sub/4.jsonl"]) {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `contract/list/${key}`, Body: key }));
    }
    const first = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "contract/list/", MaxKeys: 3 }));
    expect(first.Contents?.map((object) => object.Key)).toEqual(["contract/list/p/1.jsonl", "contract/list/p/2.jsonl", "contract/list/p/3.jsonl"]);
    expect(first.IsTruncated).toBe(true);
    expect(first.NextContinuationToken).toEqual(expect.any(String));
    const second = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "contract/list/", MaxKeys: 3, ContinuationToken: first.NextContinuationToken }));
    expect(second.Contents?.map((object) => object.Key)).toEqual(["contract/list/p/sub/4.jsonl"]);
    expect(second.IsTruncated).toBe(false);

    const folders = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "contract/list/p/", Delimiter: "/" }));
    expect(folders.Contents?.map((object) => object.Key)).toEqual(["contract/list/p/1.jsonl", "contract/list/p/2.jsonl", "contract/list/p/3.jsonl"]);
    expect(folders.CommonPrefixes).toEqual([{ Prefix: "contract/list/p/sub/" }]);
  });

  it("uploads in parts, refuses a part under 5 MiB that is not the last, and aborts", async () => {
    const client = s3();
    const key = "contract/multipart/big.jsonl";
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ContentType: "application/jsonl" }));
    expect(UploadId).toEqual(expect.any(String));
    const part1 = Buffer.alloc(5 * 1024 * 1024, "a");
    const part2 = Buffer.from("tail\n");
    const first = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: part1 }));
    const second = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 2, Body: part2 }));
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: first.ETag }, { PartNumber: 2, ETag: second.ETag }] },
      }),
    );
    expect(done).toMatchObject({ Bucket: BUCKET, Key: key });
    expect(done.ETag).toMatch(/-2"$/);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ContentLength).toBe(part1.byteLength + part2.byteLength);

    const small = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "contract/multipart/small.jsonl" }));
    const tiny = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: "contract/multipart/small.jsonl", UploadId: small.UploadId, PartNumber: 1, Body: "x" }));
    const last = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: "contract/multipart/small.jsonl", UploadId: small.UploadId, PartNumber: 2, Body: "y" }));
    const refused = await client
      .send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: "contract/multipart/small.jsonl",
          UploadId: small.UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: tiny.ETag }, { PartNumber: 2, ETag: last.ETag }] },
        }),
      )
      .catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(S3ServiceException);
    expect((refused as S3ServiceException).name).toBe("EntityTooSmall");
    expect((refused as S3ServiceException).$metadata.httpStatusCode).toBe(400);

    const openBefore = fake.openUploads();
    await client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: "contract/multipart/small.jsonl", UploadId: small.UploadId }));
    expect(fake.openUploads()).toBe(openBefore - 1);
  });

  it("refuses a request signed with the wrong secret with SignatureDoesNotMatch", async () => {
    const error = await s3("not-the-secret")
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: "contract/objects/second.jsonl" }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(S3ServiceException);
    expect((error as S3ServiceException).name).toBe("SignatureDoesNotMatch");
    expect((error as S3ServiceException).$metadata.httpStatusCode).toBe(403);
  });
});

describe("the fake Bedrock control plane, through the official @aws-sdk/client-bedrock", () => {
  async function createJob(client: BedrockClient, name: string, inputKey: string, records: string[]) {
    await putRecords(s3(), inputKey, records);
    return client.send(
      new CreateModelInvocationJobCommand({
        jobName: name,
        roleArn: ROLE,
        modelId: MODEL,
        inputDataConfig: { s3InputDataConfig: { s3Uri: `s3://${BUCKET}/${inputKey}`, s3InputFormat: "JSONL" } },
        outputDataConfig: { s3OutputDataConfig: { s3Uri: `s3://${BUCKET}/contract/jobs/${name}/output/` } },
      }),
    );
  }

  it("runs a job to PartiallyCompleted and writes its output where S3 lists it", async () => {
    const client = bedrock();
    const created = await createJob(client, "contract-run", "contract/jobs/contract-run/input/records.jsonl", [
      record("r1", "first"),
      record("r2", "FAIL_REQUEST please"),
      record("r3", "third"),
    ]);
    expect(created.jobArn).toMatch(/^arn:aws:bedrock:us-east-1:123456789012:model-invocation-job\/[a-z0-9]{12}$/);

    const seen = await pollUntil(
      () => client.send(new GetModelInvocationJobCommand({ jobIdentifier: created.jobArn })),
      (job: GetModelInvocationJobCommandOutput) => ENDED.includes(job.status ?? ""),
    );
    expect(seen.map((job) => job.status)).toEqual(["Validating", "Scheduled", "InProgress", "PartiallyCompleted"]);
    const done = seen[seen.length - 1]!;
    expect(done).toMatchObject({ jobName: "contract-run", modelId: MODEL, roleArn: ROLE, jobArn: created.jobArn });
    expect(done.submitTime).toBeInstanceOf(Date);
    expect(done.endTime).toBeInstanceOf(Date);
    expect(done.inputDataConfig?.s3InputDataConfig?.s3Uri).toBe(`s3://${BUCKET}/contract/jobs/contract-run/input/records.jsonl`);

    const jobId = created.jobArn!.split("/").pop()!;
    const storage = s3();
    const listed = await storage.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `contract/jobs/contract-run/output/${jobId}/` }));
    expect(listed.Contents?.map((object) => object.Key?.split("/").pop()).sort()).toEqual(["manifest.json.out", "records.jsonl.out"]);
    const output = await storage.send(new GetObjectCommand({ Bucket: BUCKET, Key: `contract/jobs/contract-run/output/${jobId}/records.jsonl.out` }));
    const lines = jsonLines(await output.Body!.transformToString()) as { recordId: string; modelOutput?: { content: { text: string }[] }; error?: { errorCode: number } }[];
    const byId = new Map(lines.map((line) => [line.recordId, line]));
    expect([...byId.keys()].sort()).toEqual(["r1", "r2", "r3"]);
    expect(byId.get("r1")?.modelOutput?.content[0]?.text).toBe("echo: first");
    expect(byId.get("r2")?.error?.errorCode).toBe(400);
    const manifest = await storage.send(new GetObjectCommand({ Bucket: BUCKET, Key: `contract/jobs/contract-run/output/${jobId}/manifest.json.out` }));
    expect(JSON.parse(await manifest.Body!.transformToString())).toMatchObject({ totalRecordCount: 3, successRecordCount: 2, errorRecordCount: 1 });
  });

  it("lists jobs in pages, newest first, filtered by name", async () => {
    const client = bedrock();
    const arns: string[] = [];
    for (const name of ["contract-list-a", "contract-list-b", "contract-list-c"]) {
      arns.push((await createJob(client, name, `contract/jobs/${name}/input/records.jsonl`, [record("1", "one"), record("2", "two")])).jobArn!);
    }
    const first = await client.send(new ListModelInvocationJobsCommand({ nameContains: "contract-list-", maxResults: 2, sortOrder: "Descending" }));
    expect(first.invocationJobSummaries?.map((job) => job.jobArn)).toHaveLength(2);
    expect(first.nextToken).toEqual(expect.any(String));
    const second = await client.send(new ListModelInvocationJobsCommand({ nameContains: "contract-list-", maxResults: 2, nextToken: first.nextToken }));
    const all = [...(first.invocationJobSummaries ?? []), ...(second.invocationJobSummaries ?? [])];
    expect(all.map((job) => job.jobArn).sort()).toEqual([...arns].sort());
    expect(second.nextToken).toBeUndefined();
    expect(all.every((job) => job.status === "Submitted" && job.submitTime instanceof Date)).toBe(true);

    const since = await client.send(new ListModelInvocationJobsCommand({ nameContains: "contract-list-", statusEquals: "Submitted", submitTimeAfter: new Date(Date.now() - 60_000), sortBy: "CreationTime" }));
    expect(since.invocationJobSummaries?.map((job) => job.jobArn).sort()).toEqual([...arns].sort());
    const future = await client.send(new ListModelInvocationJobsCommand({ nameContains: "contract-list-", submitTimeAfter: new Date(Date.now() + 60_000) }));
    expect(future.invocationJobSummaries ?? []).toEqual([]);
  });

  it("stops a job: Stopping, then Stopped", async () => {
    const client = bedrock();
    const created = await createJob(client, "contract-stop", "contract/jobs/contract-stop/input/records.jsonl", [record("1", "one"), record("2", "two")]);
    expect((await client.send(new GetModelInvocationJobCommand({ jobIdentifier: created.jobArn }))).status).toBe("Validating");
    const stopped = await client.send(new StopModelInvocationJobCommand({ jobIdentifier: created.jobArn }));
    expect(stopped.$metadata.httpStatusCode).toBe(200);
    expect(fake.peekJob(created.jobArn!)?.status).toBe("Stopping");
    const ended = await client.send(new GetModelInvocationJobCommand({ jobIdentifier: created.jobArn }));
    expect(ended.status).toBe("Stopped");
    const again = await client.send(new StopModelInvocationJobCommand({ jobIdentifier: created.jobArn })).catch((caught: unknown) => caught);
    expect(again).toBeInstanceOf(ValidationException);
  });

  it("answers an unknown job with ResourceNotFoundException and a bad signature as AWS does", async () => {
    const client = bedrock();
    const missing = await client
      .send(new GetModelInvocationJobCommand({ jobIdentifier: "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abcdefghijkl" }))
      .catch((caught: unknown) => caught);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect((missing as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);

    const unsigned = await bedrock("not-the-secret")
      .send(new ListModelInvocationJobsCommand({}))
      .catch((caught: unknown) => caught);
    expect(unsigned).toBeInstanceOf(BedrockServiceException);
    expect((unsigned as BedrockServiceException).$metadata.httpStatusCode).toBe(403);
    expect((unsigned as BedrockServiceException).message).toContain("signature");
  });
});

// The runtime client speaks HTTP/2 by default (for its bidirectional streams); the fake is served
// over HTTP/1.1, which Bedrock's endpoints take too, so the SDK's HTTP/1.1 handler is used.
function runtime(secretAccessKey?: string, maxAttempts = 1): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    endpoint: `${served.url}/bedrock-runtime`,
    region: ACCOUNT.region,
    credentials: credentials(secretAccessKey),
    maxAttempts,
    requestHandler: new NodeHttpHandler(),
  });
}

function invoke(text: string, modelId = MODEL): InvokeModelCommand {
  const body = { anthropic_version: "bedrock-2023-05-31", max_tokens: 64, messages: [{ role: "user", content: text }] };
  return new InvokeModelCommand({ modelId, contentType: "application/json", accept: "application/json", body: new TextEncoder().encode(JSON.stringify(body)) });
}

describe("the fake Bedrock runtime, through the official @aws-sdk/client-bedrock-runtime", () => {
  it("invokes a model: the answer is an Anthropic Message, also for an inference profile ARN", async () => {
    const answer = await runtime().send(invoke("hello there"));
    expect(answer.contentType).toBe("application/json");
    expect(JSON.parse(new TextDecoder().decode(answer.body))).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-3-haiku-20240307",
      content: [{ type: "text", text: "echo: hello there" }],
      stop_reason: "end_turn",
      usage: { input_tokens: 2, output_tokens: 3 },
    });
    const profile = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0";
    const viaProfile = await runtime().send(invoke("hi", profile));
    expect(JSON.parse(new TextDecoder().decode(viaProfile.body))).toMatchObject({ type: "message" });
  });

  it("answers Bedrock's exceptions, which the SDK reads as its own classes, and retries throttling itself", async () => {
    const bad = await runtime()
      .send(new InvokeModelCommand({ modelId: MODEL, contentType: "application/json", body: new TextEncoder().encode(JSON.stringify({ anthropic_version: "bedrock-2023-05-31", max_tokens: 5, messages: [{ role: "user", content: "x" }], stream: false })) }))
      .catch((caught: unknown) => caught);
    expect(bad).toBeInstanceOf(RuntimeValidationException);
    expect((bad as RuntimeValidationException).$metadata.httpStatusCode).toBe(400);
    expect((bad as RuntimeValidationException).message).toBe("Malformed input request: #: extraneous key [stream] is not permitted, please reformat your input and try again.");

    const cases = [
      ["ThrottlingException", ThrottlingException, 429],
      ["ModelNotReadyException", ModelNotReadyException, 429],
      ["AccessDeniedException", AccessDeniedException, 403],
    ] as const;
    for (const [type, errorClass, status] of cases) {
      fake.failInvokes(type, 1);
      const refused = await runtime().send(invoke("hi")).catch((caught: unknown) => caught);
      expect(refused).toBeInstanceOf(errorClass);
      expect((refused as BedrockRuntimeServiceException).$metadata.httpStatusCode).toBe(status);
    }
    // The SDK's own retry policy treats the fake's throttling as retryable.
    fake.failInvokes("ThrottlingException", 2);
    const retried = await runtime(undefined, 3).send(invoke("after throttling"));
    expect(JSON.parse(new TextDecoder().decode(retried.body))).toMatchObject({ content: [{ type: "text", text: "echo: after throttling" }] });
    expect(retried.$metadata.attempts).toBe(3);
  });

  it("refuses a bad signature as AWS does", async () => {
    const refused = await runtime("not-the-secret").send(invoke("hi")).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(BedrockRuntimeServiceException);
    expect((refused as BedrockRuntimeServiceException).$metadata.httpStatusCode).toBe(403);
    expect((refused as BedrockRuntimeServiceException).name).toBe("InvalidSignatureException");
  });
});

/**
 * The fake S3 refuses what S3 refuses, with S3's XML errors, and keeps objects the way S3 does.
 */
import { AwsClient } from "aws4fetch";
import { describe, expect, it } from "vitest";
import { createFakeBedrock } from "../../fakes/bedrock/index.ts";

const KEYS = { accessKeyId: "AKIDFAKES3", secretAccessKey: "s3-secret", region: "us-east-1" };
const BASE = "https://s3.us-east-1.amazonaws.com/bkt";
const MIB = 1024 * 1024;

function setup() {
  const fake = createFakeBedrock({ ...KEYS, buckets: ["bkt"] });
  const s3 = new AwsClient({ ...KEYS, service: "s3" });
  const send = async (url: string, init: RequestInit = {}, client: AwsClient = s3) => fake.fetch(await client.sign(url, init));
  return { fake, s3, send };
}

async function xmlError(response: Response): Promise<{ status: number; code: string | undefined; message: string | undefined }> {
  const text = await response.text();
  expect(response.headers.get("content-type")).toBe("application/xml");
  return { status: response.status, code: /<Code>(.*?)<\/Code>/.exec(text)?.[1], message: /<Message>(.*?)<\/Message>/.exec(text)?.[1]?.replaceAll("&quot;", '"') };
}

describe("fake S3: authentication", () => {
  it("refuses an unsigned request, a missing content hash, a wrong secret, an unknown key", async () => {
    const { fake, send } = setup();
    expect(await xmlError(await fake.fetch(new Request(`${BASE}/k`)))).toEqual({ status: 403, code: "AccessDenied", message: "Access Denied" });

    const signedWithoutHash = await new AwsClient({ ...KEYS, service: "s3" }).sign(`${BASE}/k`, { headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
    const stripped = new Headers(signedWithoutHash.headers);
    stripped.delete("x-amz-content-sha256");
    expect(await xmlError(await fake.fetch(new Request(signedWithoutHash.url, { headers: stripped })))).toEqual({
      status: 400,
      code: "InvalidRequest",
      message: "Missing required header for this request: x-amz-content-sha256",
    });

    const wrongSecret = new AwsClient({ ...KEYS, secretAccessKey: "nope", service: "s3" });
    expect(await xmlError(await send(`${BASE}/k`, {}, wrongSecret))).toEqual({
      status: 403,
      code: "SignatureDoesNotMatch",
      message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    });
    const unknownKey = new AwsClient({ ...KEYS, accessKeyId: "AKIDWHO", service: "s3" });
    expect(await xmlError(await send(`${BASE}/k`, {}, unknownKey))).toMatchObject({ status: 403, code: "InvalidAccessKeyId" });
  });

  it("refuses a signature for another region or service, an old one, and one for another path", async () => {
    const { fake, send } = setup();
    expect(await xmlError(await send(`${BASE}/k`, {}, new AwsClient({ ...KEYS, region: "eu-west-1", service: "s3" })))).toEqual({
      status: 400,
      code: "AuthorizationHeaderMalformed",
      message: "The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'",
    });
    const asBedrock = await send(`${BASE}/k`, { headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } }, new AwsClient({ ...KEYS, service: "bedrock" }));
    expect(await xmlError(asBedrock)).toEqual({
      status: 400,
      code: "AuthorizationHeaderMalformed",
      message: 'The authorization header is malformed; incorrect service "bedrock". This endpoint belongs to "s3".',
    });
    expect(await xmlError(await send(`${BASE}/k`, { aws: { datetime: "20200101T000000Z" } } as RequestInit))).toMatchObject({ status: 403, code: "RequestTimeTooSkewed" });

    const signed = await new AwsClient({ ...KEYS, service: "s3" }).sign(`${BASE}/k`);
    expect(await xmlError(await fake.fetch(new Request(`${BASE}/other`, { headers: signed.headers })))).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("checks a hex x-amz-content-sha256 against the body, and does not simulate aws-chunked bodies", async () => {
    const { send } = setup();
    const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const tampered = await send(`${BASE}/k`, { method: "PUT", body: "hello", headers: { "x-amz-content-sha256": empty } });
    expect(await xmlError(tampered)).toEqual({ status: 400, code: "XAmzContentSHA256Mismatch", message: "The provided 'x-amz-content-sha256' header does not match what was computed." });
    const streaming = await send(`${BASE}/k`, { method: "PUT", body: "hello", headers: { "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" } });
    expect(await xmlError(streaming)).toMatchObject({ status: 501, code: "NotImplemented" });
    const nonsense = await send(`${BASE}/k`, { method: "PUT", body: "hello", headers: { "x-amz-content-sha256": "abc" } });
    expect(await xmlError(nonsense)).toMatchObject({ status: 400, code: "InvalidArgument" });
  });
});

describe("fake S3: objects", () => {
  it("PUT, GET, HEAD, DELETE (204 even when gone); 404s for missing keys and buckets", async () => {
    const { send, fake } = setup();
    expect((await send(`${BASE}/a/b.jsonl`, { method: "PUT", body: "line\n", headers: { "content-type": "application/jsonl" } })).status).toBe(200);
    const got = await send(`${BASE}/a/b.jsonl`);
    expect([got.status, got.headers.get("content-type"), got.headers.get("content-length"), await got.text()]).toEqual([200, "application/jsonl", "5", "line\n"]);
    expect((await send(`${BASE}/a/b.jsonl`, { method: "HEAD" })).status).toBe(200);
    expect((await send(`${BASE}/a/b.jsonl`, { method: "DELETE" })).status).toBe(204);
    expect((await send(`${BASE}/a/b.jsonl`, { method: "DELETE" })).status).toBe(204);
    expect(fake.objectKeys("bkt")).toEqual([]);
    expect(await xmlError(await send(`${BASE}/a/b.jsonl`))).toEqual({ status: 404, code: "NoSuchKey", message: "The specified key does not exist." });
    expect((await send(`${BASE}/a/b.jsonl`, { method: "HEAD" })).status).toBe(404);
    expect(await xmlError(await send("https://s3.us-east-1.amazonaws.com/nobucket/k"))).toEqual({ status: 404, code: "NoSuchBucket", message: "The specified bucket does not exist." });
  });
});

describe("fake S3: multipart uploads", () => {
  async function start(send: ReturnType<typeof setup>["send"], key: string): Promise<string> {
    const xml = await (await send(`${BASE}/${key}?uploads`, { method: "POST" })).text();
    return /<UploadId>(.*?)<\/UploadId>/.exec(xml)?.[1] ?? "";
  }
  async function part(send: ReturnType<typeof setup>["send"], key: string, uploadId: string, partNumber: number, bytes: number): Promise<string> {
    const response = await send(`${BASE}/${key}?partNumber=${partNumber}&uploadId=${uploadId}`, { method: "PUT", body: new Uint8Array(bytes).fill(97) });
    expect(response.status).toBe(200);
    return response.headers.get("etag") ?? "";
  }
  const completeBody = (parts: [number, string][]) =>
    `<CompleteMultipartUpload>${parts.map(([n, etag]) => `<Part><PartNumber>${n}</PartNumber><ETag>${etag}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;

  it("joins parts of at least 5 MiB (the last may be smaller)", async () => {
    const { send, fake } = setup();
    const uploadId = await start(send, "big.jsonl");
    const first = await part(send, "big.jsonl", uploadId, 1, 5 * MIB);
    const second = await part(send, "big.jsonl", uploadId, 2, 10);
    const done = await send(`${BASE}/big.jsonl?uploadId=${uploadId}`, { method: "POST", body: completeBody([[1, first], [2, second]]) });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("<CompleteMultipartUploadResult");
    expect(fake.readObject("bkt", "big.jsonl")?.length).toBe(5 * MIB + 10);
    expect(fake.openUploads()).toBe(0);
  });

  it("refuses a small part that is not the last, wrong ETags, parts out of order, bad XML", async () => {
    const { send } = setup();
    const uploadId = await start(send, "k");
    const one = await part(send, "k", uploadId, 1, 1024);
    const two = await part(send, "k", uploadId, 2, 10);
    const complete = (body: string) => send(`${BASE}/k?uploadId=${uploadId}`, { method: "POST", body });
    expect(await xmlError(await complete(completeBody([[1, one], [2, two]])))).toEqual({
      status: 400,
      code: "EntityTooSmall",
      message: "Your proposed upload is smaller than the minimum allowed object size.",
    });
    expect(await xmlError(await complete(completeBody([[1, '"0000"']])))).toMatchObject({ status: 400, code: "InvalidPart" });
    expect(await xmlError(await complete(completeBody([[2, two], [1, one]])))).toMatchObject({ status: 400, code: "InvalidPartOrder" });
    expect(await xmlError(await complete("<nope/>"))).toMatchObject({ status: 400, code: "MalformedXML" });
  });

  it("refuses unknown uploads and part numbers outside 1..10000; abort ends an upload", async () => {
    const { send, fake } = setup();
    expect(await xmlError(await send(`${BASE}/k?partNumber=1&uploadId=nope`, { method: "PUT", body: "x" }))).toMatchObject({ status: 404, code: "NoSuchUpload" });
    const uploadId = await start(send, "k");
    expect(await xmlError(await send(`${BASE}/k?partNumber=0&uploadId=${uploadId}`, { method: "PUT", body: "x" }))).toMatchObject({ status: 400, code: "InvalidArgument" });
    expect(await xmlError(await send(`${BASE}/k?partNumber=10001&uploadId=${uploadId}`, { method: "PUT", body: "x" }))).toMatchObject({ status: 400, code: "InvalidArgument" });
    expect((await send(`${BASE}/k?uploadId=${uploadId}`, { method: "DELETE" })).status).toBe(204);
    expect(fake.openUploads()).toBe(0);
    expect(await xmlError(await send(`${BASE}/k?uploadId=${uploadId}`, { method: "DELETE" }))).toMatchObject({ status: 404, code: "NoSuchUpload" });
  });
});

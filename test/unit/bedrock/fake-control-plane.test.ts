/**
 * The fake Bedrock control plane refuses what Bedrock refuses (restJson errors with
 * `x-amzn-ErrorType`), and runs jobs through Bedrock's lifecycle over the fake S3.
 */
import { AwsClient } from "aws4fetch";
import { describe, expect, it } from "vitest";
import { createFakeBedrock } from "../../fakes/bedrock/index.ts";

const KEYS = { accessKeyId: "AKIDFAKECP", secretAccessKey: "cp-secret", region: "us-east-1" };
const CONTROL = "https://bedrock.us-east-1.amazonaws.com";
const ROLE = "arn:aws:iam::123456789012:role/BedrockBatch";
const MODEL = "anthropic.claude-3-haiku-20240307-v1:0";

function setup(options: { minRecordsPerJob?: number } = {}) {
  const fake = createFakeBedrock({ ...KEYS, buckets: ["bkt"], minRecordsPerJob: options.minRecordsPerJob ?? 2 });
  const bedrock = new AwsClient({ ...KEYS, service: "bedrock" });
  const send = async (path: string, init: RequestInit = {}, client: AwsClient = bedrock) => fake.fetch(await client.sign(`${CONTROL}${path}`, init));
  const create = (body: unknown) => send("/model-invocation-job", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { fake, send, create };
}

function record(recordId: string, modelInput: Record<string, unknown>): string {
  return JSON.stringify({ recordId, modelInput });
}

const GOOD_INPUT = { anthropic_version: "bedrock-2023-05-31", max_tokens: 20 };

function jobBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    jobName: "batchbridge-test-1",
    roleArn: ROLE,
    clientRequestToken: "token-1",
    modelId: MODEL,
    inputDataConfig: { s3InputDataConfig: { s3Uri: "s3://bkt/in/input.jsonl", s3InputFormat: "JSONL" } },
    outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://bkt/out/" } },
    ...overrides,
  };
}

async function awsError(response: Response): Promise<{ status: number; type: string; message: string }> {
  const body = (await response.json()) as { message: string };
  return { status: response.status, type: (response.headers.get("x-amzn-errortype") ?? "").split(":")[0] ?? "", message: body.message };
}

describe("fake Bedrock: authentication", () => {
  it("refuses unsigned, wrongly signed, unknown-key and wrongly scoped requests", async () => {
    const { fake, send } = setup();
    expect(await awsError(await fake.fetch(new Request(`${CONTROL}/model-invocation-jobs`)))).toEqual({
      status: 403,
      type: "MissingAuthenticationTokenException",
      message: "Missing Authentication Token",
    });
    const wrongSecret = await awsError(await send("/model-invocation-jobs", {}, new AwsClient({ ...KEYS, secretAccessKey: "nope", service: "bedrock" })));
    expect(wrongSecret.status).toBe(403);
    expect(wrongSecret.type).toBe("InvalidSignatureException");
    expect(wrongSecret.message).toMatch(/^The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\. Consult the service documentation for details\.\n\nThe Canonical String for this request should have been\n'GET\n\/model-invocation-jobs\n/);
    expect(await awsError(await send("/model-invocation-jobs", {}, new AwsClient({ ...KEYS, accessKeyId: "AKIDWHO", service: "bedrock" })))).toEqual({
      status: 403,
      type: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    });
    expect(await awsError(await send("/model-invocation-jobs", {}, new AwsClient({ ...KEYS, service: "s3" })))).toEqual({
      status: 403,
      type: "InvalidSignatureException",
      message: "Credential should be scoped to correct service: 'bedrock'. ",
    });
    expect(await awsError(await send("/model-invocation-jobs", {}, new AwsClient({ ...KEYS, region: "us-west-2", service: "bedrock" })))).toMatchObject({
      status: 403,
      message: "Credential should be scoped to a valid region. ",
    });
  });

  it("signs the body: a body changed after signing is refused", async () => {
    const { fake } = setup();
    const signed = await new AwsClient({ ...KEYS, service: "bedrock" }).sign(`${CONTROL}/model-invocation-job`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(jobBody()),
    });
    const tampered = new Request(signed.url, { method: "POST", headers: signed.headers, body: JSON.stringify(jobBody({ modelId: "anthropic.other-v1:0" })) });
    expect(await awsError(await fake.fetch(tampered))).toMatchObject({ status: 403, type: "InvalidSignatureException" });
  });
});

describe("fake Bedrock: CreateModelInvocationJob validation", () => {
  it("names every missing required member, as Coral does", async () => {
    const { create } = setup();
    expect(await awsError(await create({}))).toEqual({
      status: 400,
      type: "ValidationException",
      message:
        "5 validation errors detected: Value null at 'jobName' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'roleArn' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'modelId' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'inputDataConfig' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'outputDataConfig' failed to satisfy constraint: Member must not be null",
    });
  });

  it.each([
    [{ jobName: "batchbridge_msgbatch_1" }, "Value 'batchbridge_msgbatch_1' at 'jobName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\\+\\-\\.]){0,63}"],
    [{ jobName: "a".repeat(64) }, `Value '${"a".repeat(64)}' at 'jobName' failed to satisfy constraint: Member must have length less than or equal to 63`],
    [{ roleArn: "BedrockBatch" }, "Value 'BedrockBatch' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+"],
    [{ clientRequestToken: "msgbatch_1" }, "Value 'msgbatch_1' at 'clientRequestToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9]{1,256}(-*[a-zA-Z0-9]){0,256}"],
    [{ timeoutDurationInHours: 200 }, "Value '200' at 'timeoutDurationInHours' failed to satisfy constraint: Member must have value less than or equal to 168"],
    [
      { inputDataConfig: { s3InputDataConfig: { s3Uri: "s3://bkt/in/input.jsonl", s3InputFormat: "CSV" } } },
      "Value 'CSV' at 'inputDataConfig.s3InputDataConfig.s3InputFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSONL]",
    ],
    [
      { outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://bkt/out#1/" } } },
      "Value 's3://bkt/out#1/' at 'outputDataConfig.s3OutputDataConfig.s3Uri' failed to satisfy constraint: Member must satisfy regular expression pattern: s3://[a-z0-9][-.a-z0-9]{1,61}(?:/[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?",
    ],
  ])("refuses %j", async (overrides, message) => {
    const { create, fake } = setup();
    fake.writeObject("bkt", "in/input.jsonl", record("a", GOOD_INPUT));
    expect(await awsError(await create(jobBody(overrides)))).toEqual({ status: 400, type: "ValidationException", message: `1 validation error detected: ${message}` });
  });

  it("refuses unknown members, bodies that are not JSON, missing input, missing output bucket, non-Anthropic models", async () => {
    const { create, send, fake } = setup();
    expect(await awsError(await create(jobBody({ model: MODEL })))).toMatchObject({ status: 400, type: "ValidationException", message: expect.stringMatching(/^Unknown parameter in input: "model"/) });
    expect(await awsError(await send("/model-invocation-job", { method: "POST", headers: { "content-type": "application/json" }, body: "{" }))).toMatchObject({ status: 400, type: "SerializationException" });
    expect(await awsError(await send("/model-invocation-job", { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(jobBody()) }))).toMatchObject({ status: 400, type: "SerializationException" });
    expect(await awsError(await create(jobBody()))).toEqual({ status: 400, type: "ValidationException", message: "The input S3 location s3://bkt/in/input.jsonl does not exist or holds no JSONL file." });
    fake.writeObject("bkt", "in/input.jsonl", record("a", GOOD_INPUT));
    expect(await awsError(await create(jobBody({ outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://nobucket/out/" } } })))).toMatchObject({ status: 400, type: "ValidationException" });
    expect(await awsError(await create(jobBody({ modelId: "amazon.nova-pro-v1:0" })))).toEqual({ status: 400, type: "ValidationException", message: "The provided model identifier is invalid." });
  });

  it("is idempotent on clientRequestToken and refuses a job name in use", async () => {
    const { create, fake } = setup();
    fake.writeObject("bkt", "in/input.jsonl", record("a", GOOD_INPUT));
    const first = (await (await create(jobBody())).json()) as { jobArn: string };
    expect(first.jobArn).toMatch(/^arn:aws:bedrock:us-east-1:123456789012:model-invocation-job\/[a-z0-9]{12}$/);
    expect(await (await create(jobBody())).json()).toEqual(first);
    expect(await awsError(await create(jobBody({ clientRequestToken: "token-2" })))).toMatchObject({ status: 400, type: "ConflictException" });
  });
});

describe("fake Bedrock: jobs", () => {
  async function started(minRecordsPerJob = 2, lines?: string[]) {
    const h = setup({ minRecordsPerJob });
    const input = lines ?? [
      record("ok", { ...GOOD_INPUT, messages: [{ role: "user", content: "hello world" }] }),
      record("with-model", { ...GOOD_INPUT, model: "claude", messages: [{ role: "user", content: "x" }] }),
      record("no-version", { max_tokens: 5, messages: [{ role: "user", content: "x" }] }),
    ];
    h.fake.writeObject("bkt", "in/input.jsonl", `${input.join("\n")}\n`);
    const { jobArn } = (await (await h.create(jobBody())).json()) as { jobArn: string };
    const get = async () => (await (await h.send(`/model-invocation-job/${encodeURIComponent(jobArn)}`)).json()) as Record<string, unknown>;
    return { ...h, jobArn, jobId: jobArn.split("/").pop() ?? "", get };
  }

  it("moves one state per GET and writes the output and manifest under the job id", async () => {
    const { get, jobId, fake, jobArn } = await started();
    const statuses: unknown[] = [];
    for (let step = 0; step < 4; step++) statuses.push((await get()).status);
    expect(statuses).toEqual(["Validating", "Scheduled", "InProgress", "PartiallyCompleted"]);
    const job = await get();
    expect(job).toMatchObject({ jobArn, jobName: "batchbridge-test-1", modelId: MODEL, roleArn: ROLE, status: "PartiallyCompleted", totalRecordCount: 3, successRecordCount: 1, errorRecordCount: 2 });
    expect(job.endTime).toEqual(expect.stringMatching(/Z$/));

    expect(JSON.parse(fake.readObject("bkt", `out/${jobId}/manifest.json.out`) ?? "{}")).toEqual({
      totalRecordCount: 3,
      processedRecordCount: 3,
      successRecordCount: 1,
      errorRecordCount: 2,
      inputTokenCount: 2,
      outputTokenCount: 3,
    });
    const lines = (fake.readObject("bkt", `out/${jobId}/input.jsonl.out`) ?? "").trim().split("\n").map((line) => JSON.parse(line));
    const byId = new Map(lines.map((line) => [line.recordId, line]));
    expect(byId.get("ok").modelOutput).toMatchObject({ type: "message", model: "claude-3-haiku-20240307", content: [{ type: "text", text: "echo: hello world" }] });
    expect(byId.get("with-model").error).toEqual({
      errorCode: 400,
      errorMessage: "Malformed input request: #: extraneous key [model] is not permitted, please reformat your input and try again.",
    });
    expect(byId.get("no-version").error).toEqual({
      errorCode: 400,
      errorMessage: "Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again.",
    });
  });

  it("fails a job in validation below the minimum records, and on a line that is not a record", async () => {
    const small = await started(5);
    await small.get();
    expect(await small.get()).toMatchObject({
      status: "Failed",
      message: "The number of records in the input of this batch inference job (3) is less than the minimum number of records per batch inference job (5).",
    });
    const broken = await started(1, [record("a", GOOD_INPUT), "{not json"]);
    await broken.get();
    expect(await broken.get()).toMatchObject({ status: "Failed", message: "Invalid record in input.jsonl at line 2: the line is not valid JSON" });
  });

  it("stops a job (Stopping, then Stopped) and refuses to stop it again", async () => {
    const { send, get, jobArn } = await started();
    const stopped = await send(`/model-invocation-job/${encodeURIComponent(jobArn)}/stop`, { method: "POST" });
    expect([stopped.status, await stopped.json()]).toEqual([200, {}]);
    expect((await get()).status).toBe("Stopped");
    expect(await awsError(await send(`/model-invocation-job/${encodeURIComponent(jobArn)}/stop`, { method: "POST" }))).toMatchObject({ status: 400, type: "ValidationException" });
  });

  it("answers unknown jobs, malformed identifiers and unknown routes as Bedrock does", async () => {
    const { send, jobId } = await started();
    expect((await send(`/model-invocation-job/${jobId}`)).status).toBe(200);
    expect(await awsError(await send("/model-invocation-job/zzzzzzzzzzzz"))).toMatchObject({ status: 404, type: "ResourceNotFoundException" });
    expect(await awsError(await send("/model-invocation-job/not_an_id"))).toMatchObject({ status: 400, type: "ValidationException" });
    expect(await awsError(await send(`/model-invocation-job/arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/${jobId}`))).toMatchObject({ status: 404, type: "UnknownOperationException" });
  });

  it("lists jobs with Bedrock's filters and paging, and validates them", async () => {
    const { send, jobArn } = await started();
    const list = (await (await send("/model-invocation-jobs?statusEquals=Submitted&maxResults=1")).json()) as { invocationJobSummaries: { jobArn: string }[]; nextToken?: string };
    expect(list.invocationJobSummaries.map((job) => job.jobArn)).toEqual([jobArn]);
    expect(list.nextToken).toBeUndefined();
    expect(await awsError(await send("/model-invocation-jobs?maxResults=0"))).toEqual({
      status: 400,
      type: "ValidationException",
      message: "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });
    expect(await awsError(await send("/model-invocation-jobs?statusEquals=Running"))).toMatchObject({ status: 400, type: "ValidationException" });
  });

  it("expires a job through the control route, and records every call", async () => {
    const { fake, jobId, get } = await started();
    const expired = await fake.fetch(new Request(`https://anything/__fake/batches/${jobId}/expire`, { method: "POST" }));
    expect(expired.status).toBe(200);
    expect((await get()).status).toBe("Expired");
    expect((await fake.fetch(new Request(`https://anything/__fake/batches/${jobId}/expire`, { method: "POST" }))).status).toBe(409);
    const calls = (await (await fake.fetch(new Request("https://anything/__fake/calls"))).json()) as { service: string; method: string; path: string }[];
    expect(calls.map((call) => `${call.service} ${call.method} ${call.path.split("/")[1]}`)).toEqual(["bedrock POST model-invocation-job", "bedrock GET model-invocation-job"]);
    await fake.fetch(new Request("https://anything/__fake/reset", { method: "POST" }));
    expect(fake.calls).toEqual([]);
    expect(fake.objectKeys("bkt")).toEqual([]);
  });
});

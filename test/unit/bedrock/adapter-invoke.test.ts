/**
 * Requests below Bedrock's batch minimum, run by the gateway with InvokeModel: the adapter's
 * invoke call (retries, errors) and invoke jobs (steps, concurrency, crash resume, cancel,
 * results, clean-up), against the Bedrock fake's runtime.
 */
import { describe, expect, it } from "vitest";
import { awsCalls } from "../../../src/providers/bedrock/client";
import { readConfig } from "../../../src/providers/bedrock/config";
import { bedrockAdapter } from "../../../src/providers/bedrock/index";
import { INVOKE_RETRIES, invokeRecord } from "../../../src/providers/bedrock/invoke";
import { invokeResultKey, MAX_STALLS } from "../../../src/providers/bedrock/invoke-job";
import type { JobStep } from "../../../src/providers/types";
import type { BatchRequest } from "../../../src/domain/batch-request";
import type { JobRef } from "../../../src/domain/job-record";
import { createUpstreamBatch, messageRequest as request, resultsOf as allResults } from "../support/batches";
import { HAIKU, SONNET } from "../support/fakes";
import { BEDROCK, providerHarness, type ProviderHarness } from "../support/harness";

const { bucket: BUCKET } = BEDROCK;
const BATCH_ID = "msgbatch_01TEST";
type Harness = ProviderHarness<"bedrock">;

/** Creates the batch's upstream jobs under the batch ID the expected S3 keys name. */
function createBatch(h: Harness, requests: BatchRequest[], batchId = BATCH_ID) {
  return createUpstreamBatch(h, requests, { batchId });
}

const MODEL_INPUT = { anthropic_version: "bedrock-2023-05-31", max_tokens: 64, messages: [{ role: "user", content: "hello there" }] };
const FOLDER = `batches/${BATCH_ID}`;

function invoke(h: Harness, modelInput: unknown = MODEL_INPUT, modelId = HAIKU) {
  return invokeRecord(h.ctx, awsCalls(h.ctx, readConfig(h.ctx.env)), modelId, { recordId: "r1", modelInput });
}

function runtimeCalls(h: Harness) {
  return h.fake.calls.filter((call) => call.service === "bedrock-runtime");
}

/** Steps a job until it is done; returns every step. */
async function stepToEnd(h: Harness, job: JobRef, canceled = false): Promise<JobStep[]> {
  const steps: JobStep[] = [];
  let current = job;
  for (let n = 0; n < 40; n++) {
    const step = await bedrockAdapter.batches.step!(h.ctx, current, { canceled });
    steps.push(step);
    current = { ...current, data: step.status.data ?? current.data };
    if (step.next === "done") return steps;
  }
  throw new Error("the job did not end");
}

describe("bedrock adapter: invokeRecord", () => {
  it("POSTs the record's modelInput to /model/{modelId}/invoke, SigV4-signed for bedrock, and answers its output line", async () => {
    const h = providerHarness("bedrock");
    const outcome = await invoke(h);
    expect(outcome.kind).toBe("answered");
    expect(outcome.line).toMatchObject({
      recordId: "r1",
      modelOutput: { type: "message", role: "assistant", model: "claude-3-haiku-20240307", content: [{ type: "text", text: "echo: hello there" }], usage: { input_tokens: 2, output_tokens: 3 } },
    });
    const [call] = runtimeCalls(h);
    expect(call).toMatchObject({ method: "POST", path: "/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke" });
    expect(JSON.parse(call!.body!)).toEqual(MODEL_INPUT);
    expect(call!.headers["content-type"]).toBe("application/json");
    expect(call!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDBEDROCKTEST\/\d{8}\/us-east-1\/bedrock\/aws4_request, /);
    expect(h.urls).toEqual(["https://fake.aws.test/bedrock-runtime/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke"]);
  });

  it("answers a body the model refuses as the record's error line, with Bedrock's ValidationException, tried once", async () => {
    const h = providerHarness("bedrock");
    const outcome = await invoke(h, { ...MODEL_INPUT, service_tier: "auto" });
    expect(outcome).toEqual({
      kind: "answered",
      line: {
        recordId: "r1",
        error: { errorCode: 400, errorMessage: "ValidationException: Malformed input request: #: extraneous key [service_tier] is not permitted, please reformat your input and try again." },
      },
    });
    expect(runtimeCalls(h)).toHaveLength(1);
  });

  it("retries ThrottlingException, ModelNotReadyException and ServiceUnavailableException, then answers", async () => {
    const h = providerHarness("bedrock");
    h.fake.failInvokes("ThrottlingException", 2);
    h.fake.failInvokes("ModelNotReadyException", 1);
    h.fake.failInvokes("ServiceUnavailableException", 1);
    const outcome = await invoke(h);
    expect(outcome.kind).toBe("answered");
    expect(outcome.line.modelOutput).toBeDefined();
    expect(runtimeCalls(h)).toHaveLength(5);
  });

  it("defers a request still throttled after every retry, carrying Bedrock's refusal", async () => {
    const h = providerHarness("bedrock");
    h.fake.failInvokes("ThrottlingException", INVOKE_RETRIES + 1);
    const outcome = await invoke(h);
    expect(outcome).toEqual({
      kind: "deferred",
      line: { recordId: "r1", error: { errorCode: 429, errorMessage: "ThrottlingException: Too many requests, please wait before trying again." } },
    });
    expect(runtimeCalls(h)).toHaveLength(INVOKE_RETRIES + 1);
  });

  it.each([
    ["AccessDeniedException", 403, "AccessDeniedException: You don't have access to the model with the specified model ID."],
    ["ModelTimeoutException", 408, "ModelTimeoutException: Model has timed out in processing the request. Try your request again."],
  ] as const)("answers %s (HTTP %i) as the record's error, without retrying", async (error, status, message) => {
    const h = providerHarness("bedrock");
    h.fake.failInvokes(error, 1);
    expect(await invoke(h)).toEqual({ kind: "answered", line: { recordId: "r1", error: { errorCode: status, errorMessage: message } } });
    expect(runtimeCalls(h)).toHaveLength(1);
  });

  it("a wrong secret is refused by the runtime's signature check, as the record's 403", async () => {
    const h = providerHarness("bedrock", { env: { AWS_SECRET_ACCESS_KEY: "not-the-secret" } });
    const outcome = await invoke(h);
    expect(outcome.line.error).toMatchObject({ errorCode: 403 });
    expect(String((outcome.line.error as { errorMessage: string }).errorMessage)).toMatch(/^InvalidSignatureException: The request signature we calculated does not match/);
    expect(JSON.stringify(outcome)).not.toContain("not-the-secret");
  });
});

describe("bedrock adapter: invoke jobs", () => {
  it("turns a model's group below BEDROCK_BATCH_MIN_RECORDS into an invoke job: its input in S3, no batch job", async () => {
    const h = providerHarness("bedrock");
    const { slots, jobs } = await createBatch(h, [request("h1", "claude-3-haiku-20240307", "one"), request("h2", "claude-3-haiku-20240307", "two"), request("s1", "claude-3-5-sonnet-20241022", "three")]);
    expect(slots).toEqual([`${HAIKU}#0`, `${HAIKU}#0`, `${SONNET}#0`]);
    expect(jobs.map((job) => [job.slot, job.requestCount, bedrockAdapter.batches.runsInGateway!(job)])).toEqual([
      [`${HAIKU}#0`, 2, false],
      [`${SONNET}#0`, 1, true],
    ]);
    const sonnetKey = `${FOLDER}/2-anthropic.claude-3-5-sonnet-20241022-v2_0.jsonl`;
    expect(jobs[1]).toEqual({
      slot: `${SONNET}#0`,
      nativeId: `s3://${BUCKET}/${sonnetKey}`,
      model: "claude-3-5-sonnet-20241022",
      requestCount: 1,
      data: { runner: "invoke", bucket: BUCKET, inputKey: sonnetKey, next: 0, succeeded: 0, errored: 0, stalls: 0, endedAt: null, canceled: 0, expired: 0 },
    });
    expect(h.fake.calls.filter((call) => call.service === "bedrock")).toHaveLength(1);
    expect(runtimeCalls(h)).toEqual([]);
    expect(h.artifacts.map((a) => a.kind)).toEqual(["s3_object", "s3_object", "job", "invoke_results"]);
    // Nothing runs until a step: retrieve reads the recorded progress and asks no one.
    const before = h.fake.calls.length;
    expect(await bedrockAdapter.batches.retrieve(h.ctx, jobs[1]!)).toMatchObject({ state: "in_progress", counts: { processing: 1, succeeded: 0 } });
    expect(h.fake.calls.length).toBe(before);
  });

  it("steps BEDROCK_INVOKE_CONCURRENCY records at a time, counts moving, and ends with every result kept in S3", async () => {
    const h = providerHarness("bedrock", { env: { BEDROCK_BATCH_MIN_RECORDS: "10", BEDROCK_INVOKE_CONCURRENCY: "2" } });
    await h.fake.fetch(new Request("https://fake.aws.test/__fake/runtime/latency", { method: "POST", body: JSON.stringify({ ms: 20 }) }));
    const requests = [1, 2, 3, 4, 5].map((n) => request(`r${n}`, "claude-3-haiku-20240307", n === 4 ? "please FAIL_REQUEST" : `question ${n}`));
    const { jobs } = await createBatch(h, requests);
    const steps = await stepToEnd(h, jobs[0]!);
    expect(steps.map((s) => [s.next, s.status.state, s.status.counts.processing, s.status.counts.succeeded, s.status.counts.errored])).toEqual([
      ["now", "in_progress", 3, 2, 0],
      ["now", "in_progress", 1, 3, 1],
      ["done", "ended", 0, 4, 1],
    ]);
    expect(h.fake.runtime.maxInFlight).toBe(2);
    expect(runtimeCalls(h)).toHaveLength(5);
    const key = `${FOLDER}/1-anthropic.claude-3-haiku-20240307-v1_0.jsonl`;
    expect(h.fake.objectKeys(BUCKET)).toEqual([key, ...[0, 1, 2, 3, 4].map((i) => invokeResultKey(key, i))].sort());
    const ended = { ...jobs[0]!, data: steps.at(-1)!.status.data! };
    const lines = await allResults(h, ended);
    expect(lines.map((l) => [l.custom_id, l.result.type])).toEqual([
      ["r1", "succeeded"],
      ["r2", "succeeded"],
      ["r3", "succeeded"],
      ["r4", "errored"],
      ["r5", "succeeded"],
    ]);
    expect(lines[3]!.result).toEqual({
      type: "errored",
      error: { type: "error", error: { type: "invalid_request_error", message: "bedrock: ValidationException: The model could not process this request (FAIL_REQUEST)." } },
    });
    // A step of an ended job does nothing.
    const calls = h.fake.calls.length;
    expect((await bedrockAdapter.batches.step!(h.ctx, ended, { canceled: false })).next).toBe("done");
    expect(h.fake.calls.length).toBe(calls);

    // Deleting the batch's artifacts removes the kept results too.
    for (const artifact of h.artifacts) await bedrockAdapter.batches.deleteArtifact(h.ctx, artifact);
    expect(h.fake.objectKeys(BUCKET)).toEqual([]);
  });

  it("never invokes a record whose result is already kept (a step that died after writing it)", async () => {
    const h = providerHarness("bedrock", { env: { BEDROCK_BATCH_MIN_RECORDS: "10" } });
    const { jobs } = await createBatch(h, [request("a", "claude-3-haiku-20240307", "one"), request("b", "claude-3-haiku-20240307", "two")]);
    const key = jobs[0]!.data.inputKey as string;
    const kept = { recordId: "a", modelOutput: { id: "msg_kept", type: "message", role: "assistant", model: "claude-3-haiku-20240307", content: [], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } } };
    h.fake.writeObject(BUCKET, invokeResultKey(key, 0), JSON.stringify(kept));
    const [step] = await stepToEnd(h, jobs[0]!);
    expect(step!.status.counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
    expect(runtimeCalls(h).map((c) => JSON.parse(c.body!).messages[0].content)).toEqual(["two"]);
    const lines = await allResults(h, { ...jobs[0]!, data: step!.status.data! });
    expect(lines[0]).toEqual({ custom_id: "a", result: { type: "succeeded", message: kept.modelOutput } });
  });

  it("leaves a record still throttled for a later step (keeping those after it), and gives it up after MAX_STALLS steps", async () => {
    const h = providerHarness("bedrock", { env: { BEDROCK_BATCH_MIN_RECORDS: "10", BEDROCK_INVOKE_CONCURRENCY: "1" } });
    const { jobs } = await createBatch(h, [request("a", "claude-3-haiku-20240307", "one"), request("b", "claude-3-haiku-20240307", "two")]);
    h.fake.failInvokes("ThrottlingException", INVOKE_RETRIES + 1);
    const first = await bedrockAdapter.batches.step!(h.ctx, jobs[0]!, { canceled: false });
    expect(first.next).toBe("later");
    expect(first.status.counts).toMatchObject({ processing: 2, succeeded: 0 });
    const steps = await stepToEnd(h, { ...jobs[0]!, data: first.status.data! });
    expect(steps.at(-1)!.status.counts).toMatchObject({ succeeded: 2, errored: 0 });

    // Throttled for good: after MAX_STALLS steps without progress, the record is errored.
    const stuck = providerHarness("bedrock", { env: { BEDROCK_BATCH_MIN_RECORDS: "10" } });
    const created = await createBatch(stuck, [request("a", "claude-3-haiku-20240307", "one")]);
    stuck.fake.failInvokes("ThrottlingException", (INVOKE_RETRIES + 1) * MAX_STALLS);
    const all = await stepToEnd(stuck, created.jobs[0]!);
    expect(all.map((s) => s.next)).toEqual([...Array(MAX_STALLS - 1).fill("later"), "done"]);
    expect(all.at(-1)!.status.counts).toMatchObject({ errored: 1, processing: 0 });
    const [line] = await allResults(stuck, { ...created.jobs[0]!, data: all.at(-1)!.status.data! });
    expect(line!.result).toEqual({
      type: "errored",
      error: { type: "error", error: { type: "rate_limit_error", message: "bedrock: ThrottlingException: Too many requests, please wait before trying again." } },
    });
  });

  it("a canceled step ends the job: records not started are canceled, those run keep their results", async () => {
    const h = providerHarness("bedrock", { env: { BEDROCK_BATCH_MIN_RECORDS: "10", BEDROCK_INVOKE_CONCURRENCY: "1" } });
    const { jobs } = await createBatch(h, [1, 2, 3].map((n) => request(`r${n}`, "claude-3-haiku-20240307", `q${n}`)));
    const first = await bedrockAdapter.batches.step!(h.ctx, jobs[0]!, { canceled: false });
    const calls = h.fake.calls.length;
    const canceled = await bedrockAdapter.batches.step!(h.ctx, { ...jobs[0]!, data: first.status.data! }, { canceled: true });
    expect(h.fake.calls.length).toBe(calls);
    expect(canceled.next).toBe("done");
    expect(canceled.status).toMatchObject({ state: "ended", counts: { processing: 0, succeeded: 1, errored: 0, canceled: 2, expired: 0 }, unrun: { type: "canceled" } });
    const lines = await allResults(h, { ...jobs[0]!, data: canceled.status.data! });
    expect(lines.map((l) => l.custom_id)).toEqual(["r1"]);
    // Cancel itself asks Bedrock nothing for an invoke job.
    const before = h.fake.calls.length;
    await bedrockAdapter.batches.cancel(h.ctx, jobs[0]!);
    expect(h.fake.calls.length).toBe(before);
  });

  it("a step of an expired batch ends the job: records not started are expired", async () => {
    const h = providerHarness("bedrock", { env: { BEDROCK_BATCH_MIN_RECORDS: "10", BEDROCK_INVOKE_CONCURRENCY: "1" } });
    const { jobs } = await createBatch(h, [1, 2].map((n) => request(`r${n}`, "claude-3-haiku-20240307", `q${n}`)));
    const first = await bedrockAdapter.batches.step!(h.ctx, jobs[0]!, { canceled: false });
    const expired = await bedrockAdapter.batches.step!(h.ctx, { ...jobs[0]!, data: first.status.data! }, { canceled: false, expired: true });
    expect(expired.next).toBe("done");
    expect(expired.status).toMatchObject({ state: "ended", counts: { processing: 0, succeeded: 1, errored: 0, canceled: 0, expired: 1 }, unrun: { type: "expired" } });
    expect(runtimeCalls(h)).toHaveLength(1);
  });

  it("with BEDROCK_SMALL_BATCHES=refuse, the small group is refused as before", async () => {
    const h = providerHarness("bedrock", { env: { BEDROCK_SMALL_BATCHES: "refuse" } });
    await expect(createBatch(h, [request("a", "claude-3-haiku-20240307", "one")])).rejects.toThrow("needs at least 2 requests per job");
    expect(h.fake.calls).toEqual([]);
  });
});

describe("bedrock fake: InvokeModel", () => {
  it("refuses a model that is not an Anthropic model, and an unknown route, as Bedrock does", async () => {
    const h = providerHarness("bedrock");
    const outcome = await invoke(h, MODEL_INPUT, "amazon.titan-text-express-v1");
    expect(outcome.line.error).toEqual({ errorCode: 400, errorMessage: "ValidationException: The provided model identifier is invalid." });
    const aws = awsCalls(h.ctx, readConfig(h.ctx.env));
    await expect(aws.runtime("POST", "/model/x/converse-nothing", {})).rejects.toMatchObject({ status: 404 });
  });

  it("refuses a request signed for another service", async () => {
    const h = providerHarness("bedrock", { env: { BEDROCK_RUNTIME_BASE_URL: "https://fake.aws.test/s3" } });
    // The S3 side answers a bedrock-signed request with its own refusal; the runtime checks `bedrock`.
    const { AwsClient } = await import("aws4fetch");
    const client = new AwsClient({ accessKeyId: "AKIDBEDROCKTEST", secretAccessKey: "bedrock-test-secret", region: "us-east-1", service: "s3" });
    const signed = await client.sign("https://fake.aws.test/bedrock-runtime/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(MODEL_INPUT),
    });
    const response = await h.fake.fetch(signed);
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toMatch(/^InvalidSignatureException:/);
    expect(await response.json()).toEqual({ message: "Credential should be scoped to correct service: 'bedrock'. " });
  });
});

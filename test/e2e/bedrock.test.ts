/**
 * The seed's batch workflows on Bedrock, through `npm run dev`, with the official SDK and
 * `x-model-provider: bedrock`: what the user sees, and what the SigV4-verifying Bedrock and S3
 * fakes received. The stack is shared by every e2e file and files run one at a time, so each
 * test looks only at the fake calls made after it started.
 */
import { toFile } from "@anthropic-ai/sdk";
import { describe, expect, inject, it } from "vitest";
import type { RecordedCall } from "../fakes/bedrock/index.ts";
import { fakeCalls, fakeUrl, gatewayClient, idsOf, pollUntilEnded, resultsOf } from "./support/client";
import { textRequest, twoRequests } from "./support/requests";

const client = gatewayClient("bedrock");
const BUCKET = "batchbridge-test";
const ROLE_ARN = "arn:aws:iam::123456789012:role/BatchBridgeBedrockBatch";
const MODEL = "claude-3-sonnet-20240229";
const MODEL_ID = "anthropic.claude-3-sonnet-20240229-v1:0";
const JOB_ARN = /^arn:aws:bedrock:us-east-1:123456789012:model-invocation-job\/([a-z0-9]{12})$/;

const requests = twoRequests(MODEL);

/** The calls the Bedrock fake received since `start`, with decoded paths. */
async function callsSince(start: number): Promise<RecordedCall[]> {
  const calls = await fakeCalls("bedrock");
  return calls.slice(start).map((call) => ({ ...call, path: decodeURIComponent(call.path) }));
}

async function callCount(): Promise<number> {
  return (await fakeCalls("bedrock")).length;
}

function summary(calls: readonly RecordedCall[]): string[] {
  return calls.map((call) => {
    const query = new URLSearchParams(call.query).toString();
    return `${call.method} ${call.service} ${call.path}${query ? `?${query}` : ""}`;
  });
}

async function s3Objects(): Promise<{ bucket: string; key: string; size: number }[]> {
  return (await (await fetch(`${fakeUrl("bedrock")}/__fake/s3/objects`)).json()) as never;
}

function jsonlOf(items: typeof requests): string {
  return items
    .map(({ custom_id, params: { model: _model, ...rest } }) => `${JSON.stringify({ recordId: custom_id, modelInput: { anthropic_version: "bedrock-2023-05-31", ...rest } })}\n`)
    .join("");
}

function createJobBody(batchId: string, inputKey: string): Record<string, unknown> {
  const name = `batchbridge-${batchId.replace("_", "-")}-1`;
  return {
    jobName: name,
    roleArn: ROLE_ARN,
    clientRequestToken: name,
    modelId: MODEL_ID,
    inputDataConfig: { s3InputDataConfig: { s3Uri: `s3://${BUCKET}/${inputKey}`, s3InputFormat: "JSONL" } },
    outputDataConfig: { s3OutputDataConfig: { s3Uri: `s3://${BUCKET}/batches/${batchId}/output/` } },
  };
}

describe("batches on bedrock", () => {
  it("runs the seed's workflow: create (JSONL to S3, a signed CreateModelInvocationJob), poll, list, results, delete", async () => {
    const start = await callCount();
    const batch = await client.beta.messages.batches.create({ requests });
    expect(batch).toEqual({
      id: expect.stringMatching(/^msgbatch_[0-9A-Z]{26}$/),
      type: "message_batch",
      processing_status: "in_progress",
      request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      created_at: expect.any(String),
      expires_at: expect.any(String),
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    });

    // What reached AWS: the JSONL input in S3, then the job reading it.
    const inputKey = `batches/${batch.id}/1-anthropic.claude-3-sonnet-20240229-v1_0.jsonl`;
    const created = await callsSince(start);
    expect(summary(created)).toEqual([`PUT s3 /${BUCKET}/${inputKey}`, "POST bedrock /model-invocation-job"]);
    const [put, createJob] = created;
    expect(put?.body).toBe(jsonlOf(requests));
    expect(JSON.parse(put!.body!.split("\n")[1]!)).toEqual({
      recordId: "geography-question",
      modelInput: { anthropic_version: "bedrock-2023-05-31", max_tokens: 100, messages: [{ role: "user", content: "What is the largest ocean?" }] },
    });
    expect(put?.headers["content-type"]).toBe("application/jsonl");
    expect(put?.headers["x-amz-content-sha256"]).toMatch(/^[0-9a-f]{64}$/);
    expect(put?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTESTBATCHBRIDGE\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
    expect(JSON.parse(createJob!.body!)).toEqual(createJobBody(batch.id, inputKey));
    expect(createJob?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTESTBATCHBRIDGE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
    expect(await s3Objects()).toContainEqual({ bucket: BUCKET, key: inputKey, size: Buffer.byteLength(jsonlOf(requests)) });

    const polled = await callCount();
    const ended = await pollUntilEnded(client, batch.id);
    expect(ended).toMatchObject({
      id: batch.id,
      processing_status: "ended",
      request_counts: { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 },
      results_url: `${client.baseURL}/v1/messages/batches/${batch.id}/results`,
      cancel_initiated_at: null,
    });
    expect(ended.ended_at).not.toBeNull();
    const polls = await callsSince(polled);
    const jobArn = polls[0]!.path.replace("/model-invocation-job/", "");
    const jobId = JOB_ARN.exec(jobArn)?.[1];
    expect(jobId).toBeDefined();
    const outputFolder = `batches/${batch.id}/output/${jobId}`;
    // Submitted → Validating → Scheduled → InProgress → Completed (whoever polls: the gateway in
    // the background, or a retrieve), then the manifest's counts, then the output, read once
    // into the vault.
    expect(summary(polls)).toEqual([
      ...Array(4).fill(`GET bedrock /model-invocation-job/${jobArn}`),
      `GET s3 /${BUCKET}/${outputFolder}/manifest.json.out`,
      `GET s3 /${BUCKET}/${outputFolder}/1-anthropic.claude-3-sonnet-20240229-v1_0.jsonl.out`,
    ]);

    const listed = await idsOf(client.beta.messages.batches.list({ limit: 2 }));
    expect(listed).toContain(batch.id);
    expect(new Set(listed).size).toBe(listed.length);
    const page = await client.beta.messages.batches.list({ limit: 20 });
    expect(page.data.find((item) => item.id === batch.id)).toEqual(ended);

    const read = await callCount();
    const results = await resultsOf(client, batch.id);
    // Served from the vault: Bedrock and S3 are asked nothing.
    expect(summary(await callsSince(read))).toEqual([]);
    expect(results.map((line) => line.custom_id).sort()).toEqual(["geography-question", "math-question"]);
    expect(results.find((line) => line.custom_id === "math-question")).toEqual({
      custom_id: "math-question",
      result: {
        type: "succeeded",
        message: {
          id: expect.stringMatching(/^msg_bdrk_/),
          type: "message",
          role: "assistant",
          model: MODEL,
          content: [{ type: "text", text: "echo: What is 15 * 7?" }],
          stop_reason: "end_turn",
          stop_sequence: null,
          usage: { input_tokens: 5, output_tokens: 6 },
        },
      },
    });

    const deleting = await callCount();
    expect(await client.beta.messages.batches.delete(batch.id)).toEqual({ id: batch.id, type: "message_batch_deleted" });
    expect(summary(await callsSince(deleting))).toEqual([
      `POST bedrock /model-invocation-job/${jobArn}/stop`,
      `GET bedrock /model-invocation-job/${jobArn}`,
      `DELETE s3 /${BUCKET}/${outputFolder}/1-anthropic.claude-3-sonnet-20240229-v1_0.jsonl.out`,
      `DELETE s3 /${BUCKET}/${outputFolder}/manifest.json.out`,
      `DELETE s3 /${BUCKET}/${inputKey}`,
    ]);
    expect((await s3Objects()).filter((object) => object.key.startsWith(`batches/${batch.id}/`))).toEqual([]);
    await expect(client.beta.messages.batches.retrieve(batch.id)).rejects.toMatchObject({ status: 404, error: { error: { type: "not_found_error" } } });
  });

  it("reports each request as succeeded or errored, every custom_id once, also on the GA paths", async () => {
    const mixed = [
      ...requests,
      textRequest("bad", "FAIL_REQUEST please", MODEL),
    ];
    const batch = await client.messages.batches.create({ requests: mixed });
    let current = await client.messages.batches.retrieve(batch.id);
    for (let i = 0; i < 180 && current.processing_status !== "ended"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      current = await client.messages.batches.retrieve(batch.id);
    }
    expect(current.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 1, canceled: 0, expired: 0 });
    const lines = [];
    for await (const line of await client.messages.batches.results(batch.id)) lines.push(line);
    expect(lines.map((line) => line.custom_id).sort()).toEqual(["bad", "geography-question", "math-question"]);
    expect(Object.fromEntries(lines.map((line) => [line.custom_id, line.result.type]))).toEqual({ "math-question": "succeeded", "geography-question": "succeeded", bad: "errored" });
    expect(lines.find((line) => line.custom_id === "bad")?.result).toEqual({
      type: "errored",
      error: { type: "error", error: { type: "invalid_request_error", message: "bedrock: The model could not process this request (FAIL_REQUEST)." } },
    });
  });

  it("cancels with StopModelInvocationJob: canceling, then ended with canceled results", async () => {
    const batch = await client.beta.messages.batches.create({ requests });
    const start = await callCount();
    const canceling = await client.beta.messages.batches.cancel(batch.id);
    expect(canceling).toMatchObject({ id: batch.id, processing_status: "canceling", request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 } });
    expect(canceling.cancel_initiated_at).not.toBeNull();
    const calls = await callsSince(start);
    const jobArn = calls[0]!.path.replace("/model-invocation-job/", "");
    expect(jobArn).toMatch(JOB_ARN);
    expect(summary(calls)).toEqual([`GET bedrock /model-invocation-job/${jobArn}`, `POST bedrock /model-invocation-job/${jobArn}/stop`]);
    expect(calls[1]?.headers.authorization).toMatch(/\/us-east-1\/bedrock\/aws4_request, /);

    const ended = await pollUntilEnded(client, batch.id);
    expect(ended).toMatchObject({
      processing_status: "ended",
      request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 2, expired: 0 },
      cancel_initiated_at: canceling.cancel_initiated_at,
    });
    const results = await resultsOf(client, batch.id);
    expect(results.map((line) => [line.custom_id, line.result]).sort()).toEqual([
      ["geography-question", { type: "canceled" }],
      ["math-question", { type: "canceled" }],
    ]);
  });

  it("runs a batch with one request per model itself (below BEDROCK_BATCH_MIN_RECORDS=2): each request to InvokeModel once, no batch job, ended with results and usage", async () => {
    const start = await callCount();
    const small = [textRequest("sonnet-q", "What is the largest ocean?", MODEL), textRequest("haiku-q", "What is 15 * 7?", "claude-3-5-haiku-20241022")];
    const batch = await client.beta.messages.batches.create({ requests: small });
    expect(batch).toMatchObject({ processing_status: "in_progress", request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 } });

    const ended = await pollUntilEnded(client, batch.id, 60_000);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
    const calls = await callsSince(start);
    // No batch job was created: the gateway sent each request to InvokeModel, SigV4-signed for bedrock.
    expect(calls.filter((call) => call.service === "bedrock")).toEqual([]);
    const invokes = calls.filter((call) => call.service === "bedrock-runtime");
    expect(invokes.map((call) => `${call.method} ${call.path}`).sort()).toEqual([
      "POST /model/anthropic.claude-3-5-haiku-20241022-v1:0/invoke",
      `POST /model/${MODEL_ID}/invoke`,
    ]);
    for (const call of invokes) expect(call.headers.authorization).toMatch(/\/us-east-1\/bedrock\/aws4_request, /);
    expect(JSON.parse(invokes.find((call) => call.path.includes(MODEL_ID))!.body!)).toEqual({
      anthropic_version: "bedrock-2023-05-31",
      max_tokens: small[0]!.params.max_tokens,
      messages: small[0]!.params.messages,
    });

    const results = await resultsOf(client, batch.id);
    expect(results.map((line) => [line.custom_id, line.result.type]).sort()).toEqual([
      ["haiku-q", "succeeded"],
      ["sonnet-q", "succeeded"],
    ]);
    const sonnet = results.find((line) => line.custom_id === "sonnet-q")!;
    expect(sonnet.result).toMatchObject({ type: "succeeded", message: { model: MODEL, content: [{ type: "text", text: "echo: What is the largest ocean?" }] } });

    const usage = (await (await fetch(`${inject("gatewayUrl")}/anthropic/v1/messages/batches/${batch.id}/usage`, { headers: { "x-api-key": "virtual-key-or-dummy-key", "anthropic-version": "2023-06-01" } })).json()) as {
      by_model: { model: string; requests: number; input_tokens: number; output_tokens: number }[];
    };
    expect(usage.by_model.map(({ model, requests, input_tokens, output_tokens }) => ({ model, requests, input_tokens, output_tokens }))).toEqual([
      { model: "claude-3-5-haiku-20241022", requests: 1, input_tokens: 5, output_tokens: 6 },
      { model: MODEL, requests: 1, input_tokens: 5, output_tokens: 6 },
    ]);
  }, 90_000);

  it("refuses a param Bedrock cannot take with a 400 naming it and bedrock, asking AWS nothing", async () => {
    const start = await callCount();
    await expect(
      client.beta.messages.batches.create({ requests: requests.map((r) => ({ ...r, params: { ...r.params, metadata: { user_id: "u1", tags: ["a"] } as never } })) }),
    ).rejects.toMatchObject({
      status: 400,
      error: { error: { type: "invalid_request_error", message: "requests.0.params.metadata.tags: is not accepted (Bedrock's Claude takes only metadata.user_id) on provider bedrock; remove it or use provider anthropic" } },
    });
    await expect(client.beta.messages.batches.create({ requests, betas: ["extended-cache-ttl-2025-04-11"] })).rejects.toMatchObject({
      status: 400,
      error: { error: { type: "invalid_request_error", message: "anthropic-beta: value extended-cache-ttl-2025-04-11 is not a beta Bedrock takes on provider bedrock; remove it or use provider anthropic" } },
    });
    expect(await callsSince(start)).toEqual([]);
  });

  it("runs a structured extraction: the SDK's betas, metadata.user_id and output_format reach each record, and the JSON comes back as a text block", async () => {
    const schema = { type: "object", properties: { city: { type: "string" }, population: { type: "integer" } }, required: ["city", "population"], additionalProperties: false };
    const start = await callCount();
    const batch = await client.beta.messages.batches.create({
      betas: ["structured-outputs-2025-11-13", "effort-2025-11-24"],
      requests: ["Paris", "Lyon"].map((city) => ({
        custom_id: `city-${city}`,
        params: {
          model: "claude-opus-4-5-20251101",
          max_tokens: 200,
          messages: [{ role: "user" as const, content: city }],
          metadata: { user_id: "user-7" },
          output_format: { type: "json_schema" as const, schema },
          output_config: { effort: "medium" as const },
        },
      })),
    });
    const put = (await callsSince(start)).find((call) => call.service === "s3" && call.method === "PUT");
    expect(JSON.parse(put!.body!.split("\n")[0]!)).toEqual({
      recordId: "city-Paris",
      modelInput: {
        anthropic_version: "bedrock-2023-05-31",
        anthropic_beta: ["effort-2025-11-24"],
        max_tokens: 200,
        messages: [{ role: "user", content: "Paris" }],
        metadata: { user_id: "user-7" },
        output_config: { effort: "medium", format: { type: "json_schema", schema } },
      },
    });
    await pollUntilEnded(client, batch.id);
    const results = await resultsOf(client, batch.id);
    const paris = results.find((line) => line.custom_id === "city-Paris");
    expect(paris?.result).toMatchObject({ type: "succeeded", message: { content: [{ type: "text", text: '{"city":"Paris","population":0}' }], stop_reason: "end_turn" } });
  });
});

describe("files on bedrock", () => {
  const NO_FILES =
    "bedrock has no Files API, so the files routes are not available with x-model-provider: bedrock. Batches on bedrock take inline requests only.";

  it("answers upload and list with a clear 400, asking AWS nothing", async () => {
    const start = await callCount();
    await expect(
      client.beta.files.upload({ file: await toFile(Buffer.from("Some notes."), "notes.txt", { type: "text/plain" }) }),
    ).rejects.toMatchObject({ status: 400, error: { type: "error", error: { type: "invalid_request_error", message: NO_FILES } } });
    await expect(client.beta.files.list()).rejects.toMatchObject({ status: 400, error: { error: { type: "invalid_request_error", message: NO_FILES } } });
    expect(await callsSince(start)).toEqual([]);
  });
});

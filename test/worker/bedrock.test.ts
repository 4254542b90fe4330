/**
 * Every route with `x-model-provider: bedrock`, on real local D1, with the strict Bedrock and S3
 * fakes (SigV4-verifying) as the upstreams: what the client gets, what reached S3 and the
 * Bedrock control plane, and what the gateway recorded.
 */
import { env } from "cloudflare:test";
import { createGateway } from "../../src/core/gateway";
import { handleJob } from "../../src/core/job-handlers";
import { ADAPTERS } from "../../src/providers/index";
import { beforeEach, describe, expect, it } from "vitest";
import { BEDROCK_MODEL_IDS } from "../../src/providers/bedrock/models";
import { createFakeBedrock, type RecordedCall } from "../fakes/bedrock/index.ts";
import { BATCHES, batchClient, type ResultLine, type WireBatch } from "./support/batches";
import { countRows } from "./support/db";
import { echoResult } from "./support/echo";
import { fileForm } from "./support/files";
import { call, callWithEnv, errorOf, GATEWAY } from "./support/gateway";
import { textRequest, twoRequests } from "./support/requests";
import { bodyText, json, jsonLines } from "./support/responses";
import { useFakes } from "./support/upstream";

const fakes = useFakes();

const BUCKET = "batchbridge-test";
const ROLE_ARN = "arn:aws:iam::123456789012:role/BatchBridgeBedrockBatch";
const HAIKU = "claude-3-5-haiku-20241022";
const HAIKU_ID = "anthropic.claude-3-5-haiku-20241022-v1:0";
const SONNET_ID = "anthropic.claude-3-5-sonnet-20241022-v2:0";
const JOB_ARN = /^arn:aws:bedrock:us-east-1:123456789012:model-invocation-job\/[a-z0-9]{12}$/;

/** Answers a request instead of the fake when it returns a Response (set per test). */
let intercept: ((request: Request) => Response | undefined) | undefined;
/** What `intercept` answered, as `METHOD service path`. */
let intercepted: string[] = [];

beforeEach(() => {
  intercept = undefined;
  intercepted = [];
  wrapFake(createFakeBedrock({ accessKeyId: "AKIDTESTBATCHBRIDGE", secretAccessKey: "test-aws-secret-key", region: "us-east-1", minRecordsPerJob: 2 }));
});

/** Installs `fake` as the bedrock.fake and s3.fake upstream, behind `intercept`. */
function wrapFake(fake: ReturnType<typeof createFakeBedrock>): void {
  fakes.bedrock = {
    ...fake,
    fetch: async (request: Request) => {
      const answer = intercept?.(request);
      if (!answer) return fake.fetch(request);
      const url = new URL(request.url);
      intercepted.push(`${request.method} ${url.host.split(".")[0]} ${decodeURIComponent(url.pathname)}`);
      return answer;
    },
  };
}

function ask(customId: string, text: string, model = HAIKU, extra: Record<string, unknown> = {}) {
  return textRequest(customId, text, model, extra);
}

const TWO = twoRequests(HAIKU);

// Bedrock moves a job one state per read: Submitted → Validating → Scheduled → InProgress → Completed.
const { create, retrieve, readsUntilEnded, pollUntilEnded, results } = batchClient({ provider: "bedrock", maxReads: 10 });

/** The upstream calls, as `METHOD service path` with the path decoded (query appended). */
function upstream(calls: readonly RecordedCall[] = fakes.bedrock.calls): string[] {
  return calls.map((c) => {
    const query = new URLSearchParams(c.query).toString();
    return `${c.method} ${c.service} ${decodeURIComponent(c.path)}${query ? `?${query}` : ""}`;
  });
}

interface StoredJob {
  slot: string;
  native_id: string;
  model: string | null;
  request_count: number;
  data: { bucket: string; inputKey: string; outputKey: string; manifestKey: string };
}

async function storedJobs(batchId: string): Promise<StoredJob[]> {
  const { results: rows } = await env.DB.prepare("SELECT slot, native_id, model, request_count, data FROM batch_jobs WHERE batch_id = ? ORDER BY seq")
    .bind(batchId)
    .all<Omit<StoredJob, "data"> & { data: string }>();
  return rows.map((row) => ({ ...row, data: JSON.parse(row.data) as StoredJob["data"] }));
}

function inputLine(request: { custom_id: string; params: Record<string, unknown> }): string {
  const { model: _model, ...rest } = request.params;
  return JSON.stringify({ recordId: request.custom_id, modelInput: { anthropic_version: "bedrock-2023-05-31", ...rest } });
}

function createJobBody(batchId: string, ordinal: number, modelId: string, inputKey: string): Record<string, unknown> {
  const name = `batchbridge-${batchId.replace("_", "-")}-${ordinal}`;
  return {
    jobName: name,
    roleArn: ROLE_ARN,
    clientRequestToken: name,
    modelId,
    inputDataConfig: { s3InputDataConfig: { s3Uri: `s3://${BUCKET}/${inputKey}`, s3InputFormat: "JSONL" } },
    outputDataConfig: { s3OutputDataConfig: { s3Uri: `s3://${BUCKET}/batches/${batchId}/output/` } },
  };
}

async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function succeeded(customId: string, text: string, model = HAIKU): ResultLine {
  return { custom_id: customId, result: echoResult(text, model, /^msg_bdrk_[0-9a-f]{24}$/) };
}

/** Creates a batch of `requests` on bedrock, through a Worker whose environment has `overrides`. */
function createWith(overrides: Record<string, string | undefined>, requests: unknown[]): Promise<Response> {
  return callWithEnv(overrides, BATCHES, { method: "POST", body: { requests }, provider: "bedrock" });
}

describe("files on bedrock", () => {
  const NO_FILES =
    "bedrock has no Files API, so the files routes are not available with x-model-provider: bedrock. Batches on bedrock take inline requests only.";

  it("refuses an upload with a 400 that says Bedrock has no Files API, without any upstream call or record", async () => {
    const error = await errorOf(await call("/anthropic/v1/files?beta=true", { method: "POST", body: fileForm("notes.txt", "Some notes."), provider: "bedrock" }));
    expect(error).toEqual({ status: 400, type: "invalid_request_error", message: NO_FILES, requestId: expect.stringMatching(/^req_/) });
    expect(fakes.bedrock.calls).toEqual([]);
    expect(await countRows("files")).toBe(0);
  });

  it("refuses a list of bedrock's files with the same 400 (also by ids), while a list without the header still works", async () => {
    expect(await errorOf(await call("/anthropic/v1/files?limit=20", { provider: "bedrock" }))).toMatchObject({ status: 400, type: "invalid_request_error", message: NO_FILES });
    expect(await errorOf(await call("/anthropic/v1/files?ids[]=file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD", { provider: "bedrock" }))).toMatchObject({ status: 400, message: NO_FILES });
    expect(await json(await call("/anthropic/v1/files"))).toEqual({ data: [], first_id: null, last_id: null, has_more: false, next_page: null });
    expect(fakes.bedrock.calls).toEqual([]);
  });

  it("answers the ID routes with 404 for an unknown file (IDs decide the provider), asking no one", async () => {
    const id = "file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD";
    for (const [path, method] of [[`/anthropic/v1/files/${id}`, "GET"], [`/anthropic/v1/files/${id}/content`, "GET"], [`/anthropic/v1/files/${id}`, "DELETE"]] as const) {
      expect(await errorOf(await call(path, { method, provider: "bedrock" }))).toMatchObject({ status: 404, type: "not_found_error", message: `File not found: ${id}` });
    }
    expect(fakes.bedrock.calls).toEqual([]);
  });

  it("refuses a document that names a file: no file can exist on bedrock", async () => {
    const request = {
      custom_id: "doc",
      params: { model: HAIKU, max_tokens: 10, messages: [{ role: "user", content: [{ type: "text", text: "Summarise" }, { type: "document", source: { type: "file", file_id: "file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD" } }] }] },
    };
    const error = await errorOf(await call(BATCHES, { method: "POST", body: { requests: [request, ask("other", "hi")] }, provider: "bedrock" }));
    expect(error).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message: "requests.0.params.messages.0.content.1.source.file_id: file not found: file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD",
    });
    expect(fakes.bedrock.calls).toEqual([]);
    expect(await countRows("batches")).toBe(0);
  });
});

describe("batches on bedrock: create", () => {
  it("writes the JSONL of {recordId, modelInput} to S3, signed, then creates one model invocation job, and answers a MessageBatch", async () => {
    const batch = await create();
    expect(batch).toEqual({
      id: expect.stringMatching(/^msgbatch_[0-9A-Z]{26}$/),
      type: "message_batch",
      processing_status: "in_progress",
      request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      expires_at: expect.any(String),
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    });
    expect(Date.parse(batch.expires_at) - Date.parse(batch.created_at)).toBe(24 * 3600 * 1000);

    const inputKey = `batches/${batch.id}/1-anthropic.claude-3-5-haiku-20241022-v1_0.jsonl`;
    const jsonl = TWO.map((r) => `${inputLine(r)}\n`).join("");
    expect(upstream()).toEqual([`PUT s3 /${BUCKET}/${inputKey}`, "POST bedrock /model-invocation-job"]);
    const [put, createJob] = fakes.bedrock.calls;
    expect(put?.body).toBe(jsonl);
    expect(JSON.parse(jsonl.split("\n")[0]!)).toEqual({
      recordId: "math-question",
      modelInput: { anthropic_version: "bedrock-2023-05-31", max_tokens: 100, messages: [{ role: "user", content: "What is 15 * 7?" }] },
    });
    expect(put?.headers["content-type"]).toBe("application/jsonl");
    expect(put?.headers["x-amz-content-sha256"]).toBe(await sha256(jsonl));
    expect(put?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTESTBATCHBRIDGE\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
    expect(JSON.parse(createJob?.body ?? "null")).toEqual(createJobBody(batch.id, 1, HAIKU_ID, inputKey));
    expect(createJob?.headers["content-type"]).toBe("application/json");
    expect(createJob?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTESTBATCHBRIDGE\/\d{8}\/us-east-1\/bedrock\/aws4_request, /);
    expect(fakes.bedrock.readObject(BUCKET, inputKey)).toBe(jsonl);

    // The job's exact output location is stored at create time.
    const [job] = await storedJobs(batch.id);
    const jobId = job!.native_id.split("/").pop();
    expect(job).toEqual({
      slot: `${HAIKU_ID}#0`,
      native_id: expect.stringMatching(JOB_ARN),
      model: HAIKU,
      request_count: 2,
      data: {
        bucket: BUCKET,
        inputKey,
        outputKey: `batches/${batch.id}/output/${jobId}/1-anthropic.claude-3-5-haiku-20241022-v1_0.jsonl.out`,
        manifestKey: `batches/${batch.id}/output/${jobId}/manifest.json.out`,
      },
    });
    expect(fakes.bedrock.peekJob(job!.native_id)).toMatchObject({ status: "Submitted", modelId: HAIKU_ID, roleArn: ROLE_ARN });
  });

  it("maps Anthropic model names through the table, passes Bedrock IDs, profiles and ARNs through, one job per Bedrock model", async () => {
    const profile = "us.anthropic.claude-3-haiku-20240307-v1:0";
    const arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0";
    const requests = [
      ask("s1", "one", "claude-3-5-sonnet-latest"),
      ask("p1", "two", profile),
      ask("s2", "three", "claude-3-5-sonnet-20241022"),
      ask("a1", "four", arn),
      ask("p2", "five", profile),
      ask("a2", "six", arn),
    ];
    const batch = await create(requests);
    const keys = [
      `batches/${batch.id}/1-anthropic.claude-3-5-sonnet-20241022-v2_0.jsonl`,
      `batches/${batch.id}/2-us.anthropic.claude-3-haiku-20240307-v1_0.jsonl`,
      `batches/${batch.id}/3-eu.anthropic.claude-3-7-sonnet-20250219-v1_0.jsonl`,
    ];
    expect(upstream()).toEqual([...keys.map((key) => `PUT s3 /${BUCKET}/${key}`), ...keys.map(() => "POST bedrock /model-invocation-job")]);
    const bodies = fakes.bedrock.calls.filter((c) => c.service === "bedrock").map((c) => JSON.parse(c.body ?? "null") as Record<string, unknown>);
    expect(bodies).toEqual([createJobBody(batch.id, 1, SONNET_ID, keys[0]!), createJobBody(batch.id, 2, profile, keys[1]!), createJobBody(batch.id, 3, arn, keys[2]!)]);
    expect(fakes.bedrock.readObject(BUCKET, keys[0]!)).toBe(`${inputLine(requests[0]!)}\n${inputLine(requests[2]!)}\n`);
    expect(BEDROCK_MODEL_IDS["claude-3-5-sonnet-latest"]).toBe(SONNET_ID);
    // Two names of one Bedrock model: the job reports the Bedrock ID as its model.
    expect((await storedJobs(batch.id)).map((j) => [j.slot, j.model, j.request_count])).toEqual([
      [`${SONNET_ID}#0`, SONNET_ID, 2],
      [`${profile}#0`, profile, 2],
      [`${arn}#0`, arn, 2],
    ]);

    const ended = await pollUntilEnded(batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 6, errored: 0, canceled: 0, expired: 0 });
    const lines = await results(batch.id);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(["a1", "a2", "p1", "p2", "s1", "s2"]);
    expect(lines.find((l) => l.custom_id === "s1")).toEqual(succeeded("s1", "one", "claude-3-5-sonnet-20241022"));
    expect(lines.find((l) => l.custom_id === "p1")).toEqual(succeeded("p1", "two", "claude-3-haiku-20240307"));
    expect(lines.find((l) => l.custom_id === "a1")).toEqual(succeeded("a1", "four", "claude-3-7-sonnet-20250219"));
  });

  it("maps every name of the documented table to the Bedrock model ID that Bedrock then runs", async () => {
    for (const [name, id] of Object.entries({
      "claude-3-haiku-20240307": "anthropic.claude-3-haiku-20240307-v1:0",
      "claude-3-7-sonnet-latest": "anthropic.claude-3-7-sonnet-20250219-v1:0",
      "claude-sonnet-4-20250514": "anthropic.claude-sonnet-4-20250514-v1:0",
      "claude-opus-4-1": "anthropic.claude-opus-4-1-20250805-v1:0",
      "claude-haiku-4-5": "anthropic.claude-haiku-4-5-20251001-v1:0",
    })) {
      expect(BEDROCK_MODEL_IDS[name]).toBe(id);
      fakes.bedrock.calls.length = 0;
      await create([ask(`${name.replaceAll(".", "-")}-1`, "hi", name), ask(`${name.replaceAll(".", "-")}-2`, "hi", name)]);
      const createJob = fakes.bedrock.calls.find((c) => c.service === "bedrock");
      expect((JSON.parse(createJob?.body ?? "null") as { modelId: string }).modelId).toBe(id);
    }
  });

  it("with BEDROCK_SMALL_BATCHES=refuse, refuses fewer requests than BEDROCK_BATCH_MIN_RECORDS with a 400 naming both numbers, creating nothing upstream", async () => {
    const refuse = { BEDROCK_SMALL_BATCHES: "refuse" };
    const one = await errorOf(await createWith(refuse, [ask("only", "hi")]));
    expect(one).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message:
        `Bedrock batch inference needs at least 2 requests per job (BEDROCK_BATCH_MIN_RECORDS=2), but this batch has 1 for model ${HAIKU_ID}. ` +
        "Send at least 2 requests per model, or lower BEDROCK_BATCH_MIN_RECORDS if your account's Bedrock quota allows it, " +
        "or unset BEDROCK_SMALL_BATCHES=refuse to have the gateway run smaller groups itself (at on-demand prices).",
    });
    // Per model: two haiku requests are enough, one sonnet request is not.
    const mixed = await errorOf(await createWith(refuse, [...TWO, ask("s", "hi", "claude-3-5-sonnet-20241022")]));
    expect(mixed).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(mixed.message).toContain(`needs at least 2 requests per job (BEDROCK_BATCH_MIN_RECORDS=2), but this batch has 1 for model ${SONNET_ID}.`);
    expect(fakes.bedrock.calls).toEqual([]);
    expect(fakes.bedrock.objectKeys(BUCKET)).toEqual([]);
    expect(await countRows("batches")).toBe(0);
    expect(await json(await call(BATCHES, { provider: "bedrock" }))).toEqual({ data: [], first_id: null, last_id: null, has_more: false });
  });

  it("splits a model above BEDROCK_BATCH_MAX_RECORDS into several jobs, and (BEDROCK_SMALL_BATCHES=refuse) names a remainder below the minimum", async () => {
    const four = [1, 2, 3, 4].map((n) => ask(`r${n}`, `question ${n}`));
    const res = await createWith({ BEDROCK_BATCH_MAX_RECORDS: "2" }, four);
    const batch = await json<WireBatch>(res);
    expect(batch.request_counts.processing).toBe(4);
    const keys = [1, 2].map((n) => `batches/${batch.id}/${n}-anthropic.claude-3-5-haiku-20241022-v1_0.jsonl`);
    expect(upstream()).toEqual([`PUT s3 /${BUCKET}/${keys[0]}`, `PUT s3 /${BUCKET}/${keys[1]}`, "POST bedrock /model-invocation-job", "POST bedrock /model-invocation-job"]);
    expect(fakes.bedrock.calls.filter((c) => c.service === "bedrock").map((c) => JSON.parse(c.body ?? "null") as unknown)).toEqual([
      createJobBody(batch.id, 1, HAIKU_ID, keys[0]!),
      createJobBody(batch.id, 2, HAIKU_ID, keys[1]!),
    ]);
    expect(fakes.bedrock.readObject(BUCKET, keys[1]!)).toBe(`${inputLine(four[2]!)}\n${inputLine(four[3]!)}\n`);
    expect((await storedJobs(batch.id)).map((j) => j.slot)).toEqual([`${HAIKU_ID}#0`, `${HAIKU_ID}#1`]);
    const ended = await pollUntilEnded(batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 4, errored: 0, canceled: 0, expired: 0 });
    expect((await results(batch.id)).map((l) => l.custom_id).sort()).toEqual(["r1", "r2", "r3", "r4"]);

    fakes.bedrock.calls.length = 0;
    const five = [...four, ask("r5", "question 5")];
    const error = await errorOf(await createWith({ BEDROCK_BATCH_MAX_RECORDS: "2", BEDROCK_SMALL_BATCHES: "refuse" }, five));
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(error.message).toContain(`but this batch has 1 for model ${HAIKU_ID} beyond the 2 per job of BEDROCK_BATCH_MAX_RECORDS.`);
    expect(fakes.bedrock.calls).toEqual([]);
  });

  it("refuses a 9th distinct Bedrock model with a 400 naming the limit and bedrock, leaving nothing upstream or recorded", async () => {
    const models = [HAIKU, SONNET_ID, ...Array.from({ length: 6 }, (_, i) => `anthropic.claude-test-${i}-v1:0`), "us.anthropic.claude-3-haiku-20240307-v1:0"];
    const requests = models.flatMap((model, m) => [1, 2].map((n) => ask(`m${m}-${n}`, "hi", model)));
    const error = await errorOf(await call(BATCHES, { method: "POST", body: { requests }, provider: "bedrock" }));
    expect(error).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message:
        "requests.16.params.model: us.anthropic.claude-3-haiku-20240307-v1:0 would be Bedrock model number 9 of this batch, but provider bedrock takes at most 8 distinct models per batch " +
        "(each model's input file is gathered in memory while the batch is created). Send the requests of the other models in another batch.",
    });
    expect(fakes.bedrock.calls).toEqual([]);
    expect(await countRows("batches")).toBe(0);
    // The first 8 alone make a batch: one job per model.
    const batch = await create(requests.slice(0, 16));
    expect(batch.request_counts.processing).toBe(16);
    expect((await storedJobs(batch.id)).map((j) => j.slot)).toEqual(models.slice(0, 8).map((model) => `${model === HAIKU ? HAIKU_ID : model}#0`));
  });

  it("says which variable to set when Bedrock is unconfigured, without any upstream call", async () => {
    const error = await errorOf(await createWith({ BEDROCK_BATCH_ROLE_ARN: undefined }, TWO));
    expect(error).toEqual({
      status: 400,
      type: "invalid_request_error",
      message: "Provider bedrock is not configured: set BEDROCK_BATCH_ROLE_ARN (Worker secrets or vars; the README's Bedrock section says what to create in AWS)",
      requestId: expect.stringMatching(/^req_/),
    });
    const several = await errorOf(await createWith({ AWS_REGION: undefined, BEDROCK_BATCH_S3_URI: "" }, TWO));
    expect(several.message).toBe(
      "Provider bedrock is not configured: set AWS_REGION, BEDROCK_BATCH_S3_URI (Worker secrets or vars; the README's Bedrock section says what to create in AWS)",
    );
    const wrong = await errorOf(await createWith({ BEDROCK_BATCH_S3_URI: "https://bucket/prefix" }, TWO));
    expect(wrong).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(wrong.message).toMatch(/^Provider bedrock is misconfigured: BEDROCK_BATCH_S3_URI must look like s3:\/\/bucket\/prefix\//);
    expect(fakes.bedrock.calls).toEqual([]);
    expect(await countRows("batches")).toBe(0);
  });

  it("refuses params and content Bedrock cannot take with a 400 naming the param and bedrock, and no upstream call", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [ask("x", "hi", HAIKU, { metadata: { user_id: "u1", tags: ["t"] } }), "requests.1.params.metadata.tags: is not accepted (Bedrock's Claude takes only metadata.user_id) on provider bedrock; remove it or use provider anthropic"],
      [ask("x", "hi", HAIKU, { output_config: { effort: "low" } }), "requests.1.params.output_config: (structured outputs, effort) is not taken by anthropic.claude-3-5-haiku-20241022-v1:0 on Bedrock, only by Claude Sonnet 4.5, Haiku 4.5, Opus 4.5 and later models on provider bedrock; remove it or use provider anthropic"],
      [ask("x", "hi", HAIKU, { service_tier: "auto" }), "requests.1.params.service_tier: is not accepted by the Anthropic request body on provider bedrock; remove it or use provider anthropic"],
      [ask("x", "hi", HAIKU, { mcp_servers: [{ type: "url", url: "https://mcp.example.com/sse", name: "m" }] }), "requests.1.params.mcp_servers: needs Anthropic's MCP connector, which is not available on provider bedrock; remove it or use provider anthropic"],
      [
        ask("x", "hi", HAIKU, { tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 1 }] }),
        "requests.1.params.tools.0: (tool type web_search_20250305) is not available to batch jobs on provider bedrock; remove it or use provider anthropic",
      ],
      [
        { custom_id: "x", params: { model: HAIKU, max_tokens: 10, messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url: "https://example.com/a.png" } }] }] } },
        "requests.1.params.messages.0.content.0.source: (a URL source) is not fetched, send the data as base64 on provider bedrock; remove it or use provider anthropic",
      ],
      [
        ask("x", "hi", "meta.llama3-70b-instruct-v1:0"),
        "model: meta.llama3-70b-instruct-v1:0 is not an Anthropic model; batches on provider bedrock send Anthropic Messages bodies, so only Anthropic models (anthropic.…) can run them",
      ],
    ];
    for (const [request, message] of cases) {
      const error = await errorOf(await call(BATCHES, { method: "POST", body: { requests: [ask("ok", "fine"), request] }, provider: "bedrock" }));
      expect({ status: error.status, type: error.type, message: error.message }).toEqual({ status: 400, type: "invalid_request_error", message });
    }
    const unknown = await errorOf(await call(BATCHES, { method: "POST", body: { requests: [ask("a", "hi", "gpt-4o"), ask("b", "hi", "gpt-4o")] }, provider: "bedrock" }));
    expect(unknown).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(unknown.message).toMatch(/^model: gpt-4o is not a model the gateway can map to Bedrock; use a Claude model name it knows/);
    expect(fakes.bedrock.calls).toEqual([]);
    expect(await countRows("batches")).toBe(0);
  });

  it("refuses a beta Bedrock does not take with a 400 naming it, before any upstream call", async () => {
    const error = await errorOf(await call(BATCHES, { method: "POST", body: { requests: TWO }, provider: "bedrock", headers: { "anthropic-beta": "context-1m-2025-08-07,extended-cache-ttl-2025-04-11" } }));
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error", message: "anthropic-beta: value extended-cache-ttl-2025-04-11 is not a beta Bedrock takes on provider bedrock; remove it or use provider anthropic" });
    expect(fakes.bedrock.calls).toEqual([]);
    expect(await countRows("batches")).toBe(0);
  });

  it("sends metadata.user_id, the client's betas and structured outputs with effort in each record, drops stream: false, and the JSON answer comes back as a text block", async () => {
    const SONNET_45 = "claude-sonnet-4-5-20250929";
    const schema = { type: "object", properties: { city: { type: "string" }, population: { type: "integer" } }, required: ["city", "population"], additionalProperties: false };
    const extract = (id: string, text: string) =>
      ask(id, text, SONNET_45, { stream: false, metadata: { user_id: "user-7" }, output_format: { type: "json_schema", schema }, output_config: { effort: "medium" }, temperature: null });
    const batch = await create([extract("e1", "Paris is big"), extract("e2", "Lyon too")], { "anthropic-beta": "message-batches-2024-09-24,structured-outputs-2025-11-13,effort-2025-11-24" });
    const put = fakes.bedrock.calls.find((c) => c.service === "s3" && c.method === "PUT");
    expect(JSON.parse(put!.body!.split("\n")[0]!)).toEqual({
      recordId: "e1",
      modelInput: {
        anthropic_version: "bedrock-2023-05-31",
        anthropic_beta: ["effort-2025-11-24"],
        max_tokens: 100,
        messages: [{ role: "user", content: "Paris is big" }],
        metadata: { user_id: "user-7" },
        output_config: { effort: "medium", format: { type: "json_schema", schema } },
      },
    });
    await pollUntilEnded(batch.id);
    const lines = await results(batch.id);
    const e1 = lines.find((line) => line.custom_id === "e1") as unknown as { result: { type: string; message: { content: unknown[]; stop_reason: string } } };
    expect(e1.result.type).toBe("succeeded");
    expect(e1.result.message.content).toEqual([{ type: "text", text: JSON.stringify({ city: "Paris is big", population: 0 }) }]);
    expect(e1.result.message.stop_reason).toBe("end_turn");
  });

  it("returns the same batch for a retried Idempotency-Key, creating the job once", async () => {
    const first = await create(TWO, { "idempotency-key": "bedrock-retry-1" });
    const again = await create(TWO, { "idempotency-key": "bedrock-retry-1" });
    expect(again.id).toBe(first.id);
    expect(upstream()).toEqual([`PUT s3 /${BUCKET}/batches/${first.id}/1-anthropic.claude-3-5-haiku-20241022-v1_0.jsonl`, "POST bedrock /model-invocation-job"]);
  });
});

describe("batches on bedrock: status, results, list", () => {
  it("follows the job through Bedrock's states to ended, then stops asking, and streams results from the stored output key", async () => {
    const batch = await create();
    const [job] = await storedJobs(batch.id);
    const arn = job!.native_id;
    fakes.bedrock.calls.length = 0;

    const seen = await readsUntilEnded(batch.id);
    // Submitted → Validating → Scheduled → InProgress → Completed, one state per GetModelInvocationJob.
    expect(seen.map((b) => b.processing_status)).toEqual(["in_progress", "in_progress", "in_progress", "ended"]);
    for (const running of seen.slice(0, 3)) {
      expect(running).toMatchObject({ request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 }, results_url: null, ended_at: null });
    }
    const ended = seen.at(-1)!;
    expect(ended).toEqual({
      ...batch,
      processing_status: "ended",
      request_counts: { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 },
      ended_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      results_url: `${GATEWAY}${BATCHES}/${batch.id}/results`,
    });
    const getJob = `GET bedrock /model-invocation-job/${arn}`;
    // The retrieve that sees the end reads the output once, into the vault.
    expect(upstream()).toEqual([getJob, getJob, getJob, getJob, `GET s3 /${BUCKET}/${job!.data.manifestKey}`, `GET s3 /${BUCKET}/${job!.data.outputKey}`]);
    expect(fakes.bedrock.calls.at(-1)?.headers.authorization).toMatch(/\/us-east-1\/s3\/aws4_request, /);
    // The job ARN is one URL-encoded path segment, as the AWS SDKs send it.
    expect(fakes.bedrock.calls[0]?.path).toBe(`/model-invocation-job/${encodeURIComponent(arn)}`);

    fakes.bedrock.calls.length = 0;
    expect(await retrieve(batch.id)).toEqual(ended);
    expect(fakes.bedrock.calls).toEqual([]);

    // Results come from the vault: Bedrock and S3 are asked nothing.
    const lines = await results(batch.id);
    expect(upstream()).toEqual([]);
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.custom_id === "math-question")).toEqual(succeeded("math-question", "What is 15 * 7?"));
    expect(lines.find((l) => l.custom_id === "geography-question")).toEqual(succeeded("geography-question", "What is the largest ocean?"));
    // Also on the GA path, without the provider header (the ID decides).
    const ga = await call(`${BATCHES}/${batch.id}/results`);
    expect((jsonLines(await bodyText(ga)) as ResultLine[]).map((line) => line.custom_id).sort()).toEqual(["geography-question", "math-question"]);
  });

  it("reports a record Bedrock failed as errored, with Bedrock's message, the rest succeeded", async () => {
    const batch = await create([...TWO, ask("bad", "FAIL_REQUEST please")]);
    const ended = await pollUntilEnded(batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 1, canceled: 0, expired: 0 });
    const lines = await results(batch.id);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(["bad", "geography-question", "math-question"]);
    expect(lines.find((l) => l.custom_id === "bad")).toEqual({
      custom_id: "bad",
      result: { type: "errored", error: { type: "error", error: { type: "invalid_request_error", message: "bedrock: The model could not process this request (FAIL_REQUEST)." } } },
    });
  });

  it("reports every request of a job Bedrock failed in validation as errored, naming the batch (never the job's ARN) and Bedrock's reason", async () => {
    wrapFake(createFakeBedrock({ accessKeyId: "AKIDTESTBATCHBRIDGE", secretAccessKey: "test-aws-secret-key", region: "us-east-1", minRecordsPerJob: 3 }));
    const batch = await create();
    const ended = await pollUntilEnded(batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 0, errored: 2, canceled: 0, expired: 0 });
    const error = {
      type: "error",
      error: {
        type: "api_error",
        message: `bedrock: batch inference job ${batch.id} failed: The number of records in the input of this batch inference job (2) is less than the minimum number of records per batch inference job (3).`,
      },
    };
    expect(await results(batch.id)).toEqual(TWO.map((r) => ({ custom_id: r.custom_id, result: { type: "errored", error } })));
  });

  it("reports the requests of an expired job as expired", async () => {
    const batch = await create();
    const [job] = await storedJobs(batch.id);
    const expired = await fakes.bedrock.fetch(new Request(`https://bedrock.fake/__fake/batches/${encodeURIComponent(job!.native_id)}/expire`, { method: "POST" }));
    expect(expired.status).toBe(200);
    const ended = await pollUntilEnded(batch.id);
    expect(ended).toMatchObject({ processing_status: "ended", request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 2 }, cancel_initiated_at: null });
    expect(await results(batch.id)).toEqual(TWO.map((r) => ({ custom_id: r.custom_id, result: { type: "expired" } })));
  });

  it.each([
    { name: "no recordId", strip: (line: Record<string, unknown>) => ({ ...line, recordId: undefined }) },
    { name: "a null recordId", strip: (line: Record<string, unknown>) => ({ ...line, recordId: null }) },
    { name: "an empty recordId", strip: (line: Record<string, unknown>) => ({ ...line, recordId: "" }) },
    { name: "a numeric recordId", strip: (line: Record<string, unknown>) => ({ ...line, recordId: 7 }) },
  ])("skips an output line with $name (and a null line): the batch ends, and the request it answered is errored, Bedrock's loss", async ({ strip }) => {
    const fake = createFakeBedrock({ accessKeyId: "AKIDTESTBATCHBRIDGE", secretAccessKey: "test-aws-secret-key", region: "us-east-1", minRecordsPerJob: 2 });
    wrapFake(fake);
    const batch = await create();
    const [job] = await storedJobs(batch.id);
    // S3 serves the job's output with the math question's line stripped of its recordId.
    intercept = (request) => {
      const url = new URL(request.url);
      if (request.method !== "GET" || decodeURIComponent(url.pathname) !== `/${BUCKET}/${job!.data.outputKey}`) return undefined;
      const lines = fake.readObject(BUCKET, job!.data.outputKey)!.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
      const text = lines.map((line) => JSON.stringify(line.recordId === "math-question" ? strip(line) : line)).join("\n");
      return new Response(`${text}\nnull\n`, { headers: { "content-type": "application/octet-stream" } });
    };

    const ended = await pollUntilEnded(batch.id);

    expect(intercepted).toEqual([`GET s3 /${BUCKET}/${job!.data.outputKey}`]);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 1, errored: 1, canceled: 0, expired: 0 });
    const lines = await results(batch.id);
    expect(lines.find((line) => line.custom_id === "geography-question")).toEqual(succeeded("geography-question", "What is the largest ocean?"));
    expect(lines.find((line) => line.custom_id === "math-question")).toEqual({
      custom_id: "math-question",
      result: {
        type: "errored",
        error: {
          type: "error",
          error: { type: "api_error", message: "bedrock upstream error: the batch ended without a result for this request (Bedrock's output has no line with its recordId)" },
          request_id: null,
        },
      },
    });
    expect(lines).toHaveLength(2);
  });

  it("lists only bedrock's batches with the header, newest first, paging with after_id and before_id", async () => {
    const anthropic = await json<WireBatch>(
      await call(BATCHES, { method: "POST", body: { requests: [{ custom_id: "a", params: { model: HAIKU, max_tokens: 5, messages: [{ role: "user", content: "hi" }] } }] } }),
    );
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create()).id);
    const newestFirst = [...ids].reverse();

    const all = await json<{ data: WireBatch[] }>(await call(BATCHES, { provider: "bedrock" }));
    expect(all.data.map((b) => b.id)).toEqual(newestFirst);
    expect(all.data[0]).toMatchObject({ type: "message_batch", processing_status: "in_progress", request_counts: { processing: 2 } });
    const first = await json<{ data: WireBatch[]; has_more: boolean; first_id: string; last_id: string }>(await call(`${BATCHES}?limit=2`, { provider: "bedrock" }));
    expect(first).toMatchObject({ has_more: true, first_id: newestFirst[0], last_id: newestFirst[1] });
    const second = await json<{ data: WireBatch[]; has_more: boolean }>(await call(`${BATCHES}?limit=2&after_id=${first.last_id}`, { provider: "bedrock" }));
    expect(second.data.map((b) => b.id)).toEqual([newestFirst[2]]);
    expect(second.has_more).toBe(false);
    const newer = await json<{ data: WireBatch[] }>(await call(`${BATCHES}?limit=1&before_id=${ids[0]}`, { provider: "bedrock" }));
    expect(newer.data.map((b) => b.id)).toEqual([ids[1]]);
    const everyone = await json<{ data: WireBatch[] }>(await call(BATCHES));
    expect(everyone.data.map((b) => b.id)).toEqual([...newestFirst, anthropic.id]);
    // Listing reads the gateway's records; it asks Bedrock nothing.
    expect(fakes.bedrock.calls.filter((c) => c.method === "GET")).toEqual([]);
  });
});

describe("batches on bedrock: cancel and delete", () => {
  it("cancels with StopModelInvocationJob: canceling at once, then ended with every request canceled", async () => {
    const batch = await create();
    const [job] = await storedJobs(batch.id);
    fakes.bedrock.calls.length = 0;
    const canceling = await json<WireBatch>(await call(`${BATCHES}/${batch.id}/cancel?beta=true`, { method: "POST", provider: "bedrock" }));
    expect(canceling).toMatchObject({ id: batch.id, processing_status: "canceling", request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 } });
    expect(canceling.cancel_initiated_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The retrieve that cancel starts with (Submitted → Validating), then the stop.
    expect(upstream()).toEqual([`GET bedrock /model-invocation-job/${job!.native_id}`, `POST bedrock /model-invocation-job/${job!.native_id}/stop`]);
    expect(fakes.bedrock.calls[1]?.headers.authorization).toMatch(/\/us-east-1\/bedrock\/aws4_request, /);
    expect(fakes.bedrock.peekJob(job!.native_id)).toMatchObject({ status: "Stopping" });

    const ended = await pollUntilEnded(batch.id);
    expect(ended).toMatchObject({
      processing_status: "ended",
      request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 2, expired: 0 },
      cancel_initiated_at: canceling.cancel_initiated_at,
      results_url: `${GATEWAY}${BATCHES}/${batch.id}/results`,
    });
    expect(await results(batch.id)).toEqual(TWO.map((r) => ({ custom_id: r.custom_id, result: { type: "canceled" } })));
  });

  it("cancels a job that is running: what Bedrock ran succeeded, the rest canceled, every custom_id once", async () => {
    const four = [1, 2, 3, 4].map((n) => ask(`r${n}`, `question ${n}`));
    const batch = await create(four);
    for (let i = 0; i < 2; i++) await retrieve(batch.id); // Submitted → Validating → Scheduled
    const [job] = await storedJobs(batch.id);
    expect(fakes.bedrock.peekJob(job!.native_id)).toMatchObject({ status: "Scheduled" });
    // Cancel refreshes first (Scheduled → InProgress), then stops the running job.
    const canceling = await json<WireBatch>(await call(`${BATCHES}/${batch.id}/cancel`, { method: "POST", provider: "bedrock" }));
    expect(canceling.processing_status).toBe("canceling");
    expect(fakes.bedrock.peekJob(job!.native_id)).toMatchObject({ status: "Stopping" });
    const ended = await pollUntilEnded(batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 2, expired: 0 });
    const lines = await results(batch.id);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(["r1", "r2", "r3", "r4"]);
    expect(lines.filter((l) => l.result.type === "succeeded").map((l) => l.custom_id).sort()).toEqual(["r1", "r2"]);
    expect(lines.filter((l) => l.result.type === "canceled").map((l) => l.custom_id).sort()).toEqual(["r3", "r4"]);
  });

  it("cancel of an ended batch changes nothing and asks Bedrock nothing", async () => {
    const batch = await create();
    const ended = await pollUntilEnded(batch.id);
    fakes.bedrock.calls.length = 0;
    expect(await json(await call(`${BATCHES}/${batch.id}/cancel`, { method: "POST", provider: "bedrock" }))).toEqual(ended);
    expect(fakes.bedrock.calls).toEqual([]);
  });

  it("refuses results and delete while processing; once ended, delete removes the input, output and manifest from S3, then the record", async () => {
    const batch = await create();
    const early = await errorOf(await call(`${BATCHES}/${batch.id}/results`, { provider: "bedrock" }));
    expect(early).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message: `Message batch ${batch.id} has not finished processing (processing_status: in_progress); results are available once it has ended.`,
    });
    const refused = await errorOf(await call(`${BATCHES}/${batch.id}`, { method: "DELETE", provider: "bedrock" }));
    expect(refused).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      message: `Message batch ${batch.id} is still processing (processing_status: in_progress); cancel it and wait for it to end before deleting it.`,
    });
    await pollUntilEnded(batch.id);
    const [job] = await storedJobs(batch.id);
    const { inputKey, outputKey, manifestKey } = job!.data;
    expect(fakes.bedrock.objectKeys(BUCKET)).toEqual([inputKey, manifestKey, outputKey].sort());

    fakes.bedrock.calls.length = 0;
    const deleted = await json(await call(`${BATCHES}/${batch.id}`, { method: "DELETE", provider: "bedrock" }));
    expect(deleted).toEqual({ id: batch.id, type: "message_batch_deleted" });
    // Bedrock cannot delete a job: stopping an ended one is refused (400) and checked, then the
    // objects the gateway knows of are removed.
    expect(upstream()).toEqual([
      `POST bedrock /model-invocation-job/${job!.native_id}/stop`,
      `GET bedrock /model-invocation-job/${job!.native_id}`,
      `DELETE s3 /${BUCKET}/${outputKey}`,
      `DELETE s3 /${BUCKET}/${manifestKey}`,
      `DELETE s3 /${BUCKET}/${inputKey}`,
    ]);
    expect(fakes.bedrock.objectKeys(BUCKET)).toEqual([]);
    expect(await errorOf(await call(`${BATCHES}/${batch.id}`, { provider: "bedrock" }))).toMatchObject({ status: 404, type: "not_found_error", message: `Message batch not found: ${batch.id}` });
    expect(await countRows("batches")).toBe(0);
    expect(await countRows("batch_artifacts")).toBe(0);
  });
});

describe("batches on bedrock: AWS errors become Anthropic errors naming bedrock", () => {
  it("a wrong secret: S3 refuses the signature, the client gets a 403 permission_error without the secret, nothing is left", async () => {
    const res = await createWith({ AWS_SECRET_ACCESS_KEY: "not-the-secret" }, TWO);
    const error = await errorOf(res);
    expect(error).toMatchObject({
      status: 403,
      type: "permission_error",
      message:
        "bedrock upstream error (HTTP 403): SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    });
    expect(error.message).not.toContain("not-the-secret");
    const key = decodeURIComponent(fakes.bedrock.calls[0]?.path ?? "");
    expect(key).toMatch(/^\/batchbridge-test\/batches\/msgbatch_[0-9A-Z]{26}\/1-anthropic\.claude-3-5-haiku-20241022-v1_0\.jsonl$/);
    // The rollback's DELETE of the recorded input is refused too: the record stays, hidden, as
    // `failed` for the reconciler; the client sees no batch.
    expect(upstream()).toEqual([`PUT s3 ${key}`, `DELETE s3 ${key}`]);
    expect(fakes.bedrock.objectKeys(BUCKET)).toEqual([]);
    expect(await env.DB.prepare("SELECT state FROM batches").all()).toMatchObject({ results: [{ state: "failed" }] });
    expect(await json(await call(BATCHES, { provider: "bedrock" }))).toMatchObject({ data: [] });
  });

  it("a ThrottlingException on CreateModelInvocationJob: 429 rate_limit_error, the input written to S3 is removed, no batch remains", async () => {
    intercept = (request) =>
      request.method === "POST" && new URL(request.url).pathname === "/model-invocation-job"
        ? new Response(JSON.stringify({ message: "Too many requests, please wait before trying again." }), {
            status: 429,
            headers: { "content-type": "application/json", "x-amzn-errortype": "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/" },
          })
        : undefined;
    const error = await errorOf(await call(BATCHES, { method: "POST", body: { requests: TWO }, provider: "bedrock" }));
    expect(error).toMatchObject({ status: 429, type: "rate_limit_error", message: "bedrock upstream error (HTTP 429): ThrottlingException: Too many requests, please wait before trying again." });
    const put = fakes.bedrock.calls[0]!;
    // Creating is never retried. The writer discards its input, and the rollback deletes every
    // recorded artifact (the same object, already gone: S3 answers 204).
    expect(intercepted).toEqual(["POST bedrock /model-invocation-job"]);
    expect(upstream()).toEqual([`PUT s3 ${put.path}`, `DELETE s3 ${put.path}`, `DELETE s3 ${put.path}`]);
    expect(fakes.bedrock.objectKeys(BUCKET)).toEqual([]);
    expect(await countRows("batches")).toBe(0);
    expect(await json(await call(BATCHES, { provider: "bedrock" }))).toMatchObject({ data: [] });
  });

  it("a bucket that does not exist: S3's NoSuchBucket as a 404 naming bedrock", async () => {
    const error = await errorOf(await createWith({ BEDROCK_BATCH_S3_URI: "s3://no-such-bucket/batches/" }, TWO));
    expect(error).toMatchObject({ status: 404, type: "not_found_error", message: "bedrock upstream error (HTTP 404): NoSuchBucket: The specified bucket does not exist." });
    expect(await countRows("batches")).toBe(0);
  });

  it("an AccessDeniedException on GetModelInvocationJob: retrieve answers 403, the batch stays in progress and recovers", async () => {
    const batch = await create();
    intercept = (request) =>
      request.method === "GET"
        ? new Response(JSON.stringify({ message: "User is not authorized to perform: bedrock:GetModelInvocationJob" }), {
            status: 403,
            headers: { "content-type": "application/json", "x-amzn-errortype": "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.bedrock/" },
          })
        : undefined;
    const error = await errorOf(await call(`${BATCHES}/${batch.id}`, { provider: "bedrock" }));
    expect(error).toMatchObject({
      status: 403,
      type: "permission_error",
      message: "bedrock upstream error (HTTP 403): AccessDeniedException: User is not authorized to perform: bedrock:GetModelInvocationJob",
    });
    intercept = undefined;
    expect((await pollUntilEnded(batch.id)).request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
  });

  it("a job Bedrock no longer knows: a 404 naming bedrock and the batch, never the job's ARN", async () => {
    const batch = await create();
    const [job] = await storedJobs(batch.id);
    wrapFake(createFakeBedrock({ accessKeyId: "AKIDTESTBATCHBRIDGE", secretAccessKey: "test-aws-secret-key", region: "us-east-1", minRecordsPerJob: 2 }));
    const error = await errorOf(await call(`${BATCHES}/${batch.id}`, { provider: "bedrock" }));
    expect(error).toMatchObject({ status: 404, type: "not_found_error", message: `bedrock upstream error (HTTP 404): batch inference job ${batch.id} no longer exists` });
    expect(error.message).not.toContain(job!.native_id);
  });

  it("S3 failing while results are vaulted: a 500 api_error naming bedrock on retrieve, nothing published until S3 answers", async () => {
    const batch = await create();
    const [job] = await storedJobs(batch.id);
    let failing = true;
    intercept = (request) =>
      failing && request.method === "GET" && new URL(request.url).host === "s3.fake" && decodeURIComponent(new URL(request.url).pathname).endsWith(String(job!.data.outputKey))
        ? new Response('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>', {
            status: 500,
            headers: { "content-type": "application/xml" },
          })
        : undefined;
    let res: Response | undefined;
    for (let i = 0; i < 6; i++) {
      res = await call(`${BATCHES}/${batch.id}`, { provider: "bedrock" });
      if (res.status !== 200) break;
    }
    expect(await errorOf(res!)).toMatchObject({ status: 500, type: "api_error", message: "bedrock upstream error (HTTP 500): InternalError: We encountered an internal error. Please try again." });
    expect(intercepted.length).toBeGreaterThanOrEqual(1);
    // A results call tries the vault again, and says why it failed.
    expect(await errorOf(await call(`${BATCHES}/${batch.id}/results`, { provider: "bedrock" }))).toMatchObject({ status: 500, type: "api_error" });
    failing = false;
    expect((await retrieve(batch.id)).processing_status).toBe("ended");
    expect(await results(batch.id)).toHaveLength(2);
  });
});

/** Runs the background poll the batch expects (as the queue consumer would), once. */
async function runExpectedPoll(batchId: string): Promise<void> {
  const row = await env.DB.prepare("SELECT next_poll_at FROM batches WHERE id = ?").bind(batchId).first<{ next_poll_at: string }>();
  await handleJob(createGateway({ db: env.DB, env, clientBetas: [], adapters: ADAPTERS }), { kind: "poll", batchId, due: row!.next_poll_at });
}

describe("batches on bedrock: a model below BEDROCK_BATCH_MIN_RECORDS is run by the gateway", () => {
  it("writes its input to S3 and creates no job; retrieve asks Bedrock nothing; each poll runs its requests; delete removes the kept outputs", async () => {
    const batch = await create([ask("mixed-big-1", "one"), ask("mixed-big-2", "two"), ask("mixed-small", "three", "claude-3-5-sonnet-20241022")]);
    const sonnetKey = `batches/${batch.id}/2-anthropic.claude-3-5-sonnet-20241022-v2_0.jsonl`;
    expect(upstream().filter((c) => !c.startsWith("PUT s3"))).toEqual(["POST bedrock /model-invocation-job"]);
    expect(fakes.bedrock.readObject(BUCKET, sonnetKey)).toBe(`${inputLine(ask("mixed-small", "three", "claude-3-5-sonnet-20241022"))}\n`);
    const jobs = await storedJobs(batch.id);
    expect(jobs.map((j) => [j.slot, j.native_id, j.request_count])).toEqual([
      [`${HAIKU_ID}#0`, expect.stringMatching(JOB_ARN), 2],
      [`${SONNET_ID}#0`, `s3://${BUCKET}/${sonnetKey}`, 1],
    ]);
    // The batch's first poll is due at once: the gateway's own requests start without waiting.
    const due = await env.DB.prepare("SELECT next_poll_at FROM batches WHERE id = ?").bind(batch.id).first<{ next_poll_at: string }>();
    expect(Date.parse(due!.next_poll_at)).toBeLessThanOrEqual(Date.now());

    fakes.bedrock.calls.length = 0;
    const polled = await retrieve(batch.id);
    expect(polled.request_counts).toEqual({ processing: 3, succeeded: 0, errored: 0, canceled: 0, expired: 0 });
    expect(upstream().filter((c) => !c.startsWith("GET bedrock /model-invocation-job/"))).toEqual([]);

    await runExpectedPoll(batch.id);
    expect(upstream().filter((c) => c.startsWith("POST bedrock-runtime"))).toEqual([`POST bedrock-runtime /model/${SONNET_ID}/invoke`]);
    expect(fakes.bedrock.readObject(BUCKET, `${sonnetKey}.invoke/0.json`)).toContain('"recordId":"mixed-small"');
    const listed = await json<{ data: WireBatch[] }>(await call(BATCHES, { provider: "bedrock" }));
    expect(listed.data.find((b) => b.id === batch.id)?.request_counts).toMatchObject({ succeeded: 1 });

    const ended = await pollUntilEnded(batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 3, errored: 0, canceled: 0, expired: 0 });
    expect((await results(batch.id)).map((l) => [l.custom_id, l.result.type]).sort()).toEqual([
      ["mixed-big-1", "succeeded"],
      ["mixed-big-2", "succeeded"],
      ["mixed-small", "succeeded"],
    ]);
    // Exactly once: the later polls never sent the request again.
    expect(upstream().filter((c) => c.startsWith("POST bedrock-runtime"))).toHaveLength(1);

    expect((await call(`${BATCHES}/${batch.id}`, { method: "DELETE", provider: "bedrock" })).status).toBe(200);
    expect(fakes.bedrock.objectKeys(BUCKET).filter((key) => key.startsWith(`batches/${batch.id}/`))).toEqual([]);
  });
});


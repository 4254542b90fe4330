/**
 * The Bedrock adapter against the Bedrock fake: create (exact upstream requests), poll to the
 * end, results, cancel, expiry, failure, quotas, multipart uploads and clean-up.
 */
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../src/lib/errors";
import { bedrockAdapter } from "../../../src/providers/bedrock/index";
import type { JobStatus } from "../../../src/providers/types";
import type { BatchRequest } from "../../../src/domain/batch-request";
import type { JobRef } from "../../../src/domain/job-record";
import { planBatch, check, createUpstreamBatch, messageRequest as request, pollToEnd as pollJob, resultsOf as allResults } from "../support/batches";
import { expectedRecord as expectedLine, HAIKU, SONNET } from "../support/fakes";
import { BEDROCK, providerHarness, type ProviderHarness } from "../support/harness";
import { sha256 } from "../support/helpers";

const { bucket: BUCKET, roleArn: ROLE_ARN } = BEDROCK;
const BATCH_ID = "msgbatch_01TEST";
type Harness = ProviderHarness<"bedrock">;

/** Creates the batch's upstream jobs under the batch ID the expected S3 keys name. */
function createBatch(h: Harness, requests: BatchRequest[], batchId = BATCH_ID) {
  return createUpstreamBatch(h, requests, { batchId });
}

/** Every status of a job polled to its end (the job is polled as created, its data not carried). */
async function pollToEnd(h: Harness, job: JobRef): Promise<JobStatus[]> {
  return (await pollJob(h, job, { carry: false })).statuses;
}

const JOB_ARN = /^arn:aws:bedrock:us-east-1:123456789012:model-invocation-job\/([a-z0-9]{12})$/;
const FOLDER = `batches/${BATCH_ID}`;

/** One request for each outcome of the fake's model: an answer, a failure, a tool call, a max_tokens stop. */
function everyOutcome() {
  return [
    request("ok1", "claude-3-haiku-20240307", "hello there"),
    request("fail", "claude-3-haiku-20240307", "please FAIL_REQUEST"),
    request("tool", "claude-3-haiku-20240307", "CALL_TOOL now", { tools: [{ name: "get_weather", input_schema: { type: "object" } }] }),
    request("long", "claude-3-haiku-20240307", "HIT_MAX_TOKENS"),
  ];
}

function jobId(arn: string): string {
  return JOB_ARN.exec(arn)?.[1] ?? "";
}

describe("bedrock adapter: create", () => {
  it("writes one JSONL file per model to S3 and creates one job each, exactly", async () => {
    const h = providerHarness("bedrock");
    const requests = [
      request("h1", "claude-3-haiku-20240307", "first"),
      request("s1", "claude-3-5-sonnet-20241022", "second", { temperature: 0.5 }),
      request("h2", "claude-3-haiku-20240307", "third"),
      request("s2", "claude-3-5-sonnet-20241022", "fourth"),
      request("h3", "claude-3-haiku-20240307", "fifth"),
    ];
    const { slots, jobs } = await createBatch(h, requests);

    expect(slots).toEqual([`${HAIKU}#0`, `${SONNET}#0`, `${HAIKU}#0`, `${SONNET}#0`, `${HAIKU}#0`]);
    const haikuKey = `${FOLDER}/1-anthropic.claude-3-haiku-20240307-v1_0.jsonl`;
    const sonnetKey = `${FOLDER}/2-anthropic.claude-3-5-sonnet-20241022-v2_0.jsonl`;
    const haikuBody = [requests[0], requests[2], requests[4]].map((item) => `${expectedLine(item!)}\n`).join("");
    const sonnetBody = [requests[1], requests[3]].map((item) => `${expectedLine(item!)}\n`).join("");

    expect(h.fake.calls.map(({ service, method, path, query, body }) => ({ service, method, path, query, body }))).toEqual([
      { service: "s3", method: "PUT", path: `/${BUCKET}/${haikuKey}`, query: {}, body: haikuBody },
      { service: "s3", method: "PUT", path: `/${BUCKET}/${sonnetKey}`, query: {}, body: sonnetBody },
      { service: "bedrock", method: "POST", path: "/model-invocation-job", query: {}, body: createBody(1, HAIKU, haikuKey) },
      { service: "bedrock", method: "POST", path: "/model-invocation-job", query: {}, body: createBody(2, SONNET, sonnetKey) },
    ]);
    const [put, , create] = h.fake.calls;
    expect(put?.headers["content-type"]).toBe("application/jsonl");
    expect(put?.headers["x-amz-content-sha256"]).toBe(await sha256(haikuBody));
    expect(put?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDBEDROCKTEST\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
    expect(create?.headers["content-type"]).toBe("application/json");
    expect(create?.headers.authorization).toMatch(/Credential=AKIDBEDROCKTEST\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
    expect(h.fake.readObject(BUCKET, haikuKey)).toBe(haikuBody);

    const [haikuJob, sonnetJob] = jobs;
    expect(haikuJob?.nativeId).toMatch(JOB_ARN);
    const haikuOutput = `${FOLDER}/output/${jobId(haikuJob!.nativeId)}`;
    const sonnetOutput = `${FOLDER}/output/${jobId(sonnetJob!.nativeId)}`;
    expect(jobs).toEqual([
      {
        slot: `${HAIKU}#0`,
        nativeId: haikuJob!.nativeId,
        model: "claude-3-haiku-20240307",
        requestCount: 3,
        data: { bucket: BUCKET, inputKey: haikuKey, outputKey: `${haikuOutput}/1-anthropic.claude-3-haiku-20240307-v1_0.jsonl.out`, manifestKey: `${haikuOutput}/manifest.json.out` },
      },
      {
        slot: `${SONNET}#0`,
        nativeId: sonnetJob!.nativeId,
        model: "claude-3-5-sonnet-20241022",
        requestCount: 2,
        data: { bucket: BUCKET, inputKey: sonnetKey, outputKey: `${sonnetOutput}/2-anthropic.claude-3-5-sonnet-20241022-v2_0.jsonl.out`, manifestKey: `${sonnetOutput}/manifest.json.out` },
      },
    ]);
    expect(h.artifacts).toEqual([
      { kind: "s3_object", nativeId: `s3://${BUCKET}/${haikuKey}` },
      { kind: "s3_object", nativeId: `s3://${BUCKET}/${sonnetKey}` },
      { kind: "job", nativeId: haikuJob!.nativeId, data: { bucket: BUCKET, outputKey: haikuJob!.data.outputKey, manifestKey: haikuJob!.data.manifestKey } },
      { kind: "job", nativeId: sonnetJob!.nativeId, data: { bucket: BUCKET, outputKey: sonnetJob!.data.outputKey, manifestKey: sonnetJob!.data.manifestKey } },
    ]);
  });

  it("groups requests naming one Bedrock model differently into one job, reporting the Bedrock ID as its model", async () => {
    const h = providerHarness("bedrock");
    const { slots, jobs } = await createBatch(h, [request("a", "claude-3-haiku-20240307", "x"), request("b", HAIKU, "y")]);
    expect(slots).toEqual([`${HAIKU}#0`, `${HAIKU}#0`]);
    expect(jobs.map((job) => [job.model, job.requestCount])).toEqual([[HAIKU, 2]]);
  });

  it("with BEDROCK_SMALL_BATCHES=refuse, refuses a model below BEDROCK_BATCH_MIN_RECORDS from finish, before anything is created upstream", async () => {
    const h = providerHarness("bedrock", { env: { BEDROCK_BATCH_MIN_RECORDS: "3", BEDROCK_SMALL_BATCHES: "refuse" } });
    const writer = planBatch(bedrockAdapter.batches, h.ctx, { batchId: BATCH_ID, sink: { record: async (a) => void h.artifacts.push(a) }, files: new Map() });
    for (const item of [request("a", "claude-3-haiku-20240307", "1"), request("b", "claude-3-haiku-20240307", "2"), request("c", "claude-3-haiku-20240307", "3"), request("d", "claude-3-5-sonnet-20241022", "4")]) {
      await writer.add(item);
    }
    const error = await writer.finish().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(400);
    expect((error as GatewayError).message).toBe(
      `Bedrock batch inference needs at least 3 requests per job (BEDROCK_BATCH_MIN_RECORDS=3), but this batch has 1 for model ${SONNET}. ` +
        "Send at least 3 requests per model, or lower BEDROCK_BATCH_MIN_RECORDS if your account's Bedrock quota allows it, " +
        "or unset BEDROCK_SMALL_BATCHES=refuse to have the gateway run smaller groups itself (at on-demand prices).",
    );
    expect(h.fake.calls).toEqual([]);
    expect(h.artifacts).toEqual([]);
  });

  it("splits a model above BEDROCK_BATCH_MAX_RECORDS into several jobs", async () => {
    const h = providerHarness("bedrock", { env: { BEDROCK_BATCH_MIN_RECORDS: "1", BEDROCK_BATCH_MAX_RECORDS: "3" }, fake: { minRecordsPerJob: 1, maxRecordsPerJob: 3 } });
    const requests = Array.from({ length: 7 }, (_, index) => request(`r${index}`, "claude-3-haiku-20240307", `n${index}`));
    const { slots, jobs } = await createBatch(h, requests);
    expect(slots).toEqual([0, 0, 0, 1, 1, 1, 2].map((n) => `${HAIKU}#${n}`));
    expect(jobs.map((job) => [job.slot, job.requestCount, job.data.inputKey])).toEqual([
      [`${HAIKU}#0`, 3, `${FOLDER}/1-anthropic.claude-3-haiku-20240307-v1_0.jsonl`],
      [`${HAIKU}#1`, 3, `${FOLDER}/2-anthropic.claude-3-haiku-20240307-v1_0.jsonl`],
      [`${HAIKU}#2`, 1, `${FOLDER}/3-anthropic.claude-3-haiku-20240307-v1_0.jsonl`],
    ]);
    const names = h.fake.calls.filter((call) => call.service === "bedrock").map((call) => JSON.parse(call.body ?? "{}").jobName);
    expect(names).toEqual(["batchbridge-msgbatch-01TEST-1", "batchbridge-msgbatch-01TEST-2", "batchbridge-msgbatch-01TEST-3"]);
    for (const job of jobs) expect((await pollToEnd(h, job)).at(-1)?.counts.succeeded).toBe(job.requestCount);
  });

  it("with BEDROCK_SMALL_BATCHES=refuse, names the remainder of a split when it falls below the minimum", async () => {
    const h = providerHarness("bedrock", { env: { BEDROCK_BATCH_MIN_RECORDS: "2", BEDROCK_BATCH_MAX_RECORDS: "3", BEDROCK_SMALL_BATCHES: "refuse" } });
    const requests = Array.from({ length: 4 }, (_, index) => request(`r${index}`, "claude-3-haiku-20240307", `n${index}`));
    const error = await createBatch(h, requests).catch((caught: unknown) => caught);
    expect((error as GatewayError).message).toBe(
      `Bedrock batch inference needs at least 2 requests per job (BEDROCK_BATCH_MIN_RECORDS=2), but this batch has 1 for model ${HAIKU} beyond the 3 per job of BEDROCK_BATCH_MAX_RECORDS. ` +
        "Send at least 2 requests per model, or lower BEDROCK_BATCH_MIN_RECORDS if your account's Bedrock quota allows it, " +
        "or unset BEDROCK_SMALL_BATCHES=refuse to have the gateway run smaller groups itself (at on-demand prices).",
    );
    expect(h.fake.calls.filter((call) => call.service === "bedrock")).toEqual([]);
  });

  it("refuses what Bedrock cannot take from add, and check does the same without any I/O", async () => {
    const h = providerHarness("bedrock");
    const bad = request("m", "claude-3-haiku-20240307", "x", { service_tier: "auto" });
    expect(() => check(bedrockAdapter.batches, bad, new Map())).toThrow("params.service_tier: is not accepted by the Anthropic request body on provider bedrock");
    expect(() => check(bedrockAdapter.batches, request("m", "gpt-4o", "x"), new Map())).toThrow("model: gpt-4o is not a model the gateway can map to Bedrock");
    expect(() => check(bedrockAdapter.batches, request("ok", "claude-3-haiku-20240307", "x"), new Map())).not.toThrow();
    const writer = planBatch(bedrockAdapter.batches, h.ctx, { batchId: BATCH_ID, sink: { record: async () => {} }, files: new Map() });
    await expect(writer.add(bad)).rejects.toThrow("params.service_tier");
    expect(h.fake.calls).toEqual([]);
  });

  it("checks the client's betas from the context in check and add, and writes those Bedrock takes into every record", async () => {
    const h = providerHarness("bedrock");
    const ok = request("ok", "claude-3-haiku-20240307", "x");
    const refused = "anthropic-beta: value extended-cache-ttl-2025-04-11 is not a beta Bedrock takes on provider bedrock; remove it or use provider anthropic";
    expect(() => check(bedrockAdapter.batches, ok, new Map(), { ...h.ctx, clientBetas: ["extended-cache-ttl-2025-04-11"] })).toThrow(refused);
    expect(() => check(bedrockAdapter.batches, ok, new Map(), { ...h.ctx, clientBetas: ["token-efficient-tools-2025-02-19"] })).not.toThrow();
    const refusing = planBatch(bedrockAdapter.batches, { ...h.ctx, clientBetas: ["extended-cache-ttl-2025-04-11"] }, { batchId: BATCH_ID, sink: { record: async () => {} }, files: new Map() });
    await expect(refusing.add(ok)).rejects.toThrow(refused);
    expect(h.fake.calls).toEqual([]);

    const writer = planBatch(bedrockAdapter.batches, { ...h.ctx, clientBetas: ["message-batches-2024-09-24", "token-efficient-tools-2025-02-19"] }, { batchId: BATCH_ID, sink: { record: async () => {} }, files: new Map() });
    await writer.add(ok);
    await writer.add(request("ok2", "claude-3-haiku-20240307", "y"));
    await writer.finish();
    const put = h.fake.calls.find((call) => call.service === "s3" && call.method === "PUT");
    const records = put!.body!.trim().split("\n").map((line) => JSON.parse(line) as { modelInput: { anthropic_beta?: string[] } });
    expect(records.map((record) => record.modelInput.anthropic_beta)).toEqual([["token-efficient-tools-2025-02-19"], ["token-efficient-tools-2025-02-19"]]);
  });
  it("refuses a 9th distinct Bedrock model from add with a 400 naming the limit and bedrock, before anything is sent", async () => {
    const h = providerHarness("bedrock");
    const writer = planBatch(bedrockAdapter.batches, h.ctx, { batchId: BATCH_ID, sink: { record: async (a) => void h.artifacts.push(a) }, files: new Map() });
    // Two names of one Bedrock model count once: these are 8 models.
    const eight = ["claude-3-haiku-20240307", HAIKU, SONNET, ...Array.from({ length: 6 }, (_, i) => `anthropic.claude-test-${i}-v1:0`)];
    for (const [index, model] of eight.entries()) {
      for (const copy of [1, 2]) await writer.add(request(`m${index}-${copy}`, model, "hi"));
    }
    const error = await writer.add(request("ninth", "us.anthropic.claude-3-haiku-20240307-v1:0", "hi")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).toBody()).toEqual({
      type: "error",
      error: {
        type: "invalid_request_error",
        message:
          "params.model: us.anthropic.claude-3-haiku-20240307-v1:0 would be Bedrock model number 9 of this batch, but provider bedrock takes at most 8 distinct models per batch " +
          "(each model's input file is gathered in memory while the batch is created). Send the requests of the other models in another batch.",
      },
    });
    // The 8 models still take requests.
    await expect(writer.add(request("more", SONNET, "hi"))).resolves.toBe(`${SONNET}#0`);
    expect(h.fake.calls).toEqual([]);
    expect(h.artifacts).toEqual([]);
    await writer.abort(error);
  });
});

describe("bedrock adapter: multipart upload of large input", () => {
  const bigText = (seed: string) => `${seed} ${"lorem ipsum dolor sit amet ".repeat(10_000)}`; // ~270 KB per request

  it("sends 5 MiB parts while requests arrive and completes the upload at finish", async () => {
    const h = providerHarness("bedrock");
    const requests = Array.from({ length: 24 }, (_, index) => request(`big${index}`, "claude-3-haiku-20240307", bigText(`n${index}`)));
    const { jobs } = await createBatch(h, requests);
    const key = `${FOLDER}/1-anthropic.claude-3-haiku-20240307-v1_0.jsonl`;
    const expected = requests.map((item) => `${expectedLine(item)}\n`).join("");

    const s3Calls = h.fake.calls.filter((call) => call.service === "s3");
    expect(s3Calls.map((call) => [call.method, Object.keys(call.query).sort().join(",")])).toEqual([
      ["POST", "uploads"],
      ["PUT", "partNumber,uploadId"],
      ["PUT", "partNumber,uploadId"],
      ["POST", "uploadId"],
    ]);
    // Parts are sent concurrently: they may arrive in either order.
    const part1 = s3Calls.find((call) => call.query.partNumber === "1");
    const part2 = s3Calls.find((call) => call.query.partNumber === "2");
    const complete = s3Calls[3];
    expect(part1?.bodyBytes).toBeGreaterThanOrEqual(5 * 1024 * 1024);
    expect((part1?.bodyBytes ?? 0) + (part2?.bodyBytes ?? 0)).toBe(new TextEncoder().encode(expected).byteLength);
    expect(complete?.body).toMatch(/^<CompleteMultipartUpload><Part><PartNumber>1<\/PartNumber><ETag>"[0-9a-f]{32}"<\/ETag><\/Part><Part><PartNumber>2<\/PartNumber><ETag>"[0-9a-f]{32}"<\/ETag><\/Part><\/CompleteMultipartUpload>$/);
    expect(h.fake.readObject(BUCKET, key)).toBe(expected);
    expect(h.fake.openUploads()).toBe(0);
    expect(h.artifacts.map((artifact) => artifact.kind)).toEqual(["s3_multipart_upload", "s3_object", "job"]);
    expect(h.artifacts[0]).toEqual({ kind: "s3_multipart_upload", nativeId: `s3://${BUCKET}/${key}`, data: { uploadId: part1?.query.uploadId } });

    await pollToEnd(h, jobs[0]!);
    const lines = await allResults(h, jobs[0]!);
    expect(lines.map((line) => line.custom_id).sort()).toEqual(requests.map((item) => item.custom_id).sort());
  });

  it("aborts a started multipart upload when finish refuses the batch", async () => {
    const h = providerHarness("bedrock", { env: { BEDROCK_BATCH_MIN_RECORDS: "2", BEDROCK_SMALL_BATCHES: "refuse" } });
    const requests = [...Array.from({ length: 40 }, (_, index) => request(`big${index}`, "claude-3-haiku-20240307", bigText(`n${index}`))), request("lonely", "claude-3-5-sonnet-20241022", "x")];
    await expect(createBatch(h, requests)).rejects.toThrow("but this batch has 1 for model");
    expect(h.fake.openUploads()).toBe(0);
    expect(h.fake.objectKeys(BUCKET)).toEqual([]);
    expect(h.fake.calls.at(-1)).toMatchObject({ service: "s3", method: "DELETE", query: { uploadId: expect.any(String) } });
    expect(h.fake.calls.some((call) => call.service === "bedrock")).toBe(false);
  });

  it("writes files closed at BEDROCK_BATCH_MAX_RECORDS early once together they hold over 8 MiB", async () => {
    const h = providerHarness("bedrock", { env: { BEDROCK_BATCH_MIN_RECORDS: "1", BEDROCK_BATCH_MAX_RECORDS: "2" }, fake: { minRecordsPerJob: 1, maxRecordsPerJob: 2 } });
    const writer = planBatch(bedrockAdapter.batches, h.ctx, { batchId: BATCH_ID, sink: { record: async (a) => void h.artifacts.push(a) }, files: new Map() });
    const requests = Array.from({ length: 40 }, (_, index) => request(`big${index}`, "claude-3-haiku-20240307", bigText(`n${index}`)));
    const sent = () => h.fake.calls.reduce((sum, call) => sum + (call.service === "s3" && call.method === "PUT" ? (call.bodyBytes ?? 0) : 0), 0);
    let added = 0;
    let mostHeld = 0;
    for (const item of requests) {
      await writer.add(item);
      added += new TextEncoder().encode(`${expectedLine(item)}\n`).byteLength;
      mostHeld = Math.max(mostHeld, added - sent());
    }
    // 20 files of about 540 KB: held until finish, they would be 10.8 MB.
    expect(added).toBeGreaterThan(10_000_000);
    expect(mostHeld).toBeLessThanOrEqual(8 * 1024 * 1024 + 2 * 600_000);
    expect(h.fake.calls.filter((call) => call.service === "s3" && call.method === "PUT").length).toBeGreaterThan(0);
    expect(h.fake.calls.some((call) => call.service === "bedrock")).toBe(false);

    const jobs = await writer.finish();
    expect(jobs).toHaveLength(20);
    for (const [index, job] of jobs.entries()) {
      expect(job.slot).toBe(`${HAIKU}#${index}`);
      expect(h.fake.readObject(BUCKET, job.data.inputKey as string)).toBe(
        requests
          .slice(2 * index, 2 * index + 2)
          .map((item) => `${expectedLine(item)}\n`)
          .join(""),
      );
    }
    // Each object was written once.
    const puts = h.fake.calls.filter((call) => call.service === "s3" && call.method === "PUT").map((call) => call.path);
    expect(new Set(puts).size).toBe(20);
    expect(puts).toHaveLength(20);
  });

  it("abort removes what add had started", async () => {
    const h = providerHarness("bedrock");
    const writer = planBatch(bedrockAdapter.batches, h.ctx, { batchId: BATCH_ID, sink: { record: async () => {} }, files: new Map() });
    // Past the 8 MiB buffer (about 30 of these), the model streams to a multipart upload.
    for (let index = 0; index < 40; index++) await writer.add(request(`big${index}`, "claude-3-haiku-20240307", bigText(`n${index}`)));
    expect(h.fake.openUploads()).toBe(1);
    await writer.abort(new Error("client went away"));
    expect(h.fake.openUploads()).toBe(0);
  });
});

describe("bedrock adapter: lifecycle and results", () => {
  it("polls a job through Bedrock's states to the end and reads its manifest once ended", async () => {
    const h = providerHarness("bedrock");
    const requests = everyOutcome();
    const { jobs } = await createBatch(h, requests);
    const job = jobs[0]!;
    const before = h.fake.calls.length;
    const statuses = await pollToEnd(h, job);

    expect(statuses.map((status) => status.state)).toEqual(["in_progress", "in_progress", "in_progress", "ended"]);
    expect(statuses[0]).toEqual({ state: "in_progress", counts: { processing: 4, succeeded: 0, errored: 0, canceled: 0, expired: 0 }, endedAt: null });
    expect(statuses[3]).toEqual({
      state: "ended",
      counts: { processing: 0, succeeded: 3, errored: 1, canceled: 0, expired: 0 },
      endedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      unrun: { type: "expired" },
    });
    const encodedArn = encodeURIComponent(job.nativeId);
    expect(h.fake.calls.slice(before).map((call) => `${call.method} ${call.path}`)).toEqual([
      `GET /model-invocation-job/${encodedArn}`,
      `GET /model-invocation-job/${encodedArn}`,
      `GET /model-invocation-job/${encodedArn}`,
      `GET /model-invocation-job/${encodedArn}`,
      `GET /${BUCKET}/${job.data.manifestKey}`,
    ]);
    expect(h.fake.peekJob(job.nativeId)?.status).toBe("PartiallyCompleted");
  });

  it("streams every custom_id exactly once, translated", async () => {
    const h = providerHarness("bedrock");
    const requests = everyOutcome();
    const { jobs } = await createBatch(h, requests);
    await pollToEnd(h, jobs[0]!);
    const lines = await allResults(h, jobs[0]!);
    const byId = new Map(lines.map((line) => [line.custom_id, line.result]));

    expect(lines.map((line) => line.custom_id).sort()).toEqual(["fail", "long", "ok1", "tool"]);
    expect(byId.get("ok1")).toEqual({
      type: "succeeded",
      message: {
        id: expect.stringMatching(/^msg_bdrk_/),
        type: "message",
        role: "assistant",
        model: "claude-3-haiku-20240307",
        content: [{ type: "text", text: "echo: hello there" }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: 2, output_tokens: 3 },
      },
    });
    expect(byId.get("fail")).toEqual({
      type: "errored",
      error: { type: "error", error: { type: "invalid_request_error", message: "bedrock: The model could not process this request (FAIL_REQUEST)." } },
    });
    expect(byId.get("tool")).toMatchObject({ type: "succeeded", message: { stop_reason: "tool_use", content: [{ type: "tool_use", name: "get_weather", input: { city: "Paris" } }] } });
    expect(byId.get("long")).toMatchObject({ type: "succeeded", message: { stop_reason: "max_tokens" } });
  });

  it("skips an output line without its recordId: a Completed job's request with no line is errored, Bedrock's loss", async () => {
    const h = providerHarness("bedrock");
    const { jobs } = await createBatch(h, [request("a", "claude-3-haiku-20240307", "1"), request("b", "claude-3-haiku-20240307", "2")]);
    const job = jobs[0]!;
    const status = (await pollToEnd(h, job)).at(-1)!;
    const { bucket, outputKey } = job.data as { bucket: string; outputKey: string };
    const [first, second] = h.fake.readObject(bucket, outputKey)!.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    const kept = first!.recordId === "a" ? first! : second!;
    h.fake.writeObject(bucket, outputKey, `${JSON.stringify(kept)}\n${JSON.stringify({ ...(kept === first ? second : first), recordId: undefined })}\nnull\n`);

    expect((await allResults(h, job)).map((line) => [line.custom_id, line.result.type])).toEqual([["a", "succeeded"]]);
    expect(status.unrun).toEqual({
      type: "errored",
      error: {
        type: "error",
        error: { type: "api_error", message: "bedrock upstream error: the batch ended without a result for this request (Bedrock's output has no line with its recordId)" },
        request_id: null,
      },
    });
  });

  it("cancel stops a running job: half ran, the rest is canceled and has no result line", async () => {
    const h = providerHarness("bedrock");
    const requests = Array.from({ length: 6 }, (_, index) => request(`r${index}`, "claude-3-haiku-20240307", `n${index}`));
    const { jobs } = await createBatch(h, requests);
    const job = jobs[0]!;
    await bedrockAdapter.batches.retrieve(h.ctx, job); // Validating
    await bedrockAdapter.batches.retrieve(h.ctx, job); // Scheduled
    await bedrockAdapter.batches.retrieve(h.ctx, job); // InProgress
    const before = h.fake.calls.length;
    await bedrockAdapter.batches.cancel(h.ctx, job);
    expect(h.fake.calls.slice(before).map((call) => `${call.method} ${call.path}`)).toEqual([`POST /model-invocation-job/${encodeURIComponent(job.nativeId)}/stop`]);
    const status = await bedrockAdapter.batches.retrieve(h.ctx, job);
    expect(status).toMatchObject({ state: "ended", counts: { processing: 0, succeeded: 3, errored: 0, canceled: 3, expired: 0 }, unrun: { type: "canceled" } });
    expect((await allResults(h, job)).map((line) => line.custom_id).sort()).toEqual(["r0", "r1", "r2"]);
  });

  it("cancel before the job runs leaves no output: every request is canceled", async () => {
    const h = providerHarness("bedrock");
    const { jobs } = await createBatch(h, [request("a", "claude-3-haiku-20240307", "1"), request("b", "claude-3-haiku-20240307", "2")]);
    await bedrockAdapter.batches.cancel(h.ctx, jobs[0]!);
    expect(h.fake.peekJob(jobs[0]!.nativeId)?.status).toBe("Stopping");
    const status = await bedrockAdapter.batches.retrieve(h.ctx, jobs[0]!);
    expect(status).toMatchObject({ state: "ended", counts: { succeeded: 0, errored: 0, canceled: 2, expired: 0 }, unrun: { type: "canceled" } });
    expect(await allResults(h, jobs[0]!)).toEqual([]);
  });

  it("cancel of an ended job does nothing", async () => {
    const h = providerHarness("bedrock");
    const { jobs } = await createBatch(h, [request("a", "claude-3-haiku-20240307", "1"), request("b", "claude-3-haiku-20240307", "2")]);
    await pollToEnd(h, jobs[0]!);
    const before = h.fake.calls.length;
    await bedrockAdapter.batches.cancel(h.ctx, jobs[0]!);
    // Bedrock refuses the stop (the job has ended); a look at the job shows that is fine.
    expect(h.fake.calls.slice(before).map((call) => `${call.method} ${call.path.split("/").at(-1)}`)).toEqual([
      "POST stop",
      `GET ${encodeURIComponent(jobs[0]!.nativeId)}`,
    ]);
    expect(h.fake.peekJob(jobs[0]!.nativeId)?.status).toBe("Completed");
  });

  it("an expired job reports its unrun requests as expired", async () => {
    const h = providerHarness("bedrock");
    const requests = Array.from({ length: 4 }, (_, index) => request(`r${index}`, "claude-3-haiku-20240307", `n${index}`));
    const { jobs } = await createBatch(h, requests);
    const job = jobs[0]!;
    for (let step = 0; step < 3; step++) await bedrockAdapter.batches.retrieve(h.ctx, job); // → InProgress
    const expired = await h.fake.fetch(new Request(`https://fake.aws.test/__fake/batches/${jobId(job.nativeId)}/expire`, { method: "POST" }));
    expect(expired.status).toBe(200);
    const status = await bedrockAdapter.batches.retrieve(h.ctx, job);
    expect(status).toMatchObject({ state: "ended", counts: { succeeded: 2, errored: 0, canceled: 0, expired: 2 }, unrun: { type: "expired" } });
    expect((await allResults(h, job)).map((line) => line.custom_id).sort()).toEqual(["r0", "r1"]);
  });

  it("a job Bedrock fails in validation errors every request with Bedrock's message", async () => {
    const h = providerHarness("bedrock", { fake: { minRecordsPerJob: 5 } });
    const { jobs } = await createBatch(h, [request("a", "claude-3-haiku-20240307", "1"), request("b", "claude-3-haiku-20240307", "2")]);
    const statuses = await pollToEnd(h, jobs[0]!);
    expect(statuses.at(-1)).toEqual({
      state: "ended",
      counts: { processing: 0, succeeded: 0, errored: 2, canceled: 0, expired: 0 },
      endedAt: expect.any(String),
      unrun: {
        type: "errored",
        error: {
          type: "error",
          error: {
            type: "api_error",
            message: `bedrock: batch inference job ${jobs[0]!.nativeId} failed: The number of records in the input of this batch inference job (2) is less than the minimum number of records per batch inference job (5).`,
          },
        },
      },
    });
    expect(await allResults(h, jobs[0]!)).toEqual([]);
  });
});

describe("bedrock adapter: deleteArtifact", () => {
  it("deletes input objects, the output a job wrote, and counts what is gone as deleted", async () => {
    const h = providerHarness("bedrock");
    const { jobs } = await createBatch(h, [request("a", "claude-3-haiku-20240307", "1"), request("b", "claude-3-haiku-20240307", "2")]);
    const job = jobs[0]!;
    await pollToEnd(h, job);
    expect(h.fake.objectKeys(BUCKET)).toEqual([job.data.inputKey, job.data.manifestKey, job.data.outputKey].sort());

    for (const artifact of h.artifacts) await bedrockAdapter.batches.deleteArtifact(h.ctx, artifact);
    expect(h.fake.objectKeys(BUCKET)).toEqual([]);

    for (const artifact of h.artifacts) await bedrockAdapter.batches.deleteArtifact(h.ctx, artifact);
    await bedrockAdapter.batches.deleteArtifact(h.ctx, { kind: "s3_multipart_upload", nativeId: `s3://${BUCKET}/${job.data.inputKey}`, data: { uploadId: "no-such-upload" } });
  });

  it("stops a job that is still running (there is no delete for jobs)", async () => {
    const h = providerHarness("bedrock");
    await createBatch(h, [request("a", "claude-3-haiku-20240307", "1"), request("b", "claude-3-haiku-20240307", "2")]);
    const jobArtifact = h.artifacts.find((artifact) => artifact.kind === "job")!;
    await bedrockAdapter.batches.deleteArtifact(h.ctx, jobArtifact);
    expect(h.fake.calls.map((call) => `${call.method} ${call.path}`).slice(-3)).toEqual([
      `POST /model-invocation-job/${encodeURIComponent(jobArtifact.nativeId)}/stop`,
      `DELETE /${BUCKET}/${jobArtifact.data?.outputKey}`,
      `DELETE /${BUCKET}/${jobArtifact.data?.manifestKey}`,
    ]);
    expect(h.fake.peekJob(jobArtifact.nativeId)?.status).toBe("Stopping");
  });
});

function createBody(ordinal: number, modelId: string, key: string): string {
  return JSON.stringify({
    jobName: `batchbridge-msgbatch-01TEST-${ordinal}`,
    roleArn: ROLE_ARN,
    clientRequestToken: `batchbridge-msgbatch-01TEST-${ordinal}`,
    modelId,
    inputDataConfig: { s3InputDataConfig: { s3Uri: `s3://${BUCKET}/${key}`, s3InputFormat: "JSONL" } },
    outputDataConfig: { s3OutputDataConfig: { s3Uri: `s3://${BUCKET}/${FOLDER}/output/` } },
  });
}

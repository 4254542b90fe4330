/**
 * The Bedrock adapter's configuration, endpoints and signing, and how AWS failures reach the
 * client: always an Anthropic error naming bedrock and carrying AWS's code and message.
 */
import { describe, expect, it } from "vitest";
import { GatewayError, UpstreamError } from "../../../src/lib/errors";
import { bedrockAdapter } from "../../../src/providers/bedrock/index";
import type { BatchRequest } from "../../../src/domain/batch-request";
import type { JobRef } from "../../../src/domain/job-record";
import { planBatch, createUpstreamBatch, messageRequest as request, resultsOf as allResults } from "../support/batches";
import { BEDROCK, providerHarness, type ProviderHarness } from "../support/harness";

const { bucket: BUCKET, secretAccessKey: SECRET_ACCESS_KEY } = BEDROCK;
const BATCH_ID = "msgbatch_01TEST";
type Harness = ProviderHarness<"bedrock">;

/** Creates the batch's upstream jobs under the batch ID the expected S3 keys name. */
function createBatch(h: Harness, requests: BatchRequest[], batchId = BATCH_ID) {
  return createUpstreamBatch(h, requests, { batchId });
}

const TWO = [request("a", "claude-3-haiku-20240307", "one"), request("b", "claude-3-haiku-20240307", "two")];

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

function awsJsonError(status: number, type: string, message: string): Response {
  return new Response(JSON.stringify({ message }), {
    status,
    headers: { "content-type": "application/json", "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
  });
}

async function createdJob(): Promise<{ job: JobRef }> {
  const h = providerHarness("bedrock");
  const { jobs } = await createBatch(h, TWO);
  return { job: jobs[0]! };
}

describe("bedrock adapter: configuration", () => {
  it("has no Files API and names every missing variable", () => {
    expect(bedrockAdapter.name).toBe("bedrock");
    expect(bedrockAdapter.files).toBeUndefined();
    expect(() => bedrockAdapter.assertConfigured({})).toThrow(
      "Provider bedrock is not configured: set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, BEDROCK_BATCH_S3_URI, BEDROCK_BATCH_ROLE_ARN",
    );
    expect(() => bedrockAdapter.assertConfigured(providerHarness("bedrock").ctx.env)).not.toThrow();
  });

  it("refuses to begin a batch unconfigured, with a 400 invalid_request_error", () => {
    const h = providerHarness("bedrock", { env: { BEDROCK_BATCH_ROLE_ARN: "" } });
    let thrown: unknown;
    try {
      planBatch(bedrockAdapter.batches, h.ctx, { batchId: BATCH_ID, sink: { record: async () => {} }, files: new Map() });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).toBody()).toEqual({
      type: "error",
      error: {
        type: "invalid_request_error",
        message: "Provider bedrock is not configured: set BEDROCK_BATCH_ROLE_ARN (Worker secrets or vars; the README's Bedrock section says what to create in AWS)",
      },
    });
  });

  it("uses the region's AWS endpoints, path-style S3, when no base URL is set", async () => {
    const h = providerHarness("bedrock", { env: { BEDROCK_BASE_URL: "", S3_BASE_URL: "" } });
    await createBatch(h, TWO);
    expect(h.urls).toEqual([
      `https://s3.us-east-1.amazonaws.com/${BUCKET}/batches/${BATCH_ID}/1-anthropic.claude-3-haiku-20240307-v1_0.jsonl`,
      "https://bedrock.us-east-1.amazonaws.com/model-invocation-job",
    ]);
  });

  it("signs with temporary credentials when AWS_SESSION_TOKEN is set", async () => {
    const h = providerHarness("bedrock", { env: { AWS_SESSION_TOKEN: "session-token-1" }, fake: { sessionToken: "session-token-1" } });
    const { jobs } = await createBatch(h, TWO);
    expect(jobs).toHaveLength(1);
    expect(h.fake.calls.every((call) => call.headers["x-amz-security-token"] === "session-token-1")).toBe(true);

    const without = providerHarness("bedrock", { fake: { sessionToken: "session-token-1" } });
    const error = await failure(createBatch(without, TWO));
    expect(error.message).toBe("bedrock upstream error (HTTP 400): InvalidToken: The provided token is malformed or otherwise invalid.");
  });
});

describe("bedrock adapter: AWS errors become Anthropic errors", () => {
  it("a wrong secret: S3 refuses the signature (403), and the secret is never shown", async () => {
    const h = providerHarness("bedrock", { env: { AWS_SECRET_ACCESS_KEY: "not-the-secret" } });
    const error = await failure(createBatch(h, TWO));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.toBody()).toEqual({
      type: "error",
      error: {
        type: "permission_error",
        message:
          "bedrock upstream error (HTTP 403): SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      },
    });
    expect(error.message).not.toContain("not-the-secret");
    expect(error.message).not.toContain(SECRET_ACCESS_KEY);
  });

  it("a wrong secret: the control plane refuses the signature, without the canonical request", async () => {
    const { job } = await createdJob();
    const h = providerHarness("bedrock", { env: { AWS_SECRET_ACCESS_KEY: "not-the-secret" } });
    const error = await failure(bedrockAdapter.batches.retrieve(h.ctx, job));
    expect(error.status).toBe(403);
    expect(error.message).toBe(
      "bedrock upstream error (HTTP 403): InvalidSignatureException: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  });

  it("an unknown access key is named as such by S3 and by Bedrock", async () => {
    const s3 = await failure(createBatch(providerHarness("bedrock", { env: { AWS_ACCESS_KEY_ID: "AKIDUNKNOWN" } }), TWO));
    expect(s3.message).toBe("bedrock upstream error (HTTP 403): InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records.");
    const { job } = await createdJob();
    const control = await failure(bedrockAdapter.batches.retrieve(providerHarness("bedrock", { env: { AWS_ACCESS_KEY_ID: "AKIDUNKNOWN" } }).ctx, job));
    expect(control.message).toBe("bedrock upstream error (HTTP 403): UnrecognizedClientException: The security token included in the request is invalid.");
  });

  it("404: a job Bedrock does not know, a bucket that does not exist", async () => {
    const h = providerHarness("bedrock");
    const ghost: JobRef = {
      slot: "x#1",
      nativeId: "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/zzzzzzzzzzzz",
      model: "m",
      requestCount: 2,
      data: { bucket: BUCKET, inputKey: "i", outputKey: "o", manifestKey: "m" },
    };
    const job = await failure(bedrockAdapter.batches.retrieve(h.ctx, ghost));
    expect(job.toBody().error).toEqual({
      type: "not_found_error",
      message: "bedrock upstream error (HTTP 404): batch inference job arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/zzzzzzzzzzzz no longer exists",
    });
    const bucket = await failure(createBatch(providerHarness("bedrock", { env: { BEDROCK_BATCH_S3_URI: "s3://missing-bucket/batches/" } }), TWO));
    expect(bucket.toBody().error).toEqual({ type: "not_found_error", message: "bedrock upstream error (HTTP 404): NoSuchBucket: The specified bucket does not exist." });
  });

  it("429: ThrottlingException, and ServiceQuotaExceededException (a 400 from AWS) as a rate limit", async () => {
    const { job } = await createdJob();
    const throttled = providerHarness("bedrock", { intercept: () => awsJsonError(429, "ThrottlingException", "Too many requests, please wait before trying again.") });
    const error = await failure(bedrockAdapter.batches.retrieve(throttled.ctx, job));
    expect(error.toBody().error).toEqual({ type: "rate_limit_error", message: "bedrock upstream error (HTTP 429): ThrottlingException: Too many requests, please wait before trying again." });

    const quota = providerHarness("bedrock", { intercept: (req) =>
      new URL(req.url).pathname.endsWith("/model-invocation-job") ? awsJsonError(400, "ServiceQuotaExceededException", "You have reached the maximum number of batch inference jobs.") : undefined });
    const quotaError = await failure(createBatch(quota, TWO));
    expect(quotaError.toBody().error).toEqual({
      type: "rate_limit_error",
      message: "bedrock upstream error (HTTP 429): ServiceQuotaExceededException: You have reached the maximum number of batch inference jobs.",
    });
    // The input written before the refused create is removed again.
    expect(quota.fake.objectKeys(BUCKET)).toEqual([]);
  });

  it("400: a ValidationException keeps its message", async () => {
    const h = providerHarness("bedrock", { intercept: (req) =>
      new URL(req.url).pathname.endsWith("/model-invocation-job")
        ? awsJsonError(400, "ValidationException", "The provided model identifier is invalid.")
        : undefined });
    const error = await failure(createBatch(h, TWO));
    expect(error.toBody().error).toEqual({ type: "invalid_request_error", message: "bedrock upstream error (HTTP 400): ValidationException: The provided model identifier is invalid." });
  });

  it("500: InternalServerException from Bedrock, InternalError (XML) from S3", async () => {
    const { job } = await createdJob();
    const control = providerHarness("bedrock", { intercept: () => awsJsonError(500, "InternalServerException", "Internal server error") });
    expect((await failure(bedrockAdapter.batches.retrieve(control.ctx, job))).toBody().error).toEqual({
      type: "api_error",
      message: "bedrock upstream error (HTTP 500): InternalServerException: Internal server error",
    });
    const s3 = providerHarness("bedrock", { intercept: () =>
      new Response("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>", {
        status: 500,
        headers: { "content-type": "application/xml" },
      }) });
    expect((await failure(allResults(s3, job))).toBody().error).toEqual({
      type: "api_error",
      message: "bedrock upstream error (HTTP 500): InternalError: We encountered an internal error. Please try again.",
    });
  });

  it("a 2xx answer that is not JSON, a results line that is not JSON, and no answer at all", async () => {
    const { job } = await createdJob();
    const html = providerHarness("bedrock", { intercept: () => new Response("<html>gateway timeout</html>", { status: 200 }) });
    expect((await failure(bedrockAdapter.batches.retrieve(html.ctx, job))).toBody().error).toEqual({
      type: "api_error",
      message: "bedrock upstream error (HTTP 502): malformed response: the body was not JSON (not passed on)",
    });

    const garbled = providerHarness("bedrock", { intercept: () => new Response("{not json}\n") });
    expect((await failure(allResults(garbled, job))).message).toBe(
      `bedrock upstream error (HTTP 502): malformed batch output in s3://${BUCKET}/${job.data.outputKey}: a line is not JSON`,
    );

    const offline = providerHarness("bedrock", { intercept: () => {
      throw new TypeError("connection refused");
    } });
    expect((await failure(bedrockAdapter.batches.retrieve(offline.ctx, job))).toBody().error).toEqual({
      type: "api_error",
      message: "bedrock upstream error (HTTP 0): could not reach the provider (connection refused)",
    });
  });
});

/** Bedrock's test side (with S3): its fake, how the gateway is pointed at it, its harness and contract entries. */
import { AwsClient } from "aws4fetch";
import { createFakeBedrock, type FakeBedrock, type FakeBedrockOptions } from "../fakes/bedrock/index.ts";
import { getJson, json, MCP, messageRequest, testProvider, type Fetch } from "./types.ts";

/** The unit harness's Bedrock fake: account, bucket and role, and the origin the adapter is pointed at. */
export const BEDROCK = {
  accessKeyId: "AKIDBEDROCKTEST",
  secretAccessKey: "bedrock-test-secret",
  region: "us-east-1",
  bucket: "batchbridge-test",
  roleArn: "arn:aws:iam::123456789012:role/BedrockBatch",
  origin: "https://fake.aws.test",
} as const;

/** The worker and e2e tests' account. */
const TEST = { accessKeyId: "AKIDTESTBATCHBRIDGE", secretAccessKey: "test-aws-secret-key", region: "us-east-1" } as const;
/** The simulator's own account: it accepts only this, as the real service would. */
const SIMULATOR = { accessKeyId: "AKIDBATCHBRIDGESIM", secretAccessKey: "simulator-aws-secret-key", region: "us-east-1" } as const;
const SIMULATOR_BUCKET = "batchbridge-simulator";

const AWS_TYPE: Record<number, string> = { 429: "ThrottlingException", 500: "InternalServerException" };

const credentials = (account: typeof TEST | typeof SIMULATOR) => ({
  AWS_ACCESS_KEY_ID: account.accessKeyId,
  AWS_SECRET_ACCESS_KEY: account.secretAccessKey,
  AWS_REGION: account.region,
});

// The fake served over HTTP takes its control plane under /bedrock, the runtime under
// /bedrock-runtime and S3 under /s3.
const servedAt = (url: string) => ({ BEDROCK_BASE_URL: `${url}/bedrock`, BEDROCK_RUNTIME_BASE_URL: `${url}/bedrock-runtime`, S3_BASE_URL: `${url}/s3` });

export const bedrock = testProvider<FakeBedrock, FakeBedrockOptions>({
  name: "bedrock",
  devKey: "AWS_ACCESS_KEY_ID",
  // minRecordsPerJob matches BEDROCK_BATCH_MIN_RECORDS below (Bedrock's own quota, lowered as an account may).
  fake: () => createFakeBedrock({ ...TEST, minRecordsPerJob: 2 }),
  worker: {
    hosts: ["bedrock.fake", "bedrock-runtime.fake", "s3.fake"],
    bindings: {
      ...credentials(TEST),
      BEDROCK_BASE_URL: "https://bedrock.fake",
      BEDROCK_RUNTIME_BASE_URL: "https://bedrock-runtime.fake",
      S3_BASE_URL: "https://s3.fake",
      BEDROCK_BATCH_S3_URI: "s3://batchbridge-test/batches/",
      BEDROCK_BATCH_ROLE_ARN: "arn:aws:iam::123456789012:role/BatchBridgeBedrockBatch",
      BEDROCK_BATCH_MIN_RECORDS: "2",
    },
  },
  servedVars: (url) => ({
    ...credentials(TEST),
    ...servedAt(url),
    BEDROCK_BATCH_S3_URI: "s3://batchbridge-test/batches/",
    BEDROCK_BATCH_ROLE_ARN: "arn:aws:iam::123456789012:role/BatchBridgeBedrockBatch",
    BEDROCK_BATCH_MIN_RECORDS: "2",
  }),
  simulator: {
    // One record is enough here (real Bedrock asks for 100 per job), so that the README's
    // few-request examples run on Bedrock too; the gateway is told the same minimum below.
    fake: () => createFakeBedrock({ ...SIMULATOR, buckets: [SIMULATOR_BUCKET], minRecordsPerJob: 1 }),
    vars: (url) => ({
      ...credentials(SIMULATOR),
      ...servedAt(url),
      BEDROCK_BATCH_S3_URI: `s3://${SIMULATOR_BUCKET}/batches/`,
      BEDROCK_BATCH_ROLE_ARN: "arn:aws:iam::123456789012:role/BatchBridgeSimulator",
      BEDROCK_BATCH_MIN_RECORDS: "1",
    }),
    poll: pollBedrock,
  },
  harness: {
    key: BEDROCK.secretAccessKey,
    env: {
      AWS_ACCESS_KEY_ID: BEDROCK.accessKeyId,
      AWS_SECRET_ACCESS_KEY: BEDROCK.secretAccessKey,
      AWS_REGION: BEDROCK.region,
      BEDROCK_BATCH_S3_URI: `s3://${BEDROCK.bucket}/batches/`,
      BEDROCK_BATCH_ROLE_ARN: BEDROCK.roleArn,
      BEDROCK_BASE_URL: `${BEDROCK.origin}/bedrock`,
      BEDROCK_RUNTIME_BASE_URL: `${BEDROCK.origin}/bedrock-runtime`,
      S3_BASE_URL: `${BEDROCK.origin}/s3`,
      BEDROCK_BATCH_MIN_RECORDS: "2",
      // InvokeModel's retries back off from 1 ms.
      UPSTREAM_RETRY_BASE_MS: "1",
    },
    fake: (options) =>
      createFakeBedrock({
        accessKeyId: BEDROCK.accessKeyId,
        secretAccessKey: BEDROCK.secretAccessKey,
        region: BEDROCK.region,
        buckets: [BEDROCK.bucket],
        minRecordsPerJob: 2,
        ...options,
      }),
  },
  contract: {
    configVar: "BEDROCK_BATCH_S3_URI",
    model: "claude-3-haiku-20240307",
    refused: messageRequest("refused", "claude-3-haiku-20240307", "hi", MCP),
    upstreamError: (status, message) =>
      json(status, { message }, { "x-amzn-errortype": `${AWS_TYPE[status] ?? "InternalServerException"}:http://internal.amazon.com/coral/com.amazon.bedrock/` }),
  },
});

// Lists every job page by page and GETs each one still running (signed, as the fake requires).
async function pollBedrock(fetch: Fetch): Promise<void> {
  const aws = new AwsClient({ ...SIMULATOR, service: "bedrock" });
  const signed: Fetch = async (request) => fetch(await aws.sign(request));
  const running = new Set(["Submitted", "Validating", "Scheduled", "InProgress", "Stopping"]);
  let token = "";
  for (;;) {
    const page = await getJson<{ invocationJobSummaries: { jobArn: string; status: string }[]; nextToken?: string }>(
      signed,
      `/bedrock/model-invocation-jobs?maxResults=1000${token ? `&nextToken=${token}` : ""}`,
    );
    for (const job of page.invocationJobSummaries) {
      if (running.has(job.status)) await getJson(signed, `/bedrock/model-invocation-job/${encodeURIComponent(job.jobArn)}`);
    }
    if (!page.nextToken) return;
    token = page.nextToken;
  }
}

/**
 * Runs the Bedrock adapter against the Bedrock fake: an environment pointing at the fake, a
 * context whose `fetch` is the fake's, a sink recording artifacts, and helpers to drive a batch.
 */
import { check, planBatch } from "../plan-batch";
import { bedrockAdapter } from "../../../src/providers/bedrock/index";
import type { JobStatus, ProviderContext, ProviderEnv } from "../../../src/providers/types";
import type { Artifact } from "../../../src/domain/artifact";
import type { BatchRequest } from "../../../src/domain/batch-request";
import type { BatchResultLine } from "../../../src/domain/batch-result";
import type { JobRef } from "../../../src/domain/job-record";
import { createFakeBedrock, type FakeBedrock, type FakeBedrockOptions } from "../../fakes/bedrock/index.ts";

export const ACCESS_KEY_ID = "AKIDBEDROCKTEST";
export const SECRET_ACCESS_KEY = "bedrock-test-secret";
export const REGION = "us-east-1";
export const BUCKET = "batchbridge-test";
export const ROLE_ARN = "arn:aws:iam::123456789012:role/BedrockBatch";
export const BATCH_ID = "msgbatch_01TEST";
export const HAIKU = "anthropic.claude-3-haiku-20240307-v1:0";
export const SONNET = "anthropic.claude-3-5-sonnet-20241022-v2:0";

export const BASE_ENV: ProviderEnv = {
  AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
  AWS_REGION: REGION,
  BEDROCK_BATCH_S3_URI: `s3://${BUCKET}/batches/`,
  BEDROCK_BATCH_ROLE_ARN: ROLE_ARN,
  BEDROCK_BASE_URL: "https://fake.aws.test/bedrock",
  BEDROCK_RUNTIME_BASE_URL: "https://fake.aws.test/bedrock-runtime",
  S3_BASE_URL: "https://fake.aws.test/s3",
  BEDROCK_BATCH_MIN_RECORDS: "2",
  // InvokeModel's retries back off from 1 ms.
  UPSTREAM_RETRY_BASE_MS: "1",
};

export interface Harness {
  fake: FakeBedrock;
  ctx: ProviderContext;
  artifacts: Artifact[];
  /** Every URL the adapter fetched, in order. */
  urls: string[];
}

/**
 * A fake and a context for the adapter. `intercept` may answer a request instead of the fake.
 *
 * @example
 * const { fake, ctx } = harness({ BEDROCK_BATCH_MIN_RECORDS: "3" });
 */
export function harness(env: ProviderEnv = {}, options: FakeBedrockOptions = {}, intercept?: (request: Request) => Response | undefined): Harness {
  const fake = createFakeBedrock({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, region: REGION, buckets: [BUCKET], minRecordsPerJob: 2, ...options });
  const urls: string[] = [];
  const ctx: ProviderContext = {
    env: { ...BASE_ENV, ...env },
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      urls.push(request.url);
      return intercept?.(request) ?? fake.fetch(request);
    }) as typeof fetch,
    clientBetas: [],
  };
  return { fake, ctx, artifacts: [], urls };
}

/**
 * A Messages request asking `model` to answer `text`.
 *
 * @example
 * request("a", "claude-3-haiku-20240307", "Hello")
 */
export function request(customId: string, model: string, text: string, extra: Record<string, unknown> = {}): BatchRequest {
  return { custom_id: customId, params: { model, max_tokens: 64, messages: [{ role: "user", content: text }], ...extra } };
}

/**
 * Creates a batch through the planner (translate, place, finish); returns the slot of each request and the jobs.
 *
 * @example
 * const { slots, jobs } = await createBatch(h, [request("a", "claude-3-haiku-20240307", "hi")]);
 */
export async function createBatch(h: Harness, requests: BatchRequest[], batchId = BATCH_ID): Promise<{ slots: string[]; jobs: JobRef[] }> {
  const writer = planBatch(bedrockAdapter.batches, h.ctx, {
    batchId,
    sink: { record: async (artifact) => void h.artifacts.push(artifact) },
    files: new Map(),
  });
  const slots: string[] = [];
  for (const item of requests) slots.push(await writer.add(item));
  return { slots, jobs: await writer.finish() };
}

/**
 * Polls a job until it ends (the fake moves one state per GET); returns every status seen.
 *
 * @example
 * const statuses = await pollToEnd(h, jobs[0]);
 */
export async function pollToEnd(h: Harness, job: JobRef): Promise<JobStatus[]> {
  const seen: JobStatus[] = [];
  for (let attempt = 0; attempt < 10; attempt++) {
    const status = await bedrockAdapter.batches.retrieve(h.ctx, job);
    seen.push(status);
    if (status.state === "ended") return seen;
  }
  throw new Error(`job ${job.nativeId} did not end`);
}

/**
 * Every results line of a job.
 *
 * @example
 * const lines = await allResults(h, jobs[0]);
 */
export async function allResults(h: Harness, job: JobRef): Promise<BatchResultLine[]> {
  const lines: BatchResultLine[] = [];
  for await (const line of bedrockAdapter.batches.results(h.ctx, job)) lines.push(line);
  return lines;
}

/**
 * The JSONL line the adapter must write for a request.
 *
 * @example
 * expectedLine(request("a", "claude-3-haiku-20240307", "hi"))
 */
export function expectedLine(item: BatchRequest): string {
  const { model: _model, ...rest } = item.params;
  return JSON.stringify({ recordId: item.custom_id, modelInput: { anthropic_version: "bedrock-2023-05-31", ...rest } });
}

/**
 * Hex SHA-256, to compare with `x-amz-content-sha256`.
 *
 * @example
 * await sha256("") // "e3b0…"
 */
export async function sha256(text: string | Uint8Array): Promise<string> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

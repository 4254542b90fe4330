/**
 * Bedrock's configuration, read from the Worker's environment. Bedrock batch inference reads
 * its input from S3 and writes its output there, through an IAM service role, so all of these
 * are needed before a batch can be created.
 */
import { GatewayError } from "../../lib/errors";
import { positiveIntegerSetting } from "../../lib/positive-integer";
import type { ProviderEnv } from "../types";

export interface BedrockConfig {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | undefined;
  region: string;
  /** The bucket of `BEDROCK_BATCH_S3_URI`. */
  bucket: string;
  /** The key prefix of `BEDROCK_BATCH_S3_URI`: empty, or ending with `/`. */
  prefix: string;
  roleArn: string;
  /** Control plane base URL, without a trailing slash. */
  controlBaseUrl: string;
  /** S3 base URL for path-style requests (`<base>/<bucket>/<key>`), without a trailing slash. */
  s3BaseUrl: string;
  minRecords: number;
  maxRecords: number;
  /** Runtime (InvokeModel) base URL, without a trailing slash. */
  runtimeBaseUrl: string;
  /** `BEDROCK_INVOKE_CONCURRENCY`: InvokeModel calls in flight at once for one batch. */
  invokeConcurrency: number;
  /**
   * `BEDROCK_SMALL_BATCHES`: what becomes of a model's requests below `minRecords`. `invoke`
   * (the default): the gateway runs them one by one with InvokeModel; `refuse`: a 400.
   */
  smallBatches: "invoke" | "refuse";
}

/** The variables without which Bedrock cannot run a batch. */
export const REQUIRED_VARIABLES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "BEDROCK_BATCH_S3_URI", "BEDROCK_BATCH_ROLE_ARN"] as const;

/**
 * AWS's default for the Service Quotas entry "Minimum number of records per batch inference
 * job" (per model; AWS's own examples and the quota list give 100).
 */
export const DEFAULT_MIN_RECORDS = 100;

/**
 * AWS's default for "Records per batch inference job" and "Records per input file per batch
 * inference job" for Claude models: 50,000 (Service Quotas defaults as read by Bedrock batch
 * tooling; some newer models default higher, and accounts can raise it). The gateway writes one
 * input file per job, so both quotas apply.
 */
export const DEFAULT_MAX_RECORDS = 50_000;

/** InvokeModel calls in flight at once when `BEDROCK_INVOKE_CONCURRENCY` is unset. */
export const DEFAULT_INVOKE_CONCURRENCY = 4;

/**
 * The most `BEDROCK_INVOKE_CONCURRENCY` may ask for: a Worker invocation has 6 outgoing
 * connections at once, a 7th waits (see docs/sources/cloudflare.md § Simultaneous outgoing
 * connections: 6 per invocation).
 */
export const MAX_INVOKE_CONCURRENCY = 6;

const SMALL_BATCH_MODES = ["invoke", "refuse"] as const;

// The S3 URI pattern of Bedrock's service model; Bedrock refuses job locations outside it.
const S3_URI = /^s3:\/\/([a-z0-9][-.a-z0-9]{1,61}[a-z0-9])(?:\/((?:[-!_*'().a-zA-Z0-9]+\/)*(?:[-!_*'().a-zA-Z0-9]+)?))?$/;
const ROLE_ARN = /^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role\/.+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * Reads and checks the configuration; throws a 400 `invalid_request_error` naming every
 * variable to set or fix.
 *
 * @example
 * const config = readConfig(ctx.env);
 * config.bucket // "my-bucket" for BEDROCK_BATCH_S3_URI=s3://my-bucket/batches/
 */
export function readConfig(env: ProviderEnv): BedrockConfig {
  const missing = REQUIRED_VARIABLES.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw GatewayError.invalid(
      `Provider bedrock is not configured: set ${missing.join(", ")} (Worker secrets or vars; the README's Bedrock section says what to create in AWS)`,
    );
  }
  const problems: string[] = [];
  const region = env.AWS_REGION ?? "";
  if (!REGION.test(region)) problems.push(`AWS_REGION must be an AWS region such as us-east-1 (got "${region}")`);
  const location = S3_URI.exec(env.BEDROCK_BATCH_S3_URI ?? "");
  if (!location) {
    problems.push(`BEDROCK_BATCH_S3_URI must look like s3://bucket/prefix/ (a bucket name, then letters, digits and -!_*'(). in the prefix)`);
  }
  const roleArn = env.BEDROCK_BATCH_ROLE_ARN ?? "";
  if (!ROLE_ARN.test(roleArn)) problems.push("BEDROCK_BATCH_ROLE_ARN must be an IAM role ARN such as arn:aws:iam::123456789012:role/BedrockBatch");
  const minRecords = positiveInteger(env, "BEDROCK_BATCH_MIN_RECORDS", DEFAULT_MIN_RECORDS, problems);
  const maxRecords = positiveInteger(env, "BEDROCK_BATCH_MAX_RECORDS", DEFAULT_MAX_RECORDS, problems);
  if (minRecords > maxRecords) problems.push(`BEDROCK_BATCH_MIN_RECORDS (${minRecords}) must not exceed BEDROCK_BATCH_MAX_RECORDS (${maxRecords})`);
  const invokeConcurrency = positiveInteger(env, "BEDROCK_INVOKE_CONCURRENCY", DEFAULT_INVOKE_CONCURRENCY, problems);
  if (invokeConcurrency > MAX_INVOKE_CONCURRENCY) problems.push(`BEDROCK_INVOKE_CONCURRENCY must be at most ${MAX_INVOKE_CONCURRENCY} (got ${invokeConcurrency})`);
  const smallBatches = (env.BEDROCK_SMALL_BATCHES || "invoke") as BedrockConfig["smallBatches"];
  if (!SMALL_BATCH_MODES.includes(smallBatches)) problems.push(`BEDROCK_SMALL_BATCHES must be "invoke" or "refuse" (got "${env.BEDROCK_SMALL_BATCHES}")`);
  if (problems.length > 0) throw GatewayError.invalid(`Provider bedrock is misconfigured: ${problems.join("; ")}`);

  const rawPrefix = location?.[2] ?? "";
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? "",
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? "",
    sessionToken: env.AWS_SESSION_TOKEN || undefined,
    region,
    bucket: location?.[1] ?? "",
    prefix: rawPrefix === "" || rawPrefix.endsWith("/") ? rawPrefix : `${rawPrefix}/`,
    roleArn,
    controlBaseUrl: trimSlash(env.BEDROCK_BASE_URL || `https://bedrock.${region}.amazonaws.com`),
    s3BaseUrl: trimSlash(env.S3_BASE_URL || `https://s3.${region}.amazonaws.com`),
    minRecords,
    maxRecords,
    runtimeBaseUrl: trimSlash(env.BEDROCK_RUNTIME_BASE_URL || `https://bedrock-runtime.${region}.amazonaws.com`),
    invokeConcurrency,
    smallBatches,
  };
}

function positiveInteger(env: ProviderEnv, name: string, fallback: number, problems: string[]): number {
  return positiveIntegerSetting(env[name], fallback, (raw) => {
    problems.push(`${name} must be a positive integer (got "${raw}")`);
    return fallback;
  });
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

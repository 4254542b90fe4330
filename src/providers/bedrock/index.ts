/**
 * The Bedrock provider: Anthropic message batches run as Bedrock batch inference (model
 * invocation jobs reading JSONL from S3). Bedrock has no Files API, so there is no `files`
 * member: the service answers the files routes with a 400 for this provider.
 */
import type { ProviderAdapter } from "../types";
import { bedrockBatches } from "./batches";
import { readConfig } from "./config";

/**
 * The Bedrock `ProviderAdapter`.
 *
 * @example
 * bedrockAdapter.assertConfigured(env); // 400 naming AWS_REGION, BEDROCK_BATCH_S3_URI… when unset
 * const line = bedrockAdapter.batches.jobs.translate(request, files, ctx); // planned by core/batch-planner.ts
 */
export const bedrockAdapter: ProviderAdapter = {
  name: "bedrock",
  // Job ARNs and S3 URIs (see docs/sources/security.md § Native ID shapes).
  nativeIdShapes: { patterns: [String.raw`\barn:aws[a-z-]*:[^\s"'<>\\]*`, String.raw`\bs3://[^\s"'<>\\]+`], words: ["arn:", "s3://"] },
  batches: bedrockBatches,
  assertConfigured(env) {
    readConfig(env);
  },
};

/**
 * Which Bedrock model runs a request. Clients name Anthropic models the Anthropic way
 * (`claude-3-5-sonnet-20241022`); Bedrock wants its own model IDs. Bedrock model IDs
 * (`anthropic.…`), cross-region inference profile IDs (`us.anthropic.…`, `eu.`, `apac.`, `jp.`,
 * `au.`, `global.`, `us-gov.`) and ARNs (inference profiles, provisioned models) pass through.
 *
 * Sources for the table: Anthropic's "Claude on Amazon Bedrock" model table
 * (platform.claude.com/docs/en/build-with-claude/claude-on-amazon-bedrock) and AWS's model ID
 * list (docs.aws.amazon.com/bedrock/latest/userguide/models-supported.html). Whether a model
 * supports batch inference in a region is Bedrock's to say: CreateModelInvocationJob refuses
 * it with a ValidationException that the client sees.
 */
import { GatewayError } from "../../lib/errors";

/** Anthropic model name → Bedrock model ID. Aliases resolve to the snapshot Anthropic serves today. */
export const BEDROCK_MODEL_IDS: Readonly<Record<string, string>> = {
  "claude-3-haiku-20240307": "anthropic.claude-3-haiku-20240307-v1:0",
  "claude-3-sonnet-20240229": "anthropic.claude-3-sonnet-20240229-v1:0",
  "claude-3-opus-20240229": "anthropic.claude-3-opus-20240229-v1:0",
  "claude-3-opus-latest": "anthropic.claude-3-opus-20240229-v1:0",
  "claude-3-5-sonnet-20240620": "anthropic.claude-3-5-sonnet-20240620-v1:0",
  "claude-3-5-sonnet-20241022": "anthropic.claude-3-5-sonnet-20241022-v2:0",
  "claude-3-5-sonnet-latest": "anthropic.claude-3-5-sonnet-20241022-v2:0",
  "claude-3-5-haiku-20241022": "anthropic.claude-3-5-haiku-20241022-v1:0",
  "claude-3-5-haiku-latest": "anthropic.claude-3-5-haiku-20241022-v1:0",
  "claude-3-7-sonnet-20250219": "anthropic.claude-3-7-sonnet-20250219-v1:0",
  "claude-3-7-sonnet-latest": "anthropic.claude-3-7-sonnet-20250219-v1:0",
  "claude-sonnet-4-20250514": "anthropic.claude-sonnet-4-20250514-v1:0",
  "claude-sonnet-4-0": "anthropic.claude-sonnet-4-20250514-v1:0",
  "claude-opus-4-20250514": "anthropic.claude-opus-4-20250514-v1:0",
  "claude-opus-4-0": "anthropic.claude-opus-4-20250514-v1:0",
  "claude-opus-4-1-20250805": "anthropic.claude-opus-4-1-20250805-v1:0",
  "claude-opus-4-1": "anthropic.claude-opus-4-1-20250805-v1:0",
  "claude-sonnet-4-5-20250929": "anthropic.claude-sonnet-4-5-20250929-v1:0",
  "claude-sonnet-4-5": "anthropic.claude-sonnet-4-5-20250929-v1:0",
  "claude-haiku-4-5-20251001": "anthropic.claude-haiku-4-5-20251001-v1:0",
  "claude-haiku-4-5": "anthropic.claude-haiku-4-5-20251001-v1:0",
  "claude-opus-4-5-20251101": "anthropic.claude-opus-4-5-20251101-v1:0",
  "claude-opus-4-5": "anthropic.claude-opus-4-5-20251101-v1:0",
  "claude-opus-4-6": "anthropic.claude-opus-4-6-v1",
  "claude-sonnet-4-6": "anthropic.claude-sonnet-4-6",
};

const BEDROCK_ARN = /^arn:aws(-[a-z-]+)?:bedrock:[a-z0-9-]+:\d{12}:[a-z-]+\/[A-Za-z0-9.:_-]+$/;
const ANTHROPIC_MODEL_ID = /^((global|us|us-gov|eu|apac|jp|au|ca)\.)?anthropic\.[a-z0-9-]+(\.[a-z0-9-]+)*(:[a-z0-9-]+){0,2}$/;
const OTHER_BEDROCK_MODEL_ID = /^((global|us|us-gov|eu|apac|jp|au|ca)\.)?[a-z0-9-]+\.[a-z0-9.-]+(:[a-z0-9-]+){0,2}$/;

/**
 * The Bedrock model ID (or profile ID, or ARN) for a request's `model`; a 400 naming the model
 * when it is neither in the table nor a Bedrock identifier of an Anthropic model.
 *
 * @example
 * bedrockModelId("claude-3-5-sonnet-20241022")            // "anthropic.claude-3-5-sonnet-20241022-v2:0"
 * bedrockModelId("us.anthropic.claude-3-haiku-20240307-v1:0") // passes through
 */
export function bedrockModelId(model: string): string {
  const mapped = BEDROCK_MODEL_IDS[model];
  if (mapped) return mapped;
  if (BEDROCK_ARN.test(model) || ANTHROPIC_MODEL_ID.test(model)) return model;
  if (OTHER_BEDROCK_MODEL_ID.test(model)) {
    throw GatewayError.invalid(
      `model: ${model} is not an Anthropic model; batches on provider bedrock send Anthropic Messages bodies, so only Anthropic models (anthropic.…) can run them`,
    );
  }
  throw GatewayError.invalid(
    `model: ${model} is not a model the gateway can map to Bedrock; use a Claude model name it knows (e.g. claude-3-5-sonnet-20241022), ` +
      `or pass a Bedrock model ID (e.g. anthropic.claude-3-5-sonnet-20241022-v2:0), an inference profile ID (e.g. us.anthropic.claude-3-5-sonnet-20241022-v2:0) or an ARN`,
  );
}

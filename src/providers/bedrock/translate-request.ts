/**
 * Anthropic Messages params → one Bedrock batch record. Bedrock runs Anthropic models on the
 * Anthropic request body itself ("InvokeModel" batch records), with two differences: the
 * model is named by the job, not the body (a `model` key is refused), and the body carries
 * `"anthropic_version": "bedrock-2023-05-31"`. Bedrock refuses keys it does not know ("extraneous
 * key [k] is not permitted"), so only the keys of Bedrock's Claude Messages request pass; the
 * rest are refused here, at create time, instead of failing every record in the job.
 *
 * Source: docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html
 * (anthropic_version, anthropic_beta, max_tokens, system, messages, temperature, top_p, top_k,
 * stop_sequences, tools, tool_choice, thinking) and …/batch-inference-data.html (records); see
 * docs/sources/bedrock.md § Claude request body keys. What else Bedrock's Claude takes, and in
 * which form, is in the same file: § metadata.user_id, § stream in a batch record,
 * § anthropic_beta values Bedrock takes, § Structured outputs, § Effort, § max_tokens 0.
 */
import type { BedrockRecord } from "./wire";
import { GatewayError } from "../../lib/errors";
import { refusePrewarm } from "../prewarm";
import type { BatchRequest, MessageParams } from "../../domain/batch-request";
import { bedrockBetas } from "./betas";
import { bedrockModelId } from "./models";

export const BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31";

const PROVIDER = "bedrock";

/** Params that go into `modelInput` unchanged. */
const PASSED_PARAMS = new Set(["max_tokens", "messages", "system", "temperature", "top_p", "top_k", "stop_sequences", "tools", "tool_choice", "thinking"]);

/**
 * Models that refuse `output_config` as an extraneous key: every Claude before Sonnet 4.5, Haiku
 * 4.5 and Opus 4.5 (see docs/sources/bedrock.md § Structured outputs). Newer models, and ARNs
 * that do not say which model they are, are left to Bedrock.
 */
const NO_OUTPUT_CONFIG = /anthropic\.claude-(instant|v2|3-|sonnet-4-2025|opus-4-2025|opus-4-1-)/;

/** Why some params are refused, when there is more to say than "has no equivalent". */
const REFUSED_PARAMS: Readonly<Record<string, string>> = {
  stream: "cannot be used in a batch",
  service_tier: "is not accepted by the Anthropic request body",
  container: "needs Anthropic's code execution container, which is not available",
  mcp_servers: "needs Anthropic's MCP connector, which is not available",
};

/** Content blocks Bedrock's Claude Messages request accepts. */
const CONTENT_BLOCK_TYPES = new Set(["text", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking", "search_result"]);

/**
 * The Bedrock batch record for one batch request: `recordId` is the `custom_id`; `clientBetas`
 * (the client's `anthropic-beta` values) become `modelInput.anthropic_beta`.
 *
 * @example
 * toBedrockRecord({ custom_id: "a", params: { model: "claude-3-haiku-20240307", max_tokens: 10, messages } }, ["context-1m-2025-08-07"])
 * // → { recordId: "a", modelInput: { anthropic_version: "bedrock-2023-05-31", anthropic_beta: ["context-1m-2025-08-07"], max_tokens: 10, messages } }
 */
export function toBedrockRecord(request: BatchRequest, clientBetas: readonly string[] = []): BedrockRecord {
  return { recordId: request.custom_id, modelInput: toModelInput(request.params, clientBetas) };
}

/**
 * The Anthropic body Bedrock runs: the params without `model`, plus `anthropic_version` and the
 * betas Bedrock takes; `metadata` keeps `user_id` only, `stream: false` is dropped, and the beta
 * `output_format` goes as `output_config.format`. Throws a 400 naming the first param, beta or
 * block Bedrock batch inference cannot take.
 *
 * @example
 * toModelInput({ model: "claude-3-haiku-20240307", max_tokens: 10, messages, top_k: 5 })
 * // → { anthropic_version: "bedrock-2023-05-31", max_tokens: 10, messages, top_k: 5 }
 */
export function toModelInput(params: MessageParams, clientBetas: readonly string[] = []): Record<string, unknown> {
  const modelInput: Record<string, unknown> = { anthropic_version: BEDROCK_ANTHROPIC_VERSION };
  const betas = bedrockBetas(clientBetas);
  if (betas.length > 0) modelInput.anthropic_beta = betas;
  refusePrewarm(PROVIDER, params);
  for (const [name, value] of Object.entries(params)) {
    switch (name) {
      case "model":
        continue;
      // A batch record is answered whole: `stream: false` says nothing (true is refused).
      // See docs/sources/bedrock.md § stream in a batch record.
      case "stream":
        if (value === false) continue;
        break;
      case "metadata": {
        const metadata = toMetadata(value);
        if (metadata) modelInput.metadata = metadata;
        continue;
      }
      case "output_config":
      case "output_format":
        checkOutputConfig(params, name);
        modelInput.output_config = toOutputConfig(params);
        continue;
    }
    if (!PASSED_PARAMS.has(name)) throw GatewayError.unsupported(PROVIDER, `params.${name}`, REFUSED_PARAMS[name]);
    modelInput[name] = value;
  }
  checkMessages(params.messages);
  if (Array.isArray(params.system)) checkBlocks(params.system, "params.system");
  if (Array.isArray(params.tools)) checkTools(params.tools);
  return modelInput;
}

// Bedrock's Claude takes `metadata.user_id` and refuses any other key under `metadata`
// (see docs/sources/bedrock.md § metadata.user_id).
function toMetadata(value: unknown): { user_id: unknown } | null {
  if (typeof value !== "object" || value === null) return null;
  for (const key of Object.keys(value)) {
    if (key !== "user_id") throw GatewayError.unsupported(PROVIDER, `params.metadata.${key}`, "is not accepted (Bedrock's Claude takes only metadata.user_id)");
  }
  const userId = (value as { user_id?: unknown }).user_id;
  return userId === undefined || userId === null ? null : { user_id: userId };
}

// Structured outputs and effort ride in `output_config` on Claude 4.5 and later models only;
// older ones refuse the key and every record would fail (see docs/sources/bedrock.md
// § Structured outputs, § Effort).
function checkOutputConfig(params: MessageParams, name: string): void {
  const modelId = bedrockModelId(params.model);
  if (NO_OUTPUT_CONFIG.test(modelId)) {
    throw GatewayError.unsupported(
      PROVIDER,
      `params.${name}`,
      `(structured outputs, effort) is not taken by ${modelId} on Bedrock, only by Claude Sonnet 4.5, Haiku 4.5, Opus 4.5 and later models`,
    );
  }
  const format = (params.output_config as { format?: unknown } | null | undefined)?.format;
  if (params.output_format !== undefined && format !== undefined && format !== null) {
    throw GatewayError.unsupported(PROVIDER, "params.output_format", "cannot be combined with params.output_config.format");
  }
}

// Bedrock documents `output_format` as deprecated in favour of `output_config.format`: the beta
// form is sent as the GA one (see docs/sources/bedrock.md § Structured outputs).
function toOutputConfig(params: MessageParams): Record<string, unknown> {
  const outputConfig = typeof params.output_config === "object" && params.output_config !== null ? { ...(params.output_config as Record<string, unknown>) } : {};
  if (params.output_format !== undefined) outputConfig.format = params.output_format;
  return outputConfig;
}

function checkMessages(messages: unknown[]): void {
  messages.forEach((message, index) => {
    // Bedrock's roles are user and assistant (see docs/sources/bedrock.md § Claude request body keys).
    if ((message as { role?: unknown } | null)?.role === "system") {
      throw GatewayError.unsupported(
        PROVIDER,
        `params.messages.${index}.role`,
        'is "system" (a mid-conversation system message), which Bedrock\'s Claude does not take (only user and assistant)',
      );
    }
    const content = (message as { content?: unknown } | null)?.content;
    if (Array.isArray(content)) checkBlocks(content, `params.messages.${index}.content`);
  });
}

function checkBlocks(blocks: unknown[], path: string): void {
  blocks.forEach((block, index) => {
    if (typeof block !== "object" || block === null) return;
    const { type, source, content } = block as { type?: unknown; source?: unknown; content?: unknown };
    const at = `${path}.${index}`;
    if (typeof type === "string" && !CONTENT_BLOCK_TYPES.has(type)) {
      throw GatewayError.unsupported(PROVIDER, at, `(a ${type} block) is not accepted`);
    }
    checkSource(source, `${at}.source`);
    if (Array.isArray(content)) checkBlocks(content, `${at}.content`);
  });
}

function checkSource(source: unknown, path: string): void {
  if (typeof source !== "object" || source === null) return;
  const { type, content } = source as { type?: unknown; content?: unknown };
  if (type === "file") {
    throw GatewayError.unsupported(PROVIDER, path, "(a file source) cannot be used: there is no Files API");
  }
  if (type === "url") {
    throw GatewayError.unsupported(PROVIDER, path, "(a URL source) is not fetched, send the data as base64");
  }
  if (Array.isArray(content)) checkBlocks(content, `${path}.content`);
}

// Client tools (custom, with an input_schema) run anywhere; Anthropic's server and versioned
// tools (web search, code execution, computer use…) are not available in Bedrock batch jobs.
function checkTools(tools: unknown[]): void {
  tools.forEach((tool, index) => {
    const type = (tool as { type?: unknown } | null)?.type;
    if (type !== undefined && type !== null && type !== "custom") {
      throw GatewayError.unsupported(PROVIDER, `params.tools.${index}`, `(tool type ${String(type)}) is not available to batch jobs`);
    }
  });
}

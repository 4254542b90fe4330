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
 * stop_sequences, tools, tool_choice, thinking) and …/batch-inference-data.html (records).
 */
import { GatewayError } from "../../lib/errors";
import type { BatchRequest, MessageParams } from "../types";

export const BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31";

const PROVIDER = "bedrock";

/** Params that go into `modelInput` unchanged. */
const PASSED_PARAMS = new Set(["max_tokens", "messages", "system", "temperature", "top_p", "top_k", "stop_sequences", "tools", "tool_choice", "thinking"]);

/** Why some params are refused, when there is more to say than "has no equivalent". */
const REFUSED_PARAMS: Readonly<Record<string, string>> = {
  stream: "cannot be used in a batch",
  metadata: "is not accepted by the Anthropic request body",
  service_tier: "is not accepted by the Anthropic request body",
  container: "needs Anthropic's code execution container, which is not available",
  mcp_servers: "needs Anthropic's MCP connector, which is not available",
};

/** Content blocks Bedrock's Claude Messages request accepts. */
const CONTENT_BLOCK_TYPES = new Set(["text", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking", "search_result"]);

/** One line of a Bedrock batch input file. */
export interface BedrockRecord {
  recordId: string;
  modelInput: Record<string, unknown>;
}

/**
 * The Bedrock batch record for one batch request: `recordId` is the `custom_id`.
 *
 * @example
 * toBedrockRecord({ custom_id: "a", params: { model: "claude-3-haiku-20240307", max_tokens: 10, messages } })
 * // → { recordId: "a", modelInput: { anthropic_version: "bedrock-2023-05-31", max_tokens: 10, messages } }
 */
export function toBedrockRecord(request: BatchRequest): BedrockRecord {
  return { recordId: request.custom_id, modelInput: toModelInput(request.params) };
}

/**
 * The Anthropic body Bedrock runs: the params without `model`, plus `anthropic_version`.
 * Throws a 400 naming the first param or block Bedrock batch inference cannot take.
 *
 * @example
 * toModelInput({ model: "claude-3-haiku-20240307", max_tokens: 10, messages, top_k: 5 })
 * // → { anthropic_version: "bedrock-2023-05-31", max_tokens: 10, messages, top_k: 5 }
 */
export function toModelInput(params: MessageParams): Record<string, unknown> {
  const modelInput: Record<string, unknown> = { anthropic_version: BEDROCK_ANTHROPIC_VERSION };
  for (const [name, value] of Object.entries(params)) {
    if (name === "model") continue;
    if (!PASSED_PARAMS.has(name)) throw GatewayError.unsupported(PROVIDER, `params.${name}`, REFUSED_PARAMS[name]);
    modelInput[name] = value;
  }
  checkMessages(params.messages);
  if (Array.isArray(params.system)) checkBlocks(params.system, "params.system");
  if (Array.isArray(params.tools)) checkTools(params.tools);
  return modelInput;
}

function checkMessages(messages: unknown[]): void {
  messages.forEach((message, index) => {
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

/**
 * Anthropic Messages params to one Chat Completions request body (docs/reference/provider-apis.md §7.7), as a pure
 * function. Every param is either translated or refused with a 400 naming it; none is dropped.
 */
import { GatewayError } from "../../lib/errors";
import type { ResolvedFile } from "../types";
import type { MessageParams } from "../../domain/batch-request";
import { baseModelOf, isReasoningModel } from "./models";
import { asRecord, unsupported } from "./refusals";
import { chatMessages, systemMessage } from "./translate-messages";
import { outputParams } from "./translate-output";
import { chatToolChoice, chatTools } from "./translate-tools";
import type { ChatCompletionRequest } from "./wire";

/** `stop` takes at most 4 sequences (docs/reference/provider-apis.md §4.5). */
const MAX_STOP_SEQUENCES = 4;
/** `safety_identifier` takes at most 64 characters (openai-node `ChatCompletionCreateParamsBase`). */
const MAX_SAFETY_IDENTIFIER = 64;

/**
 * The params this translator knows; any other param with a value is refused (`top_k`,
 * `service_tier`, `container`, `mcp_servers`, …).
 */
const KNOWN_PARAMS = new Set([
  "model",
  "max_tokens",
  "messages",
  "system",
  "temperature",
  "top_p",
  "stop_sequences",
  "tools",
  "tool_choice",
  "metadata",
  "thinking",
  "stream",
  "output_config",
  "output_format",
]);

/**
 * The Chat Completions body for one batch request; throws `GatewayError` 400 for anything
 * OpenAI cannot express faithfully.
 *
 * @example
 * toChatCompletion({ model: "gpt-4o-mini", max_tokens: 100, system: "Be brief.", messages: [{ role: "user", content: "Hi" }] }, new Map())
 * // { model: "gpt-4o-mini", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }], max_tokens: 100 }
 */
export function toChatCompletion(params: MessageParams, files: ReadonlyMap<string, ResolvedFile>): ChatCompletionRequest {
  // A loop, not Object.entries(): this runs for every request of a create body.
  for (const key in params) {
    const value = params[key];
    if (!KNOWN_PARAMS.has(key) && value !== undefined && value !== null) throw unsupported(`params.${key}`);
  }
  refuseThinking(params.thinking);
  if (params.stream === true) throw unsupported("params.stream", "is not allowed in a batch");
  if (typeof params.model !== "string" || params.model.length === 0) throw GatewayError.invalid("params.model: must be a string");
  if (!Array.isArray(params.messages)) throw GatewayError.invalid("params.messages: must be an array");

  const reasoning = isReasoningModel(params.model);
  const systemRole = reasoning ? "developer" : "system";
  const body: ChatCompletionRequest = { model: params.model, messages: [] };
  if (params.system !== undefined && params.system !== null) body.messages.push(systemMessage(params.system, systemRole));
  body.messages.push(...chatMessages(params.messages, files, systemRole));

  if (reasoning) body.max_completion_tokens = params.max_tokens;
  else body.max_tokens = params.max_tokens;
  const temperature = samplingParam(params.temperature, "params.temperature", params.model, reasoning);
  if (temperature !== null) body.temperature = temperature;
  const topP = samplingParam(params.top_p, "params.top_p", params.model, reasoning);
  if (topP !== null) body.top_p = topP;
  const stop = stopSequences(params.stop_sequences);
  if (stop && reasoning) {
    // See docs/sources/openai.md § Reasoning models refuse temperature, top_p and stop.
    throw unsupported("params.stop_sequences", `is not supported by model ${params.model} (OpenAI reasoning models refuse stop sequences)`);
  }
  if (stop) body.stop = stop;

  const tools = params.tools === undefined || params.tools === null ? [] : chatTools(params.tools);
  if (tools.length > 0) body.tools = tools;
  if (params.tool_choice !== undefined && params.tool_choice !== null) {
    Object.assign(body, chatToolChoice(params.tool_choice, tools.length > 0));
  }
  if (body.parallel_tool_calls !== undefined && /^o\d/.test(baseModelOf(params.model))) {
    // See docs/sources/openai.md § o-series models refuse parallel_tool_calls.
    throw unsupported(
      "params.tool_choice.disable_parallel_tool_use",
      `is not supported by model ${params.model} (OpenAI's o-series models refuse parallel_tool_calls)`,
    );
  }
  const safetyIdentifier = userId(params.metadata);
  if (safetyIdentifier !== null) body.safety_identifier = safetyIdentifier;
  if (params.output_config !== undefined || params.output_format !== undefined) {
    Object.assign(body, outputParams(params, params.model, baseModelOf(params.model), reasoning));
  }
  return body;
}

function refuseThinking(thinking: unknown): void {
  if (thinking === undefined || thinking === null) return;
  if (asRecord(thinking)?.type === "disabled") return;
  throw unsupported("params.thinking", "(extended thinking) has no equivalent");
}

/**
 * `temperature` or `top_p` as sent, or `null` for none. Reasoning models refuse any value but
 * the default, 1, and some refuse the param even at 1 (o3-mini `temperature`, gpt-5 `top_p`),
 * so 1 is left out (the same answer) and any other value is refused naming the model: see docs/sources/openai.md
 * § Reasoning models refuse temperature, top_p and stop.
 */
function samplingParam(value: unknown, path: string, model: string, reasoning: boolean): number | null {
  if (typeof value !== "number") return null;
  if (!reasoning) return value;
  if (value === 1) return null;
  throw unsupported(path, `is not supported by model ${model} (OpenAI reasoning models take only the default, 1)`);
}

function stopSequences(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw GatewayError.invalid("params.stop_sequences: must be an array of strings");
  }
  if (value.length > MAX_STOP_SEQUENCES) {
    throw unsupported("params.stop_sequences", `has ${value.length} sequences; more than ${MAX_STOP_SEQUENCES} have no equivalent`);
  }
  // No sequences is what OpenAI does without `stop`, which refuses an empty array.
  return value.length > 0 ? value : null;
}

function userId(metadata: unknown): string | null {
  if (metadata === undefined || metadata === null) return null;
  const record = asRecord(metadata);
  if (!record) throw GatewayError.invalid("params.metadata: must be an object");
  for (const [key, value] of Object.entries(record)) {
    if (key !== "user_id" && value !== undefined && value !== null) throw unsupported(`params.metadata.${key}`);
  }
  const id = record.user_id;
  if (id === undefined || id === null) return null;
  if (typeof id !== "string") throw GatewayError.invalid("params.metadata.user_id: must be a string");
  if (id.length > MAX_SAFETY_IDENTIFIER) {
    throw unsupported(
      "params.metadata.user_id",
      `is ${id.length} characters; OpenAI's safety_identifier takes at most ${MAX_SAFETY_IDENTIFIER}, so a longer one has no equivalent`,
    );
  }
  return id;
}

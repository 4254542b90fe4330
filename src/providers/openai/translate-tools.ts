/**
 * Anthropic `tools` and `tool_choice` to Chat Completions function tools (docs/reference/provider-apis.md §7.7).
 * Server tools (`web_search_20250305`, `bash_20250124`, …) run on Anthropic's side and have
 * no chat equivalent, so they are refused.
 */
import { GatewayError } from "../../lib/errors";
import { asRecord, refuseUnknownKeys, unsupported } from "./refusals";
import type { ChatTool, ChatToolChoice } from "./wire";

const TOOL_KEYS = new Set(["type", "name", "description", "input_schema", "cache_control", "strict"]);
const TOOL_CHOICE_KEYS = new Set(["type", "name", "disable_parallel_tool_use"]);

/** OpenAI function names: `a-zA-Z0-9_-`, at most 64 characters (docs/reference/provider-apis.md §4.5). */
const MAX_FUNCTION_NAME = 64;

/**
 * Anthropic custom tools as OpenAI function tools.
 *
 * @example
 * chatTools([{ name: "get_weather", input_schema: { type: "object" } }])
 * // [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }]
 */
export function chatTools(tools: unknown): ChatTool[] {
  if (!Array.isArray(tools)) throw GatewayError.invalid("params.tools: must be an array");
  return tools.map((raw, index) => {
    const path = `params.tools.${index}`;
    const tool = asRecord(raw);
    if (!tool) throw GatewayError.invalid(`${path}: must be an object`);
    if (tool.type !== undefined && tool.type !== null && tool.type !== "custom") {
      throw unsupported(path, `is the Anthropic server tool ${String(tool.type)}, which has no equivalent`);
    }
    refuseUnknownKeys(tool, TOOL_KEYS, path);
    if (typeof tool.name !== "string") throw GatewayError.invalid(`${path}.name: must be a string`);
    if (tool.name.length > MAX_FUNCTION_NAME) {
      throw unsupported(`${path}.name`, `is longer than the ${MAX_FUNCTION_NAME} characters OpenAI allows for a function name`);
    }
    const fn: ChatTool["function"] = { name: tool.name };
    if (typeof tool.description === "string") fn.description = tool.description;
    // A null schema is no schema (null means absent everywhere): OpenAI reads a function
    // without `parameters` as one without arguments.
    if (tool.input_schema !== undefined && tool.input_schema !== null) fn.parameters = tool.input_schema;
    if (typeof tool.strict === "boolean") fn.strict = tool.strict;
    return { type: "function", function: fn };
  });
}

/**
 * `tool_choice` and `disable_parallel_tool_use` as OpenAI's `tool_choice` and `parallel_tool_calls`.
 * Without tools, `auto` and `none` are what OpenAI does anyway and are left out (OpenAI
 * refuses `tool_choice` without `tools`).
 *
 * @example
 * chatToolChoice({ type: "any", disable_parallel_tool_use: true }, true)
 * // { tool_choice: "required", parallel_tool_calls: false }
 */
export function chatToolChoice(
  choice: unknown,
  hasTools: boolean,
): { tool_choice?: ChatToolChoice; parallel_tool_calls?: boolean } {
  const path = "params.tool_choice";
  const record = asRecord(choice);
  if (!record) throw GatewayError.invalid(`${path}: must be an object`);
  refuseUnknownKeys(record, TOOL_CHOICE_KEYS, path);
  let toolChoice: ChatToolChoice;
  switch (record.type) {
    case "auto":
      toolChoice = "auto";
      break;
    case "any":
      toolChoice = "required";
      break;
    case "none":
      toolChoice = "none";
      break;
    case "tool":
      if (typeof record.name !== "string") throw GatewayError.invalid(`${path}.name: must be a string`);
      toolChoice = { type: "function", function: { name: record.name } };
      break;
    default:
      throw GatewayError.invalid(`${path}.type: must be one of auto, any, tool, none`);
  }
  if (!hasTools) {
    if (toolChoice === "auto" || toolChoice === "none") return {};
    throw GatewayError.invalid(`${path}: type ${String(record.type)} needs tools`);
  }
  return record.disable_parallel_tool_use === true
    ? { tool_choice: toolChoice, parallel_tool_calls: false }
    : { tool_choice: toolChoice };
}

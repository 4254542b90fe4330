/**
 * Anthropic Messages params as a Gemini `GenerateContentRequest` (docs/reference/provider-apis.md §5.4, §7.7).
 * Pure, and strict: a param without a faithful Gemini equivalent is refused with its path,
 * never dropped.
 */
import { GatewayError } from "../../lib/errors";
import type { ResolvedFile } from "../types";
import type { MessageParams } from "../../domain/batch-request";
import { onlyKeys, toGeminiContents, toGeminiSystem } from "./translate-content";
import { toThinkingConfig } from "./thinking";
import { withoutNulls } from "./without-nulls";
import { toGeminiParameters } from "./translate-schema";
import type { GeminiFunctionDeclaration, GenerateContentRequest } from "./wire";
import { isRecord } from "../../lib/is-record";
import { PROVIDER } from "./client";

// GenerationConfig.stopSequences: "The set of character sequences (up to 5) that will stop
// output generation" (Gemini API reference, repeated in the SDKs' type docs).
const MAX_STOP_SEQUENCES = 5;

const TRANSLATED = new Set([
  "model",
  "max_tokens",
  "messages",
  "system",
  "temperature",
  "top_p",
  "top_k",
  "stop_sequences",
  "tools",
  "tool_choice",
  "thinking",
  "output_config",
  "output_format",
  "metadata",
  "stream",
]);

/**
 * The Gemini request for one batch request's params; throws `GatewayError` 400 naming the
 * first param Gemini cannot take. The model is not part of the body (it is in the batch URL).
 *
 * @example
 * toGenerateContentRequest({ model: "gemini-2.5-flash", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] }, new Map())
 * // { contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { maxOutputTokens: 64 } }
 */
export function toGenerateContentRequest(given: MessageParams, files: ReadonlyMap<string, ResolvedFile>): GenerateContentRequest {
  const params = withoutNulls(given);
  for (const key of Object.keys(params)) {
    if (!TRANSLATED.has(key)) throw GatewayError.unsupported(PROVIDER, `params.${key}`);
  }
  if (params.stream === true) throw GatewayError.invalid("params.stream: batch requests cannot stream");
  checkMetadata(params.metadata);

  const request: GenerateContentRequest = { contents: toGeminiContents(params.messages, files, "params.messages", params.model) };
  const system = toGeminiSystem(params.system, "params.system");
  if (system) request.systemInstruction = system;

  const declarations = functionDeclarations(params.tools);
  if (declarations.length > 0) request.tools = [{ functionDeclarations: declarations }];
  const toolConfig = functionCallingConfig(params.tool_choice, declarations.length > 0);
  if (toolConfig) request.toolConfig = { functionCallingConfig: toolConfig };

  request.generationConfig = generationConfig(params);
  return request;
}

function generationConfig(params: MessageParams): NonNullable<GenerateContentRequest["generationConfig"]> {
  const config: NonNullable<GenerateContentRequest["generationConfig"]> = { maxOutputTokens: params.max_tokens };
  if (params.temperature !== undefined) config.temperature = numberParam(params.temperature, "params.temperature");
  if (params.top_p !== undefined) config.topP = numberParam(params.top_p, "params.top_p");
  if (params.top_k !== undefined) config.topK = numberParam(params.top_k, "params.top_k");
  if (params.stop_sequences !== undefined) {
    const stops = params.stop_sequences;
    if (!Array.isArray(stops) || stops.some((stop) => typeof stop !== "string")) {
      throw GatewayError.invalid("params.stop_sequences: must be an array of strings");
    }
    if (stops.length > MAX_STOP_SEQUENCES) {
      throw GatewayError.unsupported(PROVIDER, "params.stop_sequences", `has ${stops.length} sequences; Gemini takes at most ${MAX_STOP_SEQUENCES}`);
    }
    if (stops.length > 0) config.stopSequences = stops as string[];
  }
  const output = outputConfig(params.output_config);
  const format = outputFormat(params.output_format, output.format);
  if (format) {
    // Anthropic's structured outputs answer one text block holding the JSON; so does Gemini
    // with a JSON MIME type, constrained by responseJsonSchema (full JSON Schema, unlike the
    // tools' OpenAPI subset). See docs/sources/gemini.md § Structured outputs.
    config.responseMimeType = "application/json";
    config.responseJsonSchema = format.schema;
  }
  const thinking = toThinkingConfig(checkedThinking(params.thinking), output.effort, params.model);
  if (thinking) config.thinkingConfig = thinking;
  return config;
}

/** `output_config`: `format` (structured outputs) and `effort`. */
function outputConfig(given: unknown): { format?: unknown; effort?: unknown } {
  if (given === undefined || given === null) return {};
  if (!isRecord(given)) throw GatewayError.invalid("params.output_config: must be an object");
  const value = withoutNulls(given);
  onlyKeys(value, "params.output_config", ["format", "effort"]);
  return { format: value.format ?? undefined, effort: value.effort ?? undefined };
}

/** The JSON schema of `output_config.format`, or of the earlier beta `output_format`. */
function outputFormat(beta: unknown, format: unknown): { schema: Record<string, unknown> } | undefined {
  if (beta !== undefined && beta !== null && format !== undefined) {
    throw GatewayError.invalid("params.output_format: cannot be given with output_config.format; use output_config.format");
  }
  if (beta !== undefined && beta !== null) return jsonSchemaFormat(beta, "params.output_format");
  if (format !== undefined) return jsonSchemaFormat(format, "params.output_config.format");
  return undefined;
}

function jsonSchemaFormat(given: unknown, at: string): { schema: Record<string, unknown> } {
  if (!isRecord(given)) throw GatewayError.invalid(`${at}: must be an object`);
  const value = withoutNulls(given);
  onlyKeys(value, at, ["type", "schema"]);
  if (value.type !== "json_schema") throw GatewayError.unsupported(PROVIDER, `${at}.type`, `is ${JSON.stringify(value.type)}, which has no equivalent`);
  if (!isRecord(value.schema)) throw GatewayError.invalid(`${at}.schema: must be a JSON Schema object`);
  return { schema: value.schema };
}

// Anthropic's budget_tokens and Gemini's thinkingBudget are both a cap on the tokens spent
// thinking ("sets an upper limit on the number of tokens the model can use for its internal
// thinking process", ai.google.dev thinking guide); includeThoughts returns "thought
// summaries", which is what Claude 4 returns as `thinking` blocks. A budget outside a model's
// range (e.g. 128–32768 on 2.5 Pro) is Gemini's to refuse, per request. What each type becomes
// on each model is thinking.ts's.
function checkedThinking(given: unknown): Record<string, unknown> | undefined {
  if (given === undefined || given === null) return undefined;
  if (!isRecord(given)) throw GatewayError.invalid("params.thinking: must be an object");
  const thinking = withoutNulls(given);
  onlyKeys(thinking, "params.thinking", ["type", "budget_tokens", "display"]);
  if (thinking.display !== undefined && thinking.display !== null && thinking.display !== "summarized") {
    throw GatewayError.unsupported(PROVIDER, "params.thinking.display", `is ${JSON.stringify(thinking.display)}; Gemini returns thought summaries only`);
  }
  switch (thinking.type) {
    case "disabled":
    case "adaptive":
      return thinking;
    case "enabled": {
      const budget = thinking.budget_tokens;
      if (typeof budget !== "number" || !Number.isInteger(budget) || budget < 1) {
        throw GatewayError.invalid("params.thinking.budget_tokens: must be a positive integer");
      }
      return thinking;
    }
    default:
      throw GatewayError.unsupported(PROVIDER, "params.thinking.type", `is ${JSON.stringify(thinking.type)}, which has no equivalent`);
  }
}

function functionDeclarations(tools: unknown): GeminiFunctionDeclaration[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw GatewayError.invalid("params.tools: must be an array");
  return tools.map((given, index) => {
    const at = `params.tools.${index}`;
    if (!isRecord(given)) throw GatewayError.invalid(`${at}: must be an object`);
    const tool = withoutNulls(given);
    if (tool.type !== undefined && tool.type !== null && tool.type !== "custom") {
      throw GatewayError.unsupported(PROVIDER, at, `is the server tool ${JSON.stringify(tool.type)}, which has no equivalent`);
    }
    onlyKeys(tool, at, ["type", "name", "description", "input_schema", "cache_control", "strict"]);
    if (tool.strict === true) throw GatewayError.unsupported(PROVIDER, `${at}.strict`, "(strict schema conformance) has no equivalent");
    if (typeof tool.name !== "string" || tool.name === "") throw GatewayError.invalid(`${at}.name: must be a non-empty string`);
    const declaration: GeminiFunctionDeclaration = { name: tool.name };
    if (typeof tool.description === "string" && tool.description !== "") declaration.description = tool.description;
    const parameters = toGeminiParameters(tool.input_schema, `${at}.input_schema`);
    if (parameters) declaration.parameters = parameters;
    return declaration;
  });
}

function functionCallingConfig(
  given: unknown,
  hasTools: boolean,
): NonNullable<GenerateContentRequest["toolConfig"]>["functionCallingConfig"] | undefined {
  if (given === undefined || given === null) return undefined;
  if (!isRecord(given)) throw GatewayError.invalid("params.tool_choice: must be an object");
  const choice = withoutNulls(given);
  onlyKeys(choice, "params.tool_choice", ["type", "name", "disable_parallel_tool_use"]);
  if (choice.disable_parallel_tool_use === true) {
    throw GatewayError.unsupported(PROVIDER, "params.tool_choice.disable_parallel_tool_use", "has no equivalent (Gemini may call several functions at once)");
  }
  if (!hasTools) {
    if (choice.type === "auto" || choice.type === "none") return undefined;
    throw GatewayError.invalid(`params.tool_choice: ${JSON.stringify(choice.type)} needs tools`);
  }
  switch (choice.type) {
    case "auto":
      return { mode: "AUTO" };
    case "any":
      return { mode: "ANY" };
    case "none":
      return { mode: "NONE" };
    case "tool":
      if (typeof choice.name !== "string") throw GatewayError.invalid("params.tool_choice.name: must be a string");
      return { mode: "ANY", allowedFunctionNames: [choice.name] };
    default:
      throw GatewayError.unsupported(PROVIDER, "params.tool_choice.type", `is ${JSON.stringify(choice.type)}, which has no equivalent`);
  }
}

function checkMetadata(metadata: unknown): void {
  if (metadata === undefined || metadata === null) return;
  if (!isRecord(metadata)) throw GatewayError.invalid("params.metadata: must be an object");
  for (const [key, value] of Object.entries(metadata)) {
    if (value !== null && value !== undefined) throw GatewayError.unsupported(PROVIDER, `params.metadata.${key}`);
  }
}

function numberParam(value: unknown, at: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw GatewayError.invalid(`${at}: must be a number`);
  return value;
}

/**
 * Anthropic structured outputs (`output_config.format`, and the earlier beta `output_format`)
 * and `output_config.effort` as Chat Completions `response_format` and `reasoning_effort`, as
 * pure functions.
 *
 * Decisions:
 * - A JSON schema becomes `response_format: {type: "json_schema", json_schema: {name:
 *   "output", schema, strict}}`. `strict: true` (OpenAI's constrained decoding, the guarantee
 *   Anthropic gives) only for a schema strict mode takes: OpenAI refuses the request otherwise.
 *   Any other schema goes as it is with `strict: false`: OpenAI answers JSON following the
 *   schema as best it can, unguaranteed. Rewriting the schema to fit strict mode (every
 *   optional property made required and nullable) would change the answer's shape, so it is
 *   not done. See docs/sources/openai.md § Structured outputs: response_format json_schema and
 *   strict mode.
 * - Effort has meaning only for reasoning models, so on any other model it is refused naming
 *   the model, never dropped. `low`, `medium`, `high` pass as they are; `xhigh` only where
 *   OpenAI takes it (gpt-5.2 and later); only `medium` on gpt-5 chat-latest models; `max`
 *   nowhere. See docs/sources/openai.md
 *   § reasoning_effort: which models take which values.
 */
import { GatewayError } from "../../lib/errors";
import type { MessageParams } from "../../domain/batch-request";
import { asRecord, refuseUnknownKeys, unsupported } from "./refusals";
import type { ChatCompletionRequest } from "./wire";

const OUTPUT_CONFIG_KEYS = new Set(["format", "effort"]);
const FORMAT_KEYS = new Set(["type", "schema"]);
const EFFORTS = ["low", "medium", "high", "xhigh", "max"];

/** The name OpenAI requires on a response format; Anthropic's formats have none. */
export const RESPONSE_FORMAT_NAME = "output";

/** Models older than structured outputs, which refuse a `json_schema` response format. */
const NO_STRUCTURED_OUTPUTS = /^(gpt-3\.5|gpt-4(-|$)|o1-mini|o1-preview)/;
/** gpt-5 chat-latest models, which take only `reasoning_effort: "medium"`. */
const CHAT_LATEST = /^gpt-5(\.\d+)?-chat/;
/** Reasoning models that take no `reasoning_effort`. */
const NO_REASONING_EFFORT = /^o1-(mini|preview)([-.]|$)/;

/** Keywords OpenAI's strict mode refuses. */
const NOT_STRICT = [
  "allOf",
  "not",
  "if",
  "then",
  "else",
  "dependentRequired",
  "dependentSchemas",
  "patternProperties",
  "unevaluatedProperties",
  "unevaluatedItems",
  "propertyNames",
  "contains",
  "minContains",
  "maxContains",
];

type OutputParams = Pick<ChatCompletionRequest, "response_format" | "reasoning_effort">;

/**
 * The `response_format` and `reasoning_effort` for a request's output params (`baseModel` is
 * the model a fine-tune stands for); throws `GatewayError` 400 for what OpenAI cannot take.
 *
 * @example
 * outputParams({ output_config: { effort: "high" } }, "o3", "o3", true) // { reasoning_effort: "high" }
 */
export function outputParams(params: MessageParams, model: string, baseModel: string, reasoning: boolean): OutputParams {
  const out: OutputParams = {};
  const config = params.output_config;
  let format: unknown = null;
  if (config !== undefined && config !== null) {
    const record = asRecord(config);
    if (!record) throw GatewayError.invalid("params.output_config: must be an object");
    refuseUnknownKeys(record, OUTPUT_CONFIG_KEYS, "params.output_config");
    format = record.format ?? null;
    const effort = reasoningEffort(record.effort, model, baseModel, reasoning);
    if (effort !== null) out.reasoning_effort = effort;
  }
  let formatPath = "params.output_config.format";
  if (params.output_format !== undefined && params.output_format !== null) {
    if (format !== null) throw GatewayError.invalid("params.output_format: cannot be combined with params.output_config.format");
    format = params.output_format;
    formatPath = "params.output_format";
  }
  if (format !== null) out.response_format = responseFormat(format, formatPath, model, baseModel);
  return out;
}

function responseFormat(raw: unknown, path: string, model: string, baseModel: string): NonNullable<OutputParams["response_format"]> {
  const format = asRecord(raw);
  if (!format) throw GatewayError.invalid(`${path}: must be an object`);
  if (format.type !== "json_schema") throw GatewayError.invalid(`${path}.type: must be "json_schema"`);
  const schema = asRecord(format.schema);
  if (!schema) throw GatewayError.invalid(`${path}.schema: must be an object`);
  refuseUnknownKeys(format, FORMAT_KEYS, path);
  if (NO_STRUCTURED_OUTPUTS.test(baseModel)) {
    throw unsupported(path, `is not supported by model ${model} (OpenAI structured outputs need gpt-4o, gpt-4.1, o1, o3, gpt-5 or newer)`);
  }
  return { type: "json_schema", json_schema: { name: RESPONSE_FORMAT_NAME, schema, strict: isStrictReady(schema) } };
}

function reasoningEffort(raw: unknown, model: string, baseModel: string, reasoning: boolean): string | null {
  if (raw === undefined || raw === null) return null;
  const path = "params.output_config.effort";
  if (typeof raw !== "string" || !EFFORTS.includes(raw)) throw GatewayError.invalid(`${path}: must be one of ${EFFORTS.join(", ")}`);
  if (!reasoning || NO_REASONING_EFFORT.test(baseModel)) {
    throw unsupported(path, `is not supported by model ${model}, which takes no reasoning_effort`);
  }
  if (raw === "max") {
    throw unsupported(path, `'max' is not supported by model ${model} (no OpenAI chat model is known to take it; use xhigh or high)`);
  }
  if (CHAT_LATEST.test(baseModel) && raw !== "medium") {
    throw unsupported(path, `'${raw}' is not supported by model ${model} (OpenAI's chat-latest models take only medium)`);
  }
  if (raw === "xhigh" && !takesXhigh(baseModel)) {
    throw unsupported(path, `'xhigh' is not supported by model ${model} (OpenAI takes it on gpt-5.2 and later only)`);
  }
  return raw;
}

function takesXhigh(baseModel: string): boolean {
  const minor = /^gpt-5\.(\d+)/.exec(baseModel);
  return minor !== null && Number(minor[1]) >= 2;
}

/**
 * Whether OpenAI's strict mode takes `schema` as it is: an object at the root, every object
 * with `additionalProperties: false` and every property required, no keyword strict mode
 * refuses, all the way down.
 *
 * @example
 * isStrictReady({ type: "object", properties: { a: { type: "string" } }, required: ["a"], additionalProperties: false }) // true
 * isStrictReady({ type: "object", properties: { a: { type: "string" } } })                                           // false
 */
export function isStrictReady(schema: Record<string, unknown>): boolean {
  if (schema.type !== "object") return false;
  const stack: unknown[] = [schema];
  while (stack.length > 0) {
    const node = asRecord(stack.pop());
    if (!node) continue;
    if (NOT_STRICT.some((keyword) => keyword in node)) return false;
    const properties = asRecord(node.properties);
    if (node.type === "object" || properties) {
      if (node.additionalProperties !== false) return false;
      const required = Array.isArray(node.required) ? node.required : [];
      if (Object.keys(properties ?? {}).some((key) => !required.includes(key))) return false;
    }
    stack.push(...Object.values(properties ?? {}), node.items);
    for (const group of ["anyOf", "$defs", "definitions"]) {
      const value = node[group];
      stack.push(...(Array.isArray(value) ? value : Object.values(asRecord(value) ?? {})));
    }
  }
  return true;
}

/**
 * Validates a `/v1/chat/completions` body the way OpenAI does: unknown params, message roles
 * and shapes, content parts, tools and tool choice (docs/reference/provider-apis.md §4.5).
 *
 * The schema is openai-node `src/resources/chat/completions/completions.ts`
 * (`ChatCompletionCreateParamsBase` and the message/part/tool types, read 2026-08). Error
 * wordings: "Unrecognized request argument supplied: top_k" and the `unsupported_parameter`
 * answer to `max_tokens` on reasoning models are confirmed by public reports
 * (xlinx/sd-webui-decadetw-auto-prompt-llm#29, microsoft/clarity-agent#59); the tool-message
 * ordering messages are recalled from OpenAI answers; the rest follow OpenAI's current style
 * (unconfirmed wording, same params and codes).
 */
import { type OpenAIError, invalidType, invalidValue, listOf, missingParameter, record, unknownParameter } from "./http.ts";
import { checkResponseFormat } from "./structured-outputs.ts";

/** Every top-level param of `ChatCompletionCreateParamsBase` (openai-node, 2026-08). */
const PARAMS = new Set([
  "messages",
  "model",
  "audio",
  "frequency_penalty",
  "function_call",
  "functions",
  "logit_bias",
  "logprobs",
  "max_completion_tokens",
  "max_tokens",
  "metadata",
  "modalities",
  "n",
  "parallel_tool_calls",
  "prediction",
  "presence_penalty",
  "prompt_cache_key",
  "prompt_cache_retention",
  "reasoning_effort",
  "response_format",
  "safety_identifier",
  "seed",
  "service_tier",
  "stop",
  "store",
  "stream",
  "stream_options",
  "temperature",
  "tool_choice",
  "tools",
  "top_logprobs",
  "top_p",
  "user",
  "verbosity",
  "web_search_options",
]);

const ROLES = ["system", "assistant", "user", "function", "tool", "developer"];
const MESSAGE_KEYS: Record<string, Set<string>> = {
  system: new Set(["role", "content", "name"]),
  developer: new Set(["role", "content", "name"]),
  user: new Set(["role", "content", "name"]),
  assistant: new Set(["role", "content", "name", "refusal", "tool_calls", "audio", "function_call"]),
  tool: new Set(["role", "content", "tool_call_id"]),
  function: new Set(["role", "content", "name"]),
};
const PART_TYPES: Record<string, string[]> = {
  system: ["text"],
  developer: ["text"],
  tool: ["text"],
  user: ["text", "image_url", "input_audio", "file"],
  assistant: ["text", "refusal"],
};
const FUNCTION_NAME = /^[a-zA-Z0-9_-]+$/;
const MAX_FUNCTION_NAME = 64;

/** Looks up a stored file's purpose by ID (`undefined` when there is no such file). */
export type FilePurposeOf = (fileId: string) => string | undefined;

/**
 * The error OpenAI answers for this body, or `null` when OpenAI would run it.
 *
 * @example
 * validateChatRequest({ model: "gpt-4o", messages: [], top_k: 5 }, () => undefined)
 * // { message: "Unrecognized request argument supplied: top_k", param: null, code: null }
 */
export function validateChatRequest(body: Record<string, unknown>, filePurposeOf: FilePurposeOf): OpenAIError | null {
  for (const key of Object.keys(body)) {
    if (!PARAMS.has(key)) return { message: `Unrecognized request argument supplied: ${key}`, param: null, code: null };
  }
  if (body.model === undefined) return missingParameter("model");
  if (typeof body.model !== "string") return invalidType("model", "a string", body.model);
  if (body.messages === undefined) return missingParameter("messages");
  if (!Array.isArray(body.messages)) return invalidType("messages", "an array", body.messages);
  if (body.messages.length === 0) return emptyArray("messages");
  return (
    checkMessages(body.messages, filePurposeOf) ??
    checkNumber(body, "temperature", 0, 2, false) ??
    checkNumber(body, "top_p", 0, 1, false) ??
    checkNumber(body, "frequency_penalty", -2, 2, false) ??
    checkNumber(body, "presence_penalty", -2, 2, false) ??
    checkNumber(body, "n", 1, 128, true) ??
    checkNumber(body, "max_tokens", 1, Number.MAX_SAFE_INTEGER, true) ??
    checkNumber(body, "max_completion_tokens", 1, Number.MAX_SAFE_INTEGER, true) ??
    checkNumber(body, "top_logprobs", 0, 20, true) ??
    checkNumber(body, "seed", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true) ??
    checkTypes(body, "a boolean", "boolean", ["logprobs", "parallel_tool_calls", "store", "stream"]) ??
    checkTypes(body, "a string", "string", ["user", "prompt_cache_key"]) ??
    checkStringLength(body, "safety_identifier", 64) ??
    checkStop(body.stop) ??
    checkMetadata(body.metadata) ??
    checkTools(body.tools) ??
    checkToolChoice(body) ??
    checkResponseFormat(body.response_format, baseModel(body.model)) ??
    checkReasoningParams(body) ??
    checkReasoningEffort(body.reasoning_effort, baseModel(body.model))
  );
}

function checkMessages(messages: unknown[], filePurposeOf: FilePurposeOf): OpenAIError | null {
  for (let index = 0; index < messages.length; index += 1) {
    const error = checkMessage(messages[index], `messages[${index}]`, filePurposeOf);
    if (error) return error;
  }
  return checkToolMessageOrder(messages as Record<string, unknown>[]);
}

function checkMessage(raw: unknown, path: string, filePurposeOf: FilePurposeOf): OpenAIError | null {
  const message = record(raw);
  if (!message) return invalidType(path, "an object", raw);
  if (message.role === undefined) return missingParameter(`${path}.role`);
  if (typeof message.role !== "string" || !ROLES.includes(message.role)) return invalidValue(`${path}.role`, message.role, ROLES);
  const role = message.role;
  const allowed = MESSAGE_KEYS[role] as Set<string>;
  for (const key of Object.keys(message)) if (!allowed.has(key)) return unknownParameter(`${path}.${key}`);

  if (role === "tool") {
    if (message.tool_call_id === undefined) return missingParameter(`${path}.tool_call_id`);
    if (typeof message.tool_call_id !== "string") return invalidType(`${path}.tool_call_id`, "a string", message.tool_call_id);
  }
  if (role === "assistant") {
    if (message.tool_calls !== undefined) {
      const error = checkToolCalls(message.tool_calls, `${path}.tool_calls`);
      if (error) return error;
    }
    const needsContent = message.tool_calls === undefined && message.function_call === undefined;
    if (message.content === undefined || message.content === null) {
      return needsContent ? missingParameter(`${path}.content`) : null;
    }
  } else if (message.content === undefined) {
    return missingParameter(`${path}.content`);
  }
  return checkContent(message.content, role, `${path}.content`, filePurposeOf);
}

function checkContent(content: unknown, role: string, path: string, filePurposeOf: FilePurposeOf): OpenAIError | null {
  if (typeof content === "string") return null;
  if (role === "function") return invalidType(path, "a string", content);
  if (!Array.isArray(content)) return invalidType(path, "one of a string or array of objects", content);
  if (content.length === 0) return emptyArray(path);
  const types = PART_TYPES[role] as string[];
  for (let index = 0; index < content.length; index += 1) {
    const partPath = `${path}[${index}]`;
    const part = record(content[index]);
    if (!part) return invalidType(partPath, "an object", content[index]);
    if (part.type === undefined) return missingParameter(`${partPath}.type`);
    if (typeof part.type !== "string" || !types.includes(part.type)) return invalidValue(`${partPath}.type`, part.type, types);
    const error = checkPart(part, partPath, filePurposeOf);
    if (error) return error;
  }
  return null;
}

function checkPart(part: Record<string, unknown>, path: string, filePurposeOf: FilePurposeOf): OpenAIError | null {
  switch (part.type) {
    case "text":
      return onlyKeys(part, ["type", "text"], path) ?? requiredString(part, "text", path);
    case "refusal":
      return onlyKeys(part, ["type", "refusal"], path) ?? requiredString(part, "refusal", path);
    case "image_url":
      return onlyKeys(part, ["type", "image_url"], path) ?? checkImageUrl(part.image_url, `${path}.image_url`);
    case "input_audio": {
      const audio = record(part.input_audio);
      if (!audio) return part.input_audio === undefined ? missingParameter(`${path}.input_audio`) : invalidType(`${path}.input_audio`, "an object", part.input_audio);
      return onlyKeys(part, ["type", "input_audio"], path) ?? onlyKeys(audio, ["data", "format"], `${path}.input_audio`) ?? requiredString(audio, "data", `${path}.input_audio`);
    }
    default:
      return onlyKeys(part, ["type", "file"], path) ?? checkFile(part.file, `${path}.file`, filePurposeOf);
  }
}

function checkImageUrl(raw: unknown, path: string): OpenAIError | null {
  if (raw === undefined) return missingParameter(path);
  const image = record(raw);
  if (!image) return invalidType(path, "an object", raw);
  const error = onlyKeys(image, ["url", "detail"], path) ?? requiredString(image, "url", path);
  if (error) return error;
  const url = image.url as string;
  if (!/^https?:\/\//.test(url) && !/^data:image\/[a-z0-9.+-]+;base64,/i.test(url)) {
    return {
      message: `Invalid '${path}.url'. Expected a valid URL or a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got a value with an invalid format.`,
      param: `${path}.url`,
      code: "invalid_value",
    };
  }
  if (image.detail !== undefined && !["auto", "low", "high"].includes(image.detail as string)) {
    return invalidValue(`${path}.detail`, image.detail, ["auto", "low", "high"]);
  }
  return null;
}

// A file part names an uploaded file or carries the file itself, never both (openai-node
// `ChatCompletionContentPart.File`). The wording for an unknown file is unconfirmed.
function checkFile(raw: unknown, path: string, filePurposeOf: FilePurposeOf): OpenAIError | null {
  if (raw === undefined) return missingParameter(path);
  const file = record(raw);
  if (!file) return invalidType(path, "an object", raw);
  const error = onlyKeys(file, ["file_id", "file_data", "filename"], path);
  if (error) return error;
  const hasId = file.file_id !== undefined;
  const hasData = file.file_data !== undefined;
  if (hasId === hasData) {
    return {
      message: `Invalid '${path}': expected exactly one of 'file_id' or 'file_data'.`,
      param: path,
      code: "invalid_value",
    };
  }
  if (hasData) return requiredString(file, "file_data", path) ?? optionalString(file, "filename", path);
  const idError = requiredString(file, "file_id", path);
  if (idError) return idError;
  if (filePurposeOf(file.file_id as string) === undefined) {
    return { message: `Invalid file id '${String(file.file_id)}': no such file.`, param: `${path}.file_id`, code: "invalid_value" };
  }
  return null;
}

function checkToolCalls(raw: unknown, path: string): OpenAIError | null {
  if (!Array.isArray(raw)) return invalidType(path, "an array", raw);
  for (let index = 0; index < raw.length; index += 1) {
    const callPath = `${path}[${index}]`;
    const call = record(raw[index]);
    if (!call) return invalidType(callPath, "an object", raw[index]);
    if (call.type !== "function" && call.type !== "custom") return invalidValue(`${callPath}.type`, call.type, ["function", "custom"]);
    const body = call.type as string;
    const error =
      onlyKeys(call, ["id", "type", body], callPath) ?? requiredString(call, "id", callPath);
    if (error) return error;
    const fn = record(call[body]);
    if (!fn) return call[body] === undefined ? missingParameter(`${callPath}.${body}`) : invalidType(`${callPath}.${body}`, "an object", call[body]);
    const fnPath = `${callPath}.${body}`;
    const fnError =
      body === "function"
        ? onlyKeys(fn, ["name", "arguments"], fnPath) ?? requiredString(fn, "name", fnPath) ?? requiredString(fn, "arguments", fnPath)
        : onlyKeys(fn, ["name", "input"], fnPath) ?? requiredString(fn, "name", fnPath) ?? requiredString(fn, "input", fnPath);
    if (fnError) return fnError;
  }
  return null;
}

// Every assistant message with `tool_calls` must be followed by one `tool` message per call,
// and a `tool` message must answer such a call.
function checkToolMessageOrder(messages: Record<string, unknown>[]): OpenAIError | null {
  let pending: Set<string> | null = null;
  let pendingAt = 0;
  for (let index = 0; index < messages.length; index += 1) {
    const message = messages[index] as Record<string, unknown>;
    if (message.role === "tool") {
      if (!pending || !pending.delete(message.tool_call_id as string)) {
        return {
          message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          param: `messages.[${index}].role`,
          code: null,
        };
      }
      continue;
    }
    if (pending && pending.size > 0) return unansweredToolCalls(pending, pendingAt);
    pending = null;
    if (message.role === "assistant" && Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      pending = new Set(message.tool_calls.map((call) => (call as Record<string, unknown>).id as string));
      pendingAt = index;
    }
  }
  return pending && pending.size > 0 ? unansweredToolCalls(pending, pendingAt) : null;
}

function unansweredToolCalls(pending: Set<string>, index: number): OpenAIError {
  return {
    message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(", ")}`,
    param: `messages.[${index}].role`,
    code: null,
  };
}

function checkTools(raw: unknown): OpenAIError | null {
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw)) return invalidType("tools", "an array", raw);
  for (let index = 0; index < raw.length; index += 1) {
    const path = `tools[${index}]`;
    const tool = record(raw[index]);
    if (!tool) return invalidType(path, "an object", raw[index]);
    if (tool.type === undefined) return missingParameter(`${path}.type`);
    if (tool.type !== "function" && tool.type !== "custom") return invalidValue(`${path}.type`, tool.type, ["function", "custom"]);
    const body = tool.type as string;
    const keyError = onlyKeys(tool, ["type", body], path);
    if (keyError) return keyError;
    const fn = record(tool[body]);
    if (!fn) return tool[body] === undefined ? missingParameter(`${path}.${body}`) : invalidType(`${path}.${body}`, "an object", tool[body]);
    const fnPath = `${path}.${body}`;
    const fnError =
      body === "function"
        ? onlyKeys(fn, ["name", "description", "parameters", "strict"], fnPath)
        : onlyKeys(fn, ["name", "description", "format"], fnPath);
    if (fnError) return fnError;
    const nameError = requiredString(fn, "name", fnPath) ?? optionalString(fn, "description", fnPath);
    if (nameError) return nameError;
    const name = fn.name as string;
    if (name.length > MAX_FUNCTION_NAME) {
      return {
        message: `Invalid '${fnPath}.name': string too long. Expected a string with maximum length ${MAX_FUNCTION_NAME}, but got a string with length ${name.length} instead.`,
        param: `${fnPath}.name`,
        code: "string_above_max_length",
      };
    }
    if (!FUNCTION_NAME.test(name)) {
      return {
        message: `Invalid '${fnPath}.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
        param: `${fnPath}.name`,
        code: "invalid_value",
      };
    }
    if (fn.parameters !== undefined && !record(fn.parameters)) return invalidType(`${fnPath}.parameters`, "an object", fn.parameters);
    if (fn.strict !== undefined && fn.strict !== null && typeof fn.strict !== "boolean") {
      return invalidType(`${fnPath}.strict`, "a boolean", fn.strict);
    }
  }
  return null;
}

function checkToolChoice(body: Record<string, unknown>): OpenAIError | null {
  const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
  if (body.parallel_tool_calls !== undefined && !hasTools) {
    return {
      message: "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.",
      param: "parallel_tool_calls",
      code: null,
    };
  }
  const choice = body.tool_choice;
  if (choice === undefined || choice === null) return null;
  if (!hasTools) {
    return {
      message: "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
      param: "tool_choice",
      code: null,
    };
  }
  if (typeof choice === "string") {
    return ["none", "auto", "required"].includes(choice) ? null : invalidValue("tool_choice", choice, ["none", "auto", "required"]);
  }
  const named = record(choice);
  if (!named) return invalidType("tool_choice", "one of a string or object", choice);
  if (named.type === "allowed_tools") return onlyKeys(named, ["type", "allowed_tools"], "tool_choice");
  if (named.type !== "function" && named.type !== "custom") {
    return invalidValue("tool_choice.type", named.type, ["function", "custom", "allowed_tools"]);
  }
  const kind = named.type as string;
  const fn = record(named[kind]);
  if (!fn) return missingParameter(`tool_choice.${kind}`);
  return (
    onlyKeys(named, ["type", kind], "tool_choice") ??
    onlyKeys(fn, ["name"], `tool_choice.${kind}`) ??
    requiredString(fn, "name", `tool_choice.${kind}`)
  );
}

// `max_tokens` is "not compatible with o-series models" (openai-node) and gpt-5 models refuse
// it with this answer (confirmed in public reports).
// Sampling params and stop: see docs/sources/openai.md § Reasoning models refuse temperature,
// top_p and stop. The worst reported answers: o-series and gpt-5 take temperature only at its
// default (1), o3-mini and o1-mini refuse it at any value, top_p and stop are refused at any value.
function checkReasoningParams(body: Record<string, unknown>): OpenAIError | null {
  const base = baseModel(body.model);
  if (!REASONING_MODEL.test(base)) return null;
  if (body.max_tokens !== undefined && body.max_tokens !== null) {
    return {
      message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      param: "max_tokens",
      code: "unsupported_parameter",
    };
  }
  const temperature = body.temperature;
  if (temperature !== undefined && temperature !== null) {
    if (/^o[13]-mini([-.]|$)/.test(base)) return unsupportedParameter("temperature");
    if (temperature !== 1) {
      return {
        message: `Unsupported value: 'temperature' does not support ${String(temperature)} with this model. Only the default (1) value is supported.`,
        param: "temperature",
        code: "unsupported_value",
      };
    }
  }
  if (body.top_p !== undefined && body.top_p !== null) return unsupportedParameter("top_p");
  // docs/sources/openai.md § o-series models refuse parallel_tool_calls.
  if (/^o\d/.test(base) && body.parallel_tool_calls !== undefined && body.parallel_tool_calls !== null) {
    return unsupportedParameter("parallel_tool_calls");
  }
  if (body.stop !== undefined && body.stop !== null) return unsupportedParameter("stop");
  return null;
}

const CHAT_LATEST = /^gpt-5(\.\d+)?-chat/;
const EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh", "max"];

// `reasoning_effort`: openai-node `ReasoningEffort` lists the values; "not all reasoning models
// support every value". Per model, the worst reported: non-reasoning models, o1-mini and
// o1-preview refuse the param; o-series take low to high; gpt-5 adds minimal; gpt-5.1 takes
// none to high; gpt-5.2 and later none to xhigh; gpt-5 chat-latest models only medium; no
// model is known to take max. See
// docs/sources/openai.md § reasoning_effort: which models take which values.
function checkReasoningEffort(value: unknown, base: string): OpenAIError | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || !EFFORTS.includes(value)) return invalidValue("reasoning_effort", value, EFFORTS);
  if (!REASONING_MODEL.test(base) || /^o1-(mini|preview)([-.]|$)/.test(base)) return unsupportedParameter("reasoning_effort");
  const supported = effortsOf(base);
  if (supported.includes(value)) return null;
  return {
    message: `Unsupported value: 'reasoning_effort' does not support '${value}' with this model. Supported values are: ${listOf(supported)}.`,
    param: "reasoning_effort",
    code: "unsupported_value",
  };
}

function effortsOf(base: string): string[] {
  if (CHAT_LATEST.test(base)) return ["medium"];
  const minor = /^gpt-5\.(\d+)/.exec(base);
  if (minor) return Number(minor[1]) >= 2 ? ["none", "low", "medium", "high", "xhigh"] : ["none", "low", "medium", "high"];
  if (base.startsWith("gpt-5")) return ["minimal", "low", "medium", "high"];
  return ["low", "medium", "high"];
}

/** The o-series and the gpt-5 family, as OpenAI names them (a fine-tune by its base model). */
const REASONING_MODEL = /^(o\d+|gpt-5)([-.]|$)/;

/**
 * The model a name stands for: a fine-tune's base model, else the name.
 *
 * @example
 * baseModel("ft:o4-mini-2025-04-16:acme::x") // "o4-mini-2025-04-16"
 */
export function baseModel(model: unknown): string {
  if (typeof model !== "string") return "";
  return model.startsWith("ft:") ? (model.slice(3).split(":")[0] ?? "") : model;
}

function unsupportedParameter(param: string): OpenAIError {
  return { message: `Unsupported parameter: '${param}' is not supported with this model.`, param, code: "unsupported_parameter" };
}

function checkStop(stop: unknown): OpenAIError | null {
  if (stop === undefined || stop === null || typeof stop === "string") return null;
  if (!Array.isArray(stop)) return invalidType("stop", "one of a string or array of strings", stop);
  if (stop.length === 0) return emptyArray("stop");
  if (stop.length > 4) {
    return {
      message: `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${stop.length} instead.`,
      param: "stop",
      code: "array_above_max_length",
    };
  }
  const index = stop.findIndex((item) => typeof item !== "string");
  return index === -1 ? null : invalidType(`stop[${index}]`, "a string", stop[index]);
}

function checkMetadata(raw: unknown): OpenAIError | null {
  if (raw === undefined || raw === null) return null;
  const metadata = record(raw);
  if (!metadata) return invalidType("metadata", "an object", raw);
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string") return invalidType(`metadata.${key}`, "a string", value);
  }
  return null;
}

function checkNumber(
  body: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
  integer: boolean,
): OpenAIError | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  const kind = integer ? "integer" : "decimal";
  if (typeof value !== "number" || (integer && !Number.isInteger(value))) {
    return invalidType(key, integer ? "an integer" : "a decimal", value);
  }
  if (value < min) {
    return {
      message: `Invalid '${key}': ${kind} below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
      param: key,
      code: `${kind}_below_min_value`,
    };
  }
  if (value > max) {
    return {
      message: `Invalid '${key}': ${kind} above maximum value. Expected a value <= ${max}, but got ${value} instead.`,
      param: key,
      code: `${kind}_above_max_value`,
    };
  }
  return null;
}

function checkTypes(body: Record<string, unknown>, expected: string, type: string, keys: string[]): OpenAIError | null {
  for (const key of keys) {
    const value = body[key];
    if (value !== undefined && value !== null && typeof value !== type) return invalidType(key, expected, value);
  }
  return null;
}

function checkStringLength(body: Record<string, unknown>, key: string, max: number): OpenAIError | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") return invalidType(key, "a string", value);
  if (value.length <= max) return null;
  return {
    message: `Invalid '${key}': string too long. Expected a string with maximum length ${max}, but got a string with length ${value.length} instead.`,
    param: key,
    code: "string_above_max_length",
  };
}

function onlyKeys(object: Record<string, unknown>, keys: string[], path: string): OpenAIError | null {
  for (const key of Object.keys(object)) if (!keys.includes(key)) return unknownParameter(`${path}.${key}`);
  return null;
}

function requiredString(object: Record<string, unknown>, key: string, path: string): OpenAIError | null {
  if (object[key] === undefined) return missingParameter(`${path}.${key}`);
  return typeof object[key] === "string" ? null : invalidType(`${path}.${key}`, "a string", object[key]);
}

function optionalString(object: Record<string, unknown>, key: string, path: string): OpenAIError | null {
  if (object[key] === undefined) return null;
  return typeof object[key] === "string" ? null : invalidType(`${path}.${key}`, "a string", object[key]);
}

function emptyArray(param: string): OpenAIError {
  return {
    message: `Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
    param,
    code: "empty_array",
  };
}

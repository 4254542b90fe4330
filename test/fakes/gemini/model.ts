/**
 * The simulated model (test/fakes/README.md), answering one GenerateContentRequest the way a
 * Gemini batch reports it: a GenerateContentResponse, or a `google.rpc.Status` with a gRPC code.
 *
 * Requests are read with the checks Gemini makes when it runs a request (after the body
 * parsed), with the messages users report from the live API:
 * - roles must be user or model: "Please use a valid role: user, model.";
 * - every part needs one data field: "required oneof field 'data' must have one initialized field";
 * - an OBJECT parameter schema needs properties: "should be non-empty for OBJECT type";
 * - an ARRAY schema needs items: "items: missing field.";
 * - a STRING takes only the formats 'enum' and 'date-time': "format: only 'enum' and 'date-time'
 *   are supported for STRING type" (see docs/sources/gemini.md § Gemini's function schema takes
 *   few formats).
 * - Gemini 3 models refuse a current turn whose first function call of a step comes back
 *   without its `thoughtSignature`: "Function call `<name>` in the `<index>.` content block is
 *   missing a `thought_signature`." (see docs/sources/gemini.md § Gemini 3 requires the
 *   thought signature of each function call); they return a signature with each step's first
 *   function call.
 * - thinking is checked against the model (see docs/sources/gemini.md § How each Gemini model
 *   controls thinking): a `thinkingLevel` before Gemini 3 is "Thinking level is not supported
 *   for this model."; a `thinkingBudget` of 0 on 2.5 Pro or Gemini 3 is "Budget 0 is invalid.
 *   This model only works in thinking mode."; a level and a budget together, or a level the
 *   model has not (medium or minimal on a Gemini 3 Pro), are refused (wording unconfirmed);
 * - with `includeThoughts` the answer starts with a thought summary part, and any thinking
 *   other than a 0 budget reports `thoughtsTokenCount` (proto3: left out when 0);
 * - `responseMimeType: "application/json"` answers `{"echo": <text>}`;
 * - a user text holding `MALFORMED_CALL` ends with `MALFORMED_FUNCTION_CALL`, no content and a
 *   `finishMessage`, as users report of function calls the model could not form (see
 *   docs/sources/gemini.md § Finish reasons that are failures).
 * In a batch these come back as the request's error (code 3), as reported for batch outputs
 * carrying "Please use a valid role: user, model." with status code 3.
 */
import { field } from "./proto.ts";
import { PART_DATA_FIELDS } from "./messages.ts";

/** `google.rpc.Status` as a batch result carries it (a gRPC code). */
export interface Status {
  code: number;
  message: string;
}

/** What one request came to. */
export type Outcome = { response: Record<string, unknown> } | { error: Status };

const INVALID_ARGUMENT = 3;

/**
 * The model's answer to one request (already parsed against the proto).
 *
 * @example
 * answer({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }, "gemini-2.5-flash", "r1")
 * // { response: { candidates: [{ content: { role: "model", parts: [{ text: "echo: hi" }] }, finishReason: "STOP", index: 0 }], … } }
 */
export function answer(request: Record<string, unknown>, model: string, responseId: string): Outcome {
  const problem = semanticProblem(request) ?? signatureProblem(request, model) ?? thinkingProblem(request, model);
  if (problem) return { error: { code: INVALID_ARGUMENT, message: problem } };

  const contents = field(request, "contents") as Array<Record<string, unknown>>;
  const lastUser = [...contents].reverse().find((content) => (field(content, "role") ?? "user") === "user");
  const userText = lastUser ? textOf(lastUser) : "";
  if (userText.includes("FAIL_REQUEST")) {
    return { error: { code: INVALID_ARGUMENT, message: "Simulated failure: the request asked for FAIL_REQUEST." } };
  }

  if (userText.includes("MALFORMED_CALL")) {
    return {
      response: {
        candidates: [{ finishReason: "MALFORMED_FUNCTION_CALL", finishMessage: "Malformed function call: print(default_api.get_weather(city=Paris))", index: 0 }],
        usageMetadata: { promptTokenCount: words(userText), totalTokenCount: words(userText) },
        modelVersion: model,
        responseId,
      },
    };
  }

  const declarations = functionDeclarations(request);
  const generation = field(request, "generation_config");
  const thinkingConfig = field(generation, "thinking_config");
  let parts: Array<Record<string, unknown>>;
  let answerText: string;
  if (field(generation, "response_mime_type") === "application/json") {
    answerText = JSON.stringify({ echo: userText });
    parts = [{ text: answerText }];
  } else if (userText.includes("CALL_TOOL") && declarations.length > 0) {
    const name = String(field(declarations[0], "name"));
    parts = [{ functionCall: { name, args: { city: "Paris" } } }];
    if (isGemini3(model)) parts[0]!.thoughtSignature = btoa(`fake-signature:${responseId}`);
    answerText = "";
  } else {
    answerText = `echo: ${userText}`;
    parts = [{ text: answerText }];
  }
  const finishReason = userText.includes("HIT_MAX_TOKENS") ? "MAX_TOKENS" : "STOP";
  const promptTokens = contents.reduce((sum, content) => sum + words(textOf(content)), 0);
  const outputTokens = words(answerText);
  // Thinking asked for (any config but a 0 budget) costs thought tokens; summaries only with includeThoughts.
  const thinks = thinkingConfig !== undefined && Number(field(thinkingConfig, "thinking_budget") ?? 1) !== 0;
  const thoughtTokens = thinks ? 7 : 0;
  if (thinks && field(thinkingConfig, "include_thoughts") === true) parts.unshift({ text: `Thinking about: ${userText}`, thought: true });
  const usageMetadata: Record<string, number> = { promptTokenCount: promptTokens, totalTokenCount: promptTokens + outputTokens + thoughtTokens };
  // proto3 JSON leaves zero counts out.
  if (outputTokens > 0) usageMetadata.candidatesTokenCount = outputTokens;
  if (thoughtTokens > 0) usageMetadata.thoughtsTokenCount = thoughtTokens;
  return {
    response: {
      candidates: [{ content: { role: "model", parts }, finishReason, index: 0 }],
      usageMetadata,
      modelVersion: model,
      responseId,
    },
  };
}

function semanticProblem(request: Record<string, unknown>): string | undefined {
  const contents = field(request, "contents");
  if (!Array.isArray(contents) || contents.length === 0) return "* GenerateContentRequest.contents: contents is not specified\n";
  for (const [index, content] of contents.entries()) {
    const role = field(content, "role");
    if (role !== undefined && role !== "user" && role !== "model") return "Please use a valid role: user, model.";
    const parts = field(content, "parts");
    if (!Array.isArray(parts) || parts.length === 0) return `* GenerateContentRequest.contents[${index}].parts: contents.parts must not be empty.\n`;
    for (const [partIndex, part] of parts.entries()) {
      const set = PART_DATA_FIELDS.filter((name) => field(part, name) !== undefined && field(part, name) !== null);
      if (set.length === 0) {
        return `* GenerateContentRequest.contents[${index}].parts[${partIndex}].data: required oneof field 'data' must have one initialized field\n`;
      }
    }
  }
  const tools = field(request, "tools");
  for (const [toolIndex, tool] of (Array.isArray(tools) ? tools : []).entries()) {
    const declarations = field(tool, "function_declarations");
    for (const [index, declaration] of (Array.isArray(declarations) ? declarations : []).entries()) {
      const at = `tools[${toolIndex}].function_declarations[${index}]`;
      if (typeof field(declaration, "name") !== "string") return `* GenerateContentRequest.${at}.name: Function name is required\n`;
      const problem = schemaProblem(field(declaration, "parameters"), `${at}.parameters`);
      if (problem) return problem;
    }
  }
  return undefined;
}

function isGemini3(model: string): boolean {
  const major = /^gemini-(\d+)/.exec(model);
  return major !== null && Number(major[1]) >= 3;
}

// The current turn starts at the last user content with something other than function
// responses; in it, the first function call of every model content needs its signature.
function signatureProblem(request: Record<string, unknown>, model: string): string | undefined {
  if (!isGemini3(model)) return undefined;
  const contents = field(request, "contents") as Array<Record<string, unknown>>;
  let start = 0;
  contents.forEach((content, index) => {
    const parts = field(content, "parts") as unknown[];
    const role = field(content, "role") ?? "user";
    if (role === "user" && parts.some((part) => field(part, "function_response") === undefined)) start = index;
  });
  for (let index = start; index < contents.length; index++) {
    const content = contents[index]!;
    if (field(content, "role") !== "model") continue;
    const first = (field(content, "parts") as unknown[]).find((part) => field(part, "function_call") !== undefined);
    if (first !== undefined && !field(first, "thought_signature")) {
      const name = String(field(field(first, "function_call"), "name"));
      return `Function call \`${name}\` in the \`${index}.\` content block is missing a \`thought_signature\`.`;
    }
  }
  return undefined;
}

function thinkingProblem(request: Record<string, unknown>, model: string): string | undefined {
  const config = field(field(request, "generation_config"), "thinking_config");
  if (config === undefined) return undefined;
  const level = field(config, "thinking_level");
  const budget = field(config, "thinking_budget");
  if (level !== undefined && budget !== undefined) return "Thinking budget and thinking level cannot be set at the same time.";
  if (level !== undefined && !isGemini3(model)) return "Thinking level is not supported for this model.";
  if (level !== undefined && /-pro/.test(model) && !["low", "high", "LOW", "HIGH"].includes(String(level))) {
    return `Thinking level ${String(level)} is not supported for this model.`;
  }
  if (Number(budget) === 0 && budget !== undefined && (isGemini3(model) || /^gemini-2\.5-pro/.test(model))) {
    return "Budget 0 is invalid. This model only works in thinking mode.";
  }
  return undefined;
}

function schemaProblem(schema: unknown, at: string): string | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  const type = String(field(schema, "type") ?? "").toUpperCase();
  const properties = field(schema, "properties") as Record<string, unknown> | undefined;
  if (type === "OBJECT" && (!properties || Object.keys(properties).length === 0)) {
    return `* GenerateContentRequest.${at}.properties: should be non-empty for OBJECT type\n`;
  }
  if (type === "ARRAY" && field(schema, "items") === undefined) return `* GenerateContentRequest.${at}.items: missing field.\n`;
  const format = field(schema, "format");
  if (type === "STRING" && format !== undefined && format !== "enum" && format !== "date-time") {
    return `* GenerateContentRequest.${at}.format: only 'enum' and 'date-time' are supported for STRING type\n`;
  }
  for (const [name, property] of Object.entries(properties ?? {})) {
    const problem = schemaProblem(property, `${at}.properties[${name}]`);
    if (problem) return problem;
  }
  return schemaProblem(field(schema, "items"), `${at}.items`);
}

function functionDeclarations(request: Record<string, unknown>): Array<Record<string, unknown>> {
  const tools = field(request, "tools");
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((tool) => {
    const declarations = field(tool, "function_declarations");
    return Array.isArray(declarations) ? declarations : [];
  });
}

function textOf(content: Record<string, unknown>): string {
  const parts = field(content, "parts");
  if (!Array.isArray(parts)) return "";
  return parts
    .map((part) => field(part, "text"))
    .filter((text): text is string => typeof text === "string")
    .join(" ");
}

function words(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

/**
 * The simulated model behind the Bedrock fake (the same behaviour as every fake, see
 * ../README.md), answering one batch record the way Bedrock's InvokeModel answers an Anthropic
 * model: `modelOutput` is an Anthropic Message, and a bad record becomes an error record.
 *
 * Bedrock validates an Anthropic body against its own schema and refuses unknown keys with
 * "Malformed input request: #: extraneous key [k] is not permitted, please reformat your input
 * and try again." and missing ones with "…required key [k] not found…" (messages quoted in
 * Bedrock users' reports). The keys allowed are those of the "Anthropic Claude Messages API"
 * request on Bedrock (docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html):
 * anthropic_version (must be "bedrock-2023-05-31"), anthropic_beta, max_tokens, messages, system,
 * temperature, top_p, top_k, stop_sequences, tools, tool_choice, thinking; `metadata` with
 * `user_id` only (see docs/sources/bedrock.md § metadata.user_id); `output_config` (`format`,
 * `effort`) on Claude 4.5 and later models only (§ Structured outputs, § Effort); message roles
 * `user` and `assistant`; `anthropic_beta` values from Bedrock's list, anything else is
 * "invalid beta flag" (§ anthropic_beta values Bedrock takes). Batch validation
 * itself does not check modelInput ("validation doesn't check if the modelInput value matches
 * the request body for the model", GetModelInvocationJob `status` docs), so these surface per
 * record, as `{errorCode: 400, errorMessage}`.
 */

export const BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31";

/** Betas Bedrock takes (see docs/sources/bedrock.md § anthropic_beta values Bedrock takes). */
const BEDROCK_BETAS = new Set([
  "computer-use-2024-10-22", "computer-use-2025-01-24", "computer-use-2025-11-24", "token-efficient-tools-2025-02-19",
  "interleaved-thinking-2025-05-14", "output-128k-2025-02-19", "dev-full-thinking-2025-05-14", "context-1m-2025-08-07",
  "context-management-2025-06-27", "effort-2025-11-24", "tool-search-tool-2025-10-19", "tool-examples-2025-10-29",
  "compact-2026-01-12", "fine-grained-tool-streaming-2025-05-14", "thinking-binding-controls-2026-08-01",
  "mid-conversation-output-config-2026-07-01", "thinking-display-updates-2026-08-18", "mid-conversation-tool-changes-2026-07-01",
  "dangerous-tool-use-2026-09-03",
]);

/** Models older than Claude 4.5 refuse `output_config` as an extraneous key (docs/sources/bedrock.md § Structured outputs). */
const NO_OUTPUT_CONFIG = /anthropic\.claude-(instant|v2|3-|sonnet-4-2025|opus-4-2025|opus-4-1-)/;

const ALLOWED_KEYS = new Set([
  "anthropic_version",
  "anthropic_beta",
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
  "metadata",
  "output_config",
]);

export type RecordAnswer =
  | { ok: true; output: Record<string, unknown>; inputTokens: number; outputTokens: number }
  | { ok: false; errorCode: number; errorMessage: string };

/**
 * Runs one record's `modelInput` through the simulated model.
 *
 * @example
 * answerRecord({ anthropic_version: "bedrock-2023-05-31", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }, "anthropic.claude-3-haiku-20240307-v1:0");
 * // → { ok: true, output: { type: "message", content: [{ type: "text", text: "echo: hi" }], … } }
 */
export function answerRecord(modelInput: unknown, modelId: string): RecordAnswer {
  const invalid = malformedReason(modelInput, modelId);
  if (invalid) return { ok: false, errorCode: 400, errorMessage: `Malformed input request: ${invalid}, please reformat your input and try again.` };
  const refused = refusedReason(modelInput as Record<string, unknown>);
  if (refused) return { ok: false, errorCode: 400, errorMessage: refused };
  const input = modelInput as { messages: { role: string; content: unknown }[]; tools?: { name?: string }[]; system?: unknown; output_config?: { format?: { schema?: unknown } } };
  const userText = lastUserText(input.messages);
  if (userText.includes("FAIL_REQUEST")) {
    return { ok: false, errorCode: 400, errorMessage: "The model could not process this request (FAIL_REQUEST)." };
  }
  const inputTokens = countWords(input.messages.map((message) => textOf(message.content)).join(" "));
  const firstTool = input.tools?.[0]?.name;
  if (firstTool && userText.includes("CALL_TOOL")) {
    return {
      ok: true,
      output: message(modelId, [{ type: "tool_use", id: `toolu_bdrk_${randomId()}`, name: firstTool, input: { city: "Paris" } }], "tool_use", inputTokens, 1),
      inputTokens,
      outputTokens: 1,
    };
  }
  // A structured output is one text block holding JSON that fits the schema.
  const schema = input.output_config?.format?.schema;
  const text = schema === undefined ? `echo: ${userText}` : JSON.stringify(sampleOf(schema, userText));
  const outputTokens = countWords(text);
  const stopReason = userText.includes("HIT_MAX_TOKENS") ? "max_tokens" : "end_turn";
  return { ok: true, output: message(modelId, [{ type: "text", text }], stopReason, inputTokens, outputTokens), inputTokens, outputTokens };
}

/**
 * The Anthropic model name a Bedrock model ID stands for, as Bedrock puts it in `model`.
 *
 * @example
 * anthropicModelName("us.anthropic.claude-3-5-sonnet-20241022-v2:0") // "claude-3-5-sonnet-20241022"
 */
export function anthropicModelName(modelId: string): string {
  const last = modelId.split("/").pop() ?? modelId;
  return last.replace(/^([a-z-]+\.)?anthropic\./, "").replace(/-v\d+(:\d+)?$/, "");
}

function malformedReason(modelInput: unknown, modelId: string): string | null {
  if (typeof modelInput !== "object" || modelInput === null || Array.isArray(modelInput)) return "#: expected type: JSONObject";
  const input = modelInput as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!ALLOWED_KEYS.has(key) || (key === "output_config" && NO_OUTPUT_CONFIG.test(modelId))) return `#: extraneous key [${key}] is not permitted`;
  }
  for (const key of ["anthropic_version", "max_tokens", "messages"]) {
    if (!(key in input)) return `#: required key [${key}] not found`;
  }
  if (input.anthropic_version !== BEDROCK_ANTHROPIC_VERSION) return `#/anthropic_version: ${JSON.stringify(input.anthropic_version)} is not a valid enum value`;
  if (!Number.isInteger(input.max_tokens) || (input.max_tokens as number) < 1) return "#/max_tokens: expected an integer of at least 1";
  if (!Array.isArray(input.messages) || input.messages.length === 0) return "#/messages: expected minimum item count: 1";
  const badRole = (input.messages as { role?: unknown }[]).findIndex((message) => message?.role !== "user" && message?.role !== "assistant");
  if (badRole >= 0) return `#/messages/${badRole}/role: ${JSON.stringify((input.messages as { role?: unknown }[])[badRole]?.role)} is not a valid enum value`;
  return null;
}

// Checks Bedrock makes in the Anthropic validator's words ("Extra inputs are not permitted",
// see docs/sources/bedrock.md § metadata.user_id) or its own ("invalid beta flag").
function refusedReason(input: Record<string, unknown>): string | null {
  if (input.anthropic_beta !== undefined) {
    if (!Array.isArray(input.anthropic_beta) || input.anthropic_beta.some((beta) => typeof beta !== "string" || !BEDROCK_BETAS.has(beta))) return "invalid beta flag";
  }
  for (const [name, allowed] of [["metadata", ["user_id"]], ["output_config", ["format", "effort"]]] as const) {
    const value = input[name];
    if (value === undefined) continue;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return `${name}: Input should be a valid dictionary`;
    const extra = Object.keys(value).find((key) => !(allowed as readonly string[]).includes(key));
    if (extra) return `${name}.${extra}: Extra inputs are not permitted`;
  }
  const metadata = input.metadata as { user_id?: unknown } | undefined;
  if (metadata && metadata.user_id !== undefined && typeof metadata.user_id !== "string") return "metadata.user_id: Input should be a valid string";
  const format = (input.output_config as { format?: { type?: unknown; schema?: unknown } } | undefined)?.format;
  if (format !== undefined && (format.type !== "json_schema" || typeof format.schema !== "object" || format.schema === null)) {
    return "output_config.format: Input should be a valid json_schema format";
  }
  return null;
}

/** A value that fits a JSON schema: required properties filled, strings echo the user's text. */
function sampleOf(schema: unknown, text: string): unknown {
  const node = (typeof schema === "object" && schema !== null ? schema : {}) as { type?: unknown; enum?: unknown[]; properties?: Record<string, unknown>; required?: string[] };
  if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum[0];
  switch (node.type) {
    case "object":
      return Object.fromEntries((node.required ?? Object.keys(node.properties ?? {})).map((key) => [key, sampleOf(node.properties?.[key], text)]));
    case "array":
      return [];
    case "integer":
    case "number":
      return 0;
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return text;
  }
}

function message(modelId: string, content: unknown[], stopReason: string, inputTokens: number, outputTokens: number): Record<string, unknown> {
  return {
    id: `msg_bdrk_${randomId()}`,
    type: "message",
    role: "assistant",
    model: anthropicModelName(modelId),
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: inputTokens, output_tokens: outputTokens },
  };
}

function lastUserText(messages: { role: string; content: unknown }[]): string {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (message?.role === "user") return textOf(message.content);
  }
  return "";
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block) => (block && typeof block === "object" && (block as { type?: unknown }).type === "text" ? String((block as { text?: unknown }).text ?? "") : ""))
    .filter((text) => text.length > 0)
    .join(" ");
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

function randomId(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 24);
}

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
 * temperature, top_p, top_k, stop_sequences, tools, tool_choice, thinking. Batch validation
 * itself does not check modelInput ("validation doesn't check if the modelInput value matches
 * the request body for the model", GetModelInvocationJob `status` docs), so these surface per
 * record, as `{errorCode: 400, errorMessage}`.
 */

export const BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31";

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
  const invalid = malformedReason(modelInput);
  if (invalid) return { ok: false, errorCode: 400, errorMessage: `Malformed input request: ${invalid}, please reformat your input and try again.` };
  const input = modelInput as { messages: { role: string; content: unknown }[]; tools?: { name?: string }[]; system?: unknown };
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
  const text = `echo: ${userText}`;
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

function malformedReason(modelInput: unknown): string | null {
  if (typeof modelInput !== "object" || modelInput === null || Array.isArray(modelInput)) return "#: expected type: JSONObject";
  const input = modelInput as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!ALLOWED_KEYS.has(key)) return `#: extraneous key [${key}] is not permitted`;
  }
  for (const key of ["anthropic_version", "max_tokens", "messages"]) {
    if (!(key in input)) return `#: required key [${key}] not found`;
  }
  if (input.anthropic_version !== BEDROCK_ANTHROPIC_VERSION) return `#/anthropic_version: ${JSON.stringify(input.anthropic_version)} is not a valid enum value`;
  if (!Number.isInteger(input.max_tokens) || (input.max_tokens as number) < 1) return "#/max_tokens: expected an integer of at least 1";
  if (!Array.isArray(input.messages) || input.messages.length === 0) return "#/messages: expected minimum item count: 1";
  return null;
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

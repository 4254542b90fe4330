/**
 * One Gemini batch result (a responses-file line or an inlined response) as an Anthropic
 * batch result (docs/reference/provider-apis.md §7.3, §7.4, §7.5). Pure: IDs come from the caller.
 */
import type { AnthropicErrorBody } from "../../domain/errors";
import type { BatchResult } from "../../domain/batch-result";
import { erroredBody } from "./google-error";
import { signedToolUseId } from "./thought-signatures";
import type { GeminiBatchResultLine, GeminiPart, GeminiUsage, GenerateContentResponse } from "./wire";

/** Where new IDs come from (random in the adapter, counters in tests). */
export interface IdSource {
  /** A new `msg_…` ID. */
  message(): string;
  /** A new `toolu_…` ID, for a function call that came without an `id`. */
  toolUse(): string;
}

// §7.3: Gemini's safety and policy stops are Anthropic refusals.
const REFUSALS = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT",
  "IMAGE_RECITATION",
]);

/**
 * The Anthropic result for one Gemini result: `{response}` succeeds, `{error}` (a
 * `google.rpc.Status` with a gRPC code) is `errored`.
 *
 * @example
 * toBatchResult({ key: "a", response: { candidates: [{ content: { parts: [{ text: "Hi" }] }, finishReason: "STOP" }] } }, "gemini-2.5-flash", ids)
 * // { type: "succeeded", message: { id: "msg_…", type: "message", role: "assistant", content: [{ type: "text", text: "Hi" }], stop_reason: "end_turn", … } }
 */
export function toBatchResult(line: GeminiBatchResultLine, model: string, ids: IdSource): BatchResult {
  if (line.error) return { type: "errored", error: erroredBody(line.error) };
  if (!line.response) {
    return { type: "errored", error: erroredBody({ code: 2, message: "the batch result has neither a response nor an error" }) };
  }
  return toMessageResult(line.response, model, ids);
}

function toMessageResult(response: GenerateContentResponse, model: string, ids: IdSource): BatchResult {
  const candidate = response.candidates?.[0];
  const failed = failedFinish(candidate);
  if (failed) return { type: "errored", error: failed };
  const content: Array<Record<string, unknown>> = [];
  // Whether the answer calls a tool, noted as blocks are made (no second pass over them).
  let callsTool = false;
  for (const part of candidate?.content?.parts ?? []) {
    const block = toBlock(part, ids);
    if (block === undefined) {
      const kinds = Object.keys(part).filter((key) => key !== "thoughtSignature").join(", ");
      return {
        type: "errored",
        error: erroredBody({ code: 12, message: `the answer has a part (${kinds}) that an Anthropic message cannot carry` }),
      };
    }
    // Not content[-1] when empty: reading index -1 of an array is a named-property lookup up
    // its prototypes, which a profile of the vault write showed on the first block of every line.
    const previous = content.length > 0 ? content[content.length - 1] : undefined;
    // Gemini may split one text over several parts; Anthropic has one block.
    if (block.type === "text" && previous?.type === "text") previous.text = `${previous.text as string}${block.text as string}`;
    else content.push(block);
    if (block.type === "tool_use") callsTool = true;
  }
  const message = {
    id: response.responseId ? `msg_${response.responseId}` : ids.message(),
    type: "message",
    role: "assistant",
    model: response.modelVersion || model,
    content,
    stop_reason: stopReason(candidate?.finishReason, callsTool, response.promptFeedback?.blockReason),
    stop_sequence: null,
    usage: usageOf(response.usageMetadata),
  };
  return { type: "succeeded", message };
}

function toBlock(part: GeminiPart, ids: IdSource): Record<string, unknown> | undefined {
  if (typeof part.text === "string") {
    if (part.thought === true) return { type: "thinking", thinking: part.text, signature: part.thoughtSignature ?? "" };
    return { type: "text", text: part.text };
  }
  if (part.functionCall) {
    const callId = part.functionCall.id || ids.toolUse();
    // Gemini 3 needs the signature back with the call: it travels in the id, which clients send
    // back unchanged (thought-signatures.ts).
    const signature = part.thoughtSignature;
    return {
      type: "tool_use",
      id: signature ? signedToolUseId({ callId, signature }) : callId,
      name: part.functionCall.name,
      input: part.functionCall.args ?? {},
    };
  }
  return undefined;
}

// Finish reasons that mean the model failed to answer, not that it answered (see
// docs/sources/gemini.md § Finish reasons that are failures): an empty success would hide them.
const FAILED_FINISHES: Record<string, { type: "api_error" | "invalid_request_error"; why: string }> = {
  MALFORMED_FUNCTION_CALL: { type: "api_error", why: "the model produced a function call Gemini could not parse" },
  UNEXPECTED_TOOL_CALL: { type: "api_error", why: "the model called a tool, but the request enables none" },
  TOO_MANY_TOOL_CALLS: { type: "api_error", why: "the model called too many tools in a row" },
  MALFORMED_RESPONSE: { type: "api_error", why: "the model's response was malformed" },
  MISSING_THOUGHT_SIGNATURE: { type: "invalid_request_error", why: "a function call in the history is missing its thought signature" },
};

type Candidate = NonNullable<GenerateContentResponse["candidates"]>[number];

function failedFinish(candidate: Candidate | undefined): AnthropicErrorBody | undefined {
  const reason = candidate?.finishReason;
  if (reason === undefined) return undefined;
  const known = FAILED_FINISHES[reason];
  const empty = (candidate?.content?.parts ?? []).length === 0;
  // OTHER (or an unspecified reason) with nothing said is a failure too; with content it ends the turn.
  if (!known && !(empty && (reason === "OTHER" || reason === "FINISH_REASON_UNSPECIFIED"))) return undefined;
  const message = candidate?.finishMessage?.trim() || known?.why || "the model stopped without an answer";
  return { type: "error", error: { type: known?.type ?? "api_error", message: `gemini upstream error (${reason}): ${message}` }, request_id: null };
}

// §7.3. A function call still ends with STOP: tool use is read from the parts. Gemini does
// not say whether a stop sequence was hit, so STOP is end_turn. A prompt blocked before any
// candidate (promptFeedback.blockReason) is a refusal.
function stopReason(finishReason: string | undefined, callsTool: boolean, blockReason: string | undefined): string {
  if (finishReason === "MAX_TOKENS") return "max_tokens";
  if (finishReason !== undefined && REFUSALS.has(finishReason)) return "refusal";
  if (finishReason === undefined && blockReason) return "refusal";
  if (callsTool) return "tool_use";
  return "end_turn";
}

// §7.4: promptTokenCount includes cached tokens; output counts thoughts as Anthropic counts thinking.
function usageOf(usage: GeminiUsage | undefined): Record<string, unknown> {
  const prompt = usage?.promptTokenCount ?? 0;
  const cached = usage?.cachedContentTokenCount ?? 0;
  const thoughts = usage?.thoughtsTokenCount;
  const input = Math.max(0, prompt - cached);
  const output = (usage?.candidatesTokenCount ?? 0) + (thoughts ?? 0);
  // Two literals rather than a spread of an optional part (an object spread per line, in the
  // vault's loop); the keys in the same order either way.
  if (thoughts === undefined) return { input_tokens: input, cache_creation_input_tokens: 0, cache_read_input_tokens: cached, output_tokens: output, service_tier: "batch" };
  // Anthropic's output_tokens includes thinking, and output_tokens_details says how much
  // (see docs/sources/gemini.md § Thinking tokens).
  return {
    input_tokens: input,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
    output_tokens: output,
    output_tokens_details: { thinking_tokens: thoughts },
    service_tier: "batch",
  };
}

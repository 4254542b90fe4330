/**
 * One line of an OpenAI batch output or error file to one Anthropic results line
 * (docs/reference/provider-apis.md §4.4, §7.3, §7.4, §7.5), as pure functions.
 */
import { errorTypeForStatus } from "../../lib/errors";
import type { AnthropicErrorType } from "../../domain/errors";
import type { BatchResult, BatchResultLine } from "../../domain/batch-result";
import { asRecord } from "./refusals";
import type { ChatCompletion, OpenAIBatchOutputLine } from "./wire";

/** Error-file codes for requests that never ran (docs/reference/provider-apis.md §4.4). */
const UNRUN_CODES: Readonly<Record<string, "expired" | "canceled">> = {
  batch_expired: "expired",
  // Seen only in OpenAI-compatible servers (docs/reference/provider-apis.md §4.4, unconfirmed for OpenAI itself).
  batch_cancelled: "canceled",
};

/**
 * The Anthropic result for one output/error-file line.
 *
 * @example
 * toResultLine({ custom_id: "a", response: null, error: { code: "batch_expired", message: "…" } })
 * // { custom_id: "a", result: { type: "expired" } }
 */
export function toResultLine(line: OpenAIBatchOutputLine): BatchResultLine {
  return { custom_id: line.custom_id, result: resultOf(line) };
}

/**
 * `expired` or `canceled` for a line about a request that never ran, else `null`.
 *
 * @example
 * unrunKindOf({ custom_id: "a", response: null, error: { code: "batch_expired" } }) // "expired"
 */
export function unrunKindOf(line: OpenAIBatchOutputLine): "expired" | "canceled" | null {
  if (line.response) return null;
  return UNRUN_CODES[line.error?.code ?? ""] ?? null;
}

function resultOf(line: OpenAIBatchOutputLine): BatchResult {
  const response = line.response;
  if (response) {
    if (response.status_code >= 200 && response.status_code < 300) return succeeded(response.body, line.id);
    const message = asRecord(asRecord(response.body)?.error)?.message;
    return errored(
      errorTypeForStatus(response.status_code),
      typeof message === "string" ? message : `request failed with HTTP ${response.status_code}`,
      response.request_id ?? null,
    );
  }
  const unrun = unrunKindOf(line);
  if (unrun) return { type: unrun };
  if (line.error) {
    const code = line.error.code ?? null;
    return errored(errorTypeForCode(code), line.error.message || code || "request failed", null);
  }
  return errored("api_error", "openai returned a result line with neither a response nor an error", null);
}

function succeeded(body: unknown, lineId: string | undefined): BatchResult {
  const completion = body as ChatCompletion;
  const choice = completion?.choices?.[0];
  if (!choice?.message) return errored("api_error", "openai returned a response that is not a chat completion", null);
  const message = choice.message;

  const content: Record<string, unknown>[] = [];
  if (typeof message.content === "string" && message.content.length > 0) content.push({ type: "text", text: message.content });
  const refusal = typeof message.refusal === "string" && message.refusal.length > 0 ? message.refusal : null;
  if (refusal !== null) content.push({ type: "text", text: refusal });
  // A function call whose arguments the token limit cut off (`finish_reason: "length"` and
  // arguments that do not parse) is left out, and the message ends `max_tokens` with the text
  // and the complete calls: Anthropic ends a cut-off tool use with `max_tokens` too, and the
  // cut input cannot be the object a `tool_use` block carries. Every `tool_use` the client gets
  // stays runnable; a client that checks `stop_reason` retries with more `max_tokens`, as
  // Anthropic advises. See docs/sources/openai.md § Tool arguments cut off by the token limit.
  const cutOff = choice.finish_reason === "length";
  let calledTools = false;
  for (const call of message.tool_calls ?? []) {
    const input = call.type === "function" ? parseArguments(call.function?.arguments) : null;
    if (cutOff && input === null && call.type === "function" && call.function) continue;
    if (!call.function || input === null) {
      return errored("api_error", `openai returned a ${call.type} tool call whose arguments are not a JSON object`, null);
    }
    content.push({ type: "tool_use", id: call.id, name: call.function.name, input });
    calledTools = true;
  }

  return {
    type: "succeeded",
    message: {
      id: `msg_${completion.id ?? lineId ?? ""}`,
      type: "message",
      role: "assistant",
      model: completion.model,
      content,
      stop_reason: stopReason(choice.finish_reason, refusal !== null, calledTools),
      stop_sequence: null,
      usage: usageOf(completion.usage),
    },
  };
}

/**
 * `finish_reason` as `stop_reason` (docs/reference/provider-apis.md §7.3). OpenAI does not say which stop sequence
 * ended a `stop`, so it reads as `end_turn`; a call of a function named by `tool_choice`
 * ends with `stop` and still is `tool_use`.
 */
function stopReason(finishReason: string | null, refused: boolean, calledTools: boolean): string {
  if (refused || finishReason === "content_filter") return "refusal";
  if (finishReason === "length") return "max_tokens";
  if (calledTools || finishReason === "tool_calls" || finishReason === "function_call") return "tool_use";
  return "end_turn";
}

/**
 * Usage per docs/reference/provider-apis.md §7.4, with `output_tokens_details.thinking_tokens` where OpenAI reports
 * reasoning tokens. `cached_tokens` and `cache_write_tokens` are parts of
 * `prompt_tokens`, and Anthropic's `input_tokens` excludes both, so that
 * `input_tokens + cache_creation_input_tokens + cache_read_input_tokens = prompt_tokens`.
 */
function usageOf(usage: ChatCompletion["usage"]): Record<string, unknown> {
  const prompt = usage?.prompt_tokens ?? 0;
  const cacheRead = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrite = usage?.prompt_tokens_details?.cache_write_tokens ?? 0;
  const out: Record<string, unknown> = {
    input_tokens: Math.max(0, prompt - cacheRead - cacheWrite),
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    output_tokens: usage?.completion_tokens ?? 0,
  };
  // Reasoning tokens are part of `completion_tokens`, as thinking tokens are part of Anthropic's
  // `output_tokens` (docs/reference/provider-apis.md §4.6; anthropic-sdk-typescript `OutputTokensDetails`).
  const reasoning = usage?.completion_tokens_details?.reasoning_tokens;
  if (typeof reasoning === "number") out.output_tokens_details = { thinking_tokens: reasoning };
  out.service_tier = "batch";
  return out;
}

function parseArguments(text: string | undefined): Record<string, unknown> | null {
  if (typeof text !== "string") return null;
  try {
    return asRecord(JSON.parse(text));
  } catch {
    return null;
  }
}

/** For a failure outside HTTP (`response: null`), which carries a code and no status. */
function errorTypeForCode(code: string | null): AnthropicErrorType {
  switch (code) {
    case "rate_limit_exceeded":
    case "insufficient_quota":
    case "token_limit_exceeded":
      return "rate_limit_error";
    case "timeout":
      return "timeout_error";
    default:
      return "api_error";
  }
}

function errored(type: AnthropicErrorType, message: string, requestId: string | null): BatchResult {
  return { type: "errored", error: { type: "error", error: { type, message }, request_id: requestId } };
}

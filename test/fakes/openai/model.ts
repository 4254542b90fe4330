/**
 * The simulated model, the same on every fake (test/fakes/README.md): it echoes the last user
 * message, fails on FAIL_REQUEST, calls its first tool on CALL_TOOL, stops for length on
 * HIT_MAX_TOKENS (inside the call's arguments when both are asked), and counts words as tokens. On OpenAI it also answers a `json_schema`
 * response format with JSON matching the schema (see `instanceOf`), and a reasoning model
 * (o-series, gpt-5) reasons one token per input token, counted in the completion tokens as
 * OpenAI counts them (`completion_tokens_details.reasoning_tokens`).
 */
import { baseModel } from "./chat-schema.ts";
import { type OpenAIError, record } from "./http.ts";
import { instanceOf } from "./structured-outputs.ts";

export type ChatAnswer =
  | { ok: true; body: Record<string, unknown>; inputTokens: number; outputTokens: number }
  | { ok: false; status: number; error: OpenAIError };

/** Models the fake knows; anything else is OpenAI's 404 `model_not_found`. */
const KNOWN_MODEL = /^(gpt-|o\d|chatgpt-|ft:)/;

/**
 * The answer to one valid `/v1/chat/completions` body.
 *
 * @example
 * answerChat({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] }, "chatcmpl-1", 1714000000)
 * // { ok: true, body: { …, choices: [{ message: { content: "echo: Hi" }, finish_reason: "stop" }] }, inputTokens: 1, outputTokens: 2 }
 */
export function answerChat(body: Record<string, unknown>, id: string, created: number): ChatAnswer {
  const model = body.model as string;
  if (!KNOWN_MODEL.test(model)) {
    // Wording as OpenAI answers an unknown model (recalled; unconfirmed).
    return {
      ok: false,
      status: 404,
      error: { message: `The model \`${model}\` does not exist or you do not have access to it.`, code: "model_not_found" },
    };
  }
  const messages = body.messages as Record<string, unknown>[];
  const userTexts = messages.filter((message) => message.role === "user").map((message) => textOf(message.content));
  const lastUserText = userTexts[userTexts.length - 1] ?? "";
  const allUserText = userTexts.join("\n");
  if (allUserText.includes("FAIL_REQUEST")) {
    return { ok: false, status: 400, error: { message: "The simulated model failed this request, as FAIL_REQUEST asks.", code: "simulated_failure" } };
  }
  const inputTokens = messages.reduce((sum, message) => sum + words(textOf(message.content)), 0);
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const firstTool = record(record(tools[0])?.function);

  let message: Record<string, unknown>;
  let finishReason: string;
  let outputTokens: number;
  if (firstTool && allUserText.includes("CALL_TOOL")) {
    // With HIT_MAX_TOKENS too, the limit falls inside the arguments, as OpenAI then returns
    // them: cut, not valid JSON, with finish_reason "length" (docs/sources/openai.md § Tool
    // arguments cut off by the token limit).
    const cut = allUserText.includes("HIT_MAX_TOKENS");
    const whole = JSON.stringify({ city: "Paris" });
    const args = cut ? whole.slice(0, whole.length - 5) : whole;
    message = {
      role: "assistant",
      content: null,
      tool_calls: [{ id: `call_${id.slice(-24)}`, type: "function", function: { name: firstTool.name, arguments: args } }],
      refusal: null,
      annotations: [],
    };
    finishReason = cut ? "length" : "tool_calls";
    outputTokens = words(args);
  } else {
    const echo = `echo: ${lastUserText}`;
    const schema = jsonSchemaOf(body.response_format);
    const text = schema === undefined ? echo : JSON.stringify(instanceOf(schema, echo, words(echo)));
    message = { role: "assistant", content: text, refusal: null, annotations: [] };
    finishReason = allUserText.includes("HIT_MAX_TOKENS") ? "length" : "stop";
    outputTokens = words(text);
  }
  const reasoningTokens = REASONING_MODEL.test(baseModel(model)) ? inputTokens : 0;
  outputTokens += reasoningTokens;
  return {
    ok: true,
    inputTokens,
    outputTokens,
    body: {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
      usage: {
        prompt_tokens: inputTokens,
        completion_tokens: outputTokens,
        total_tokens: inputTokens + outputTokens,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: reasoningTokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
      service_tier: "default",
      system_fingerprint: "fp_fake",
    },
  };
}

const REASONING_MODEL = /^(o\d+|gpt-5)([-.]|$)/;

/** The schema of a `json_schema` response format (`{}` when it has none), else `undefined`. */
function jsonSchemaOf(responseFormat: unknown): unknown {
  const format = record(responseFormat);
  if (format?.type !== "json_schema") return undefined;
  return record(format.json_schema)?.schema ?? {};
}

/** The text of a message's content: the string, or its text parts joined by newlines. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const texts: string[] = [];
  for (const part of content) {
    const text = record(part)?.text;
    if (typeof text === "string") texts.push(text);
  }
  return texts.join("\n");
}

// Words are runs of non-whitespace, whitespace as in `\s`; one pass, no regex (this runs for
// every request of a 100,000-request benchmark).
function words(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i += 1) {
    if (isSpace(text.charCodeAt(i))) inWord = false;
    else if (!inWord) {
      inWord = true;
      count += 1;
    }
  }
  return count;
}

function isSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

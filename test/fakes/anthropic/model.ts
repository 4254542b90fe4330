/**
 * The simulated model shared by every fake (test/fakes/README.md): it echoes the last user
 * message's text; `FAIL_REQUEST` fails the request, `CALL_TOOL` (with tools) calls the first
 * tool with `{"city":"Paris"}`, `HIT_MAX_TOKENS` stops for length. Input tokens are the words of
 * the request's messages, output tokens the words of the answer.
 *
 * The outcome is decided when the batch is created and kept small; the Message is rendered
 * only when results are read.
 */

export type Outcome =
  | { type: "succeeded"; model: string; content: Record<string, unknown>[]; stopReason: string; inputTokens: number; outputTokens: number }
  | { type: "errored"; message: string };

type Params = Record<string, unknown>;

/**
 * @example
 * simulate({ model: "claude-x", max_tokens: 10, messages: [{ role: "user", content: "Hi there" }] })
 * // { type: "succeeded", model: "claude-x", content: [{ type: "text", text: "echo: Hi there" }],
 * //   stopReason: "end_turn", inputTokens: 2, outputTokens: 3 }
 */
export function simulate(params: Params): Outcome {
  const messages = Array.isArray(params.messages) ? (params.messages as Params[]) : [];
  const texts = messages.map((message) => textOf(message?.content));
  let lastUser = messages.length - 1;
  while (lastUser >= 0 && messages[lastUser]?.role !== "user") lastUser -= 1;
  const userText = texts[lastUser] ?? "";
  if (userText.includes("FAIL_REQUEST")) {
    return { type: "errored", message: "Simulated failure: the request contains FAIL_REQUEST" };
  }
  // Counting words is most of the simulation's cost: the last user text is counted once.
  const userWords = wordsIn(userText);
  const inputTokens = texts.reduce((sum, text, index) => sum + (index === lastUser ? userWords : wordsIn(text)), 0);
  const model = String(params.model);
  // max_tokens 0 pre-warms the prompt cache and generates nothing.
  if (params.max_tokens === 0) return { type: "succeeded", model, content: [], stopReason: "max_tokens", inputTokens, outputTokens: 0 };
  const tools = Array.isArray(params.tools) ? (params.tools as Params[]) : [];
  if (userText.includes("CALL_TOOL") && tools.length > 0) {
    const input = { city: "Paris" };
    return {
      type: "succeeded",
      model,
      content: [{ type: "tool_use", id: "", name: String(tools[0]!.name), input }],
      stopReason: "tool_use",
      inputTokens,
      outputTokens: wordsIn(JSON.stringify(input)),
    };
  }
  return {
    type: "succeeded",
    model,
    content: [{ type: "text", text: `echo: ${userText}` }],
    stopReason: userText.includes("HIT_MAX_TOKENS") ? "max_tokens" : "end_turn",
    inputTokens,
    outputTokens: 1 + userWords,
  };
}

/**
 * The Message a succeeded outcome stands for (docs/reference/provider-apis.md §2.6), with the IDs it gets when read.
 *
 * @example
 * messageOf(outcome, "msg_01…", "toolu_01…").usage.service_tier // "batch"
 */
export function messageOf(
  outcome: Extract<Outcome, { type: "succeeded" }>,
  messageId: string,
  toolUseId: string,
): Record<string, unknown> {
  return {
    id: messageId,
    type: "message",
    role: "assistant",
    model: outcome.model,
    content: outcome.content.map((block) => (block.type === "tool_use" ? { ...block, id: toolUseId } : block)),
    stop_reason: outcome.stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: outcome.inputTokens,
      output_tokens: outcome.outputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      server_tool_use: null,
      service_tier: "batch",
    },
  };
}

/** The text of a message's content: the string, or its text blocks joined by spaces. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((block) => block?.type === "text" && typeof block.text === "string")
    .map((block) => block.text as string)
    .join(" ");
}

/** Words are runs of non-whitespace; counted by hand, as a split would allocate each word. */
function wordsIn(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const space = code === 32 || code === 10 || code === 13 || code === 9 || code === 12 || code === 11;
    if (!space && !inWord) count += 1;
    inWord = !space;
  }
  return count;
}

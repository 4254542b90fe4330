/**
 * Message Batches requests, as a client writes them.
 */

/**
 * One request of a single user turn of text, 100 max tokens; `extra` adds or replaces params.
 *
 * @example
 * textRequest("q1", "What is 15 * 7?", "gpt-4o-mini", { temperature: 0.2 });
 */
export function textRequest(customId: string, text: string, model: string, extra: Record<string, unknown> = {}) {
  return { custom_id: customId, params: { model, max_tokens: 100, messages: [{ role: "user", content: text }], ...extra } };
}

/**
 * The seed's two requests (math-question, geography-question) on one model.
 *
 * @example
 * await call("/anthropic/v1/messages/batches", { method: "POST", body: { requests: twoRequests("gpt-4o-mini") }, provider: "openai" });
 */
export function twoRequests(model = "claude-3-5-haiku-20241022") {
  return [textRequest("math-question", "What is 15 * 7?", model), textRequest("geography-question", "What is the largest ocean?", model)];
}

/**
 * Message Batches requests, as a user of the SDK writes them.
 */

/**
 * One request of a single user turn of text, 100 max tokens.
 *
 * @example
 * await client.beta.messages.batches.create({ requests: [textRequest("q1", "Hello", "gpt-4o-mini")] });
 */
export function textRequest(customId: string, text: string, model: string) {
  return { custom_id: customId, params: { model, max_tokens: 100, messages: [{ role: "user" as const, content: text }] } };
}

/**
 * The seed's two requests (math-question, geography-question) on one model.
 *
 * @example
 * await client.beta.messages.batches.create({ requests: twoRequests("claude-3-sonnet-20240229") });
 */
export function twoRequests(model: string) {
  return [textRequest("math-question", "What is 15 * 7?", model), textRequest("geography-question", "What is the largest ocean?", model)];
}

/**
 * What the fakes' simulated model answers (test/fakes/README.md), as a result line carries it.
 */
import { expect } from "vitest";

/**
 * The succeeded result for a request of one user turn of `text`: the text `echo: <text>`,
 * usage counted in words. Each provider has its own message ID form and extra usage fields.
 *
 * @example
 * expect(line.result).toEqual(echoResult("What is 15 * 7?", "gemini-1.5-flash", /^msg_/, { service_tier: "batch" }));
 */
export function echoResult(text: string, model: string, messageId: RegExp, extraUsage: Record<string, unknown> = {}) {
  const words = (s: string) => s.split(/\s+/).filter(Boolean).length;
  const answer = `echo: ${text}`;
  return {
    type: "succeeded",
    message: {
      id: expect.stringMatching(messageId),
      type: "message",
      role: "assistant",
      model,
      content: [{ type: "text", text: answer }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: words(text), output_tokens: words(answer), ...extraUsage },
    },
  };
}

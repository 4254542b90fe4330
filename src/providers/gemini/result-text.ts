/**
 * A translated Gemini result line as the JSON text the vault writes: exactly what
 * `JSON.stringify(line)` gives, written field by field for the message `toBatchResult` builds
 * (./translate-result.ts). Why: vaulting 100,000 lines, `JSON.stringify` of each line object
 * cost about five times this in the Worker (a profile of the vault write showed it second
 * only to `JSON.parse`). Every value still goes through `JSON.stringify`, so escaping is the
 * runtime's own; only the known keys are written here. Any other result (errored, canceled, …)
 * is stringified whole.
 */
import type { BatchResultLine } from "../../domain/batch-result";
import { rememberLast } from "../../lib/remember-last";

const json = JSON.stringify;

/**
 * `JSON.stringify(line)`, faster for a succeeded Gemini message.
 *
 * @example
 * resultLineText({ custom_id: "a", result: { type: "canceled" } }) // '{"custom_id":"a","result":{"type":"canceled"}}'
 */
export function resultLineText(line: BatchResultLine): string {
  const result = line.result;
  if (result.type !== "succeeded") return json(line);
  return `{"custom_id":${json(line.custom_id)},"result":{"type":"succeeded","message":${messageText(result.message)}}}`;
}

// The message's keys in the order toMessageResult sets them.
function messageText(message: Record<string, unknown>): string {
  let content = "";
  for (const block of message.content as Array<Record<string, unknown>>) {
    if (content !== "") content += ",";
    content += blockText(block);
  }
  // The stop reason is one of stopReason's own words, which need no escaping.
  return (
    `{"id":${json(message.id)},"type":"message","role":"assistant","model":${modelText(message.model)},"content":[${content}],` +
    `"stop_reason":"${message.stop_reason as string}","stop_sequence":null,"usage":${usageText(message.usage as Record<string, unknown>)}}`
  );
}

// A batch's lines nearly all name the same model: its JSON is written once.
const modelText = rememberLast(json);

// The blocks toBlock makes, keys in its order; anything else whole.
function blockText(block: Record<string, unknown>): string {
  switch (block.type) {
    case "text":
      // A text is long: JSON.stringify escapes it faster than a check in JavaScript.
      return `{"type":"text","text":${json(block.text)}}`;
    case "thinking":
      return `{"type":"thinking","thinking":${json(block.thinking)},"signature":${json(block.signature)}}`;
    case "tool_use":
      // A call without a name (a malformed answer) has no `name` key, as JSON.stringify leaves undefined out.
      return `{"type":"tool_use","id":${json(block.id)}${block.name === undefined ? "" : `,"name":${json(block.name)}`},"input":${json(block.input)}}`;
    default:
      return json(block);
  }
}

// usageOf's keys in its order. Its values come from upstream numbers, which may be anything;
// its service tier is its own word.
function usageText(usage: Record<string, unknown>): string {
  const details = usage.output_tokens_details as { thinking_tokens: unknown } | undefined;
  return (
    `{"input_tokens":${value(usage.input_tokens)},"cache_creation_input_tokens":${value(usage.cache_creation_input_tokens)},` +
    `"cache_read_input_tokens":${value(usage.cache_read_input_tokens)},"output_tokens":${value(usage.output_tokens)},` +
    `${details === undefined ? "" : `"output_tokens_details":{"thinking_tokens":${value(details.thinking_tokens)}},`}"service_tier":"${usage.service_tier as string}"}`
  );
}

// A finite number's text is the same from String and JSON.stringify; the rest (NaN, strings…) as JSON.stringify writes it.
function value(item: unknown): string {
  return typeof item === "number" && Number.isFinite(item) ? String(item) : json(item);
}

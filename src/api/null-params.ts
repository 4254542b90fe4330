/**
 * `null` params mean "absent", once, for every provider. Clients (and the SDKs' serialisers)
 * send `"temperature": null` for "not set"; Gemini refuses keys whose value is `null`, OpenAI
 * ignores them, and Anthropic types only some params as nullable (`temperature`, `top_p`,
 * `stop_sequences` are not), so a `null` could be refused there too. Where Anthropic takes
 * `null`, it means the default, exactly as absence does. So top-level `null` params are dropped
 * here, before validation and before any provider translates: see
 * docs/sources/anthropic.md § null values.
 *
 * The required params stay, so that `"max_tokens": null` is still refused by the schema.
 * Nested `null`s are the params' own business (`metadata.user_id: null` is valid Anthropic).
 */
import { isRecord } from "../lib/is-record";

/** Params whose absence is an error: a `null` there must reach the schema to be refused. */
const REQUIRED_PARAMS = new Set(["model", "max_tokens", "messages"]);

/**
 * `item` (one element of `requests`) with its optional `null` params removed; anything that is
 * not an object with a `params` object is returned unchanged, for the schema to refuse.
 *
 * @example
 * withoutNullParams({ custom_id: "a", params: { model: "m", max_tokens: 5, messages, temperature: null } })
 * // { custom_id: "a", params: { model: "m", max_tokens: 5, messages } }
 */
export function withoutNullParams(item: unknown): unknown {
  if (!isRecord(item) || !isRecord(item.params)) return item;
  const params = item.params;
  if (!hasOptionalNull(params)) return item;
  const kept = Object.fromEntries(Object.entries(params).filter(([name, value]) => value !== null || REQUIRED_PARAMS.has(name)));
  return { ...item, params: kept };
}

// A loop, not Object.entries(): this runs for every request of a create body.
function hasOptionalNull(params: Record<string, unknown>): boolean {
  for (const name in params) {
    if (params[name] === null && !REQUIRED_PARAMS.has(name)) return true;
  }
  return false;
}

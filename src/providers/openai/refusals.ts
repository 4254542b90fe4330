/**
 * How the translators refuse what OpenAI cannot express: a 400 naming the exact param, raised
 * before anything reaches OpenAI, never a silent drop.
 */
import { GatewayError } from "../../lib/errors";
import { isRecord } from "../../lib/is-record";
import { PROVIDER } from "./client";

/**
 * The 400 for a param without a faithful OpenAI equivalent.
 *
 * @example
 * throw unsupported("params.top_k");
 * // 400 "params.top_k: has no equivalent on provider openai; remove it or use provider anthropic"
 */
export function unsupported(param: string, why?: string): GatewayError {
  return GatewayError.unsupported(PROVIDER, param, why);
}

/**
 * Refuses every key of `object` outside `known` whose value would mean something (`null` and
 * `undefined` mean nothing, so they pass).
 *
 * @example
 * refuseUnknownKeys({ type: "text", text: "hi", foo: 1 }, TEXT_KEYS, "params.messages.0.content.0");
 * // throws 400 "params.messages.0.content.0.foo: has no equivalent on provider openai; …"
 */
export function refuseUnknownKeys(object: Record<string, unknown>, known: ReadonlySet<string>, path: string): void {
  for (const key of Object.keys(object)) {
    if (!known.has(key) && object[key] !== undefined && object[key] !== null) throw unsupported(`${path}.${key}`);
  }
}

/** A plain object, or `null` for anything else. */
export function asRecord(value: unknown): Record<string, unknown> | null {
  return isRecord(value) ? value : null;
}

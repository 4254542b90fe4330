/**
 * `null` as absent: clients (and SDKs serializing unset optionals) send `"key": null` for a
 * param they do not set, Anthropic and OpenAI ignore it, and Gemini refuses it (see
 * docs/sources/gemini.md § Gemini refuses null). The translators read every param and block
 * through this, so a null never reaches Gemini nor a check meant for a value.
 */

/**
 * A shallow copy of `record` without its null-valued keys (values that are data, like a tool
 * call's `input`, are the caller's to leave alone).
 *
 * @example
 * withoutNulls({ type: "text", text: "Hi", cache_control: null }) // { type: "text", text: "Hi" }
 */
export function withoutNulls<T extends Record<string, unknown>>(record: T): T {
  // A loop over keys, not Object.entries(): this runs for every request of a create body, and
  // most records have no null (then nothing is allocated).
  let copy: Record<string, unknown> | undefined;
  for (const key in record) {
    if (record[key] !== null || !Object.hasOwn(record, key)) continue;
    copy ??= { ...record };
    delete copy[key];
  }
  return (copy ?? record) as T;
}

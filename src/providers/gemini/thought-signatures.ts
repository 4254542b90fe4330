/**
 * Gemini's thought signatures on function calls, carried through the Anthropic wire inside the
 * `tool_use` block's `id`.
 *
 * Gemini 3 answers a request 400 when the first `functionCall` part of a step in the current
 * turn comes back without the `thoughtSignature` Gemini returned with it (see
 * docs/sources/gemini.md § Gemini 3 requires the thought signature of each function call).
 * An Anthropic client sends a `tool_use` block back with its `id` unchanged (the id is how its
 * `tool_result` names the call), while a field of its own on the block would be dropped by
 * typed clients (see docs/sources/gemini.md § What survives a client round trip). So the
 * signature travels in the id: `toolu_gs_` and the base64url of `[callId, signature]`, only
 * letters, digits, `_` and `-`, like every Anthropic tool_use id.
 */

const PREFIX = "toolu_gs_";

/**
 * The value Google documents for a function call Gemini did not produce (history from another
 * model, or built by hand): it skips the validation (see docs/sources/gemini.md § The
 * signature for a function call from elsewhere).
 */
export const FOREIGN_THOUGHT_SIGNATURE = "skip_thought_signature_validator";

/** A function call's own id and its thought signature. */
export interface SignedCall {
  callId: string;
  signature: string;
}

/**
 * The `tool_use` id that carries a call's signature.
 *
 * @example
 * signedToolUseId({ callId: "toolu_01", signature: "c2ln" }) // "toolu_gs_WyJ0b29sdV8wMSIsImMybG4iXQ"
 */
export function signedToolUseId(call: SignedCall): string {
  return `${PREFIX}${base64Url(JSON.stringify([call.callId, call.signature]))}`;
}

/**
 * The call id and signature a `tool_use` id carries, or `undefined` for any other id (a call
 * without a signature, or a `tool_use` from elsewhere).
 *
 * @example
 * readSignedToolUseId("toolu_gs_WyJ0b29sdV8wMSIsImMybG4iXQ") // { callId: "toolu_01", signature: "c2ln" }
 * readSignedToolUseId("toolu_01") // undefined
 */
export function readSignedToolUseId(id: string): SignedCall | undefined {
  if (!id.startsWith(PREFIX)) return undefined;
  try {
    const value: unknown = JSON.parse(fromBase64Url(id.slice(PREFIX.length)));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string" && value[1] !== "") {
      return { callId: value[0], signature: value[1] };
    }
  } catch {
    // Not one of ours after all.
  }
  return undefined;
}

/**
 * Whether a model validates thought signatures on function calls: Gemini 3 and later (2.5
 * returns them too, but sending them back is optional there).
 *
 * @example
 * requiresThoughtSignatures("gemini-3-pro-preview") // true
 * requiresThoughtSignatures("gemini-2.5-flash") // false
 */
export function requiresThoughtSignatures(model: string): boolean {
  const major = /^gemini-(\d+)/.exec(model.replace(/^models\//, ""));
  return major !== null && Number(major[1]) >= 3;
}

function base64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new SyntaxError("not base64url");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

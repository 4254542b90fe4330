/**
 * The common case of a batch request, checked without zod: a valid request is returned as the
 * schema (`batchRequest` in ./schemas.ts) would return it, and anything else is left to the
 * schema, which says what is wrong. zod cannot compile its checks under workerd (no
 * `new Function`), and its interpreted checks were the largest single cost of validating a
 * 100,000-request create body; this walk does the same work for valid input at a fraction of it.
 *
 * The result must be the schema's own, field for field and key for key (translators and the
 * Anthropic upstream see it): each object the schema copies is copied here the same way, its
 * declared keys first in the schema's order, then the others in the input's order (the way a
 * zod `looseObject` builds its output). Whatever this walk does not recognise as valid (a
 * `__proto__` key, an unsafe integer, a wrong type anywhere) returns null: being unsure only
 * costs the zod pass. test/unit/api/batch-request-check.test.ts holds both to the same answers.
 */
import type { BatchRequest, MessageParams } from "../domain/batch-request";
import { isRecord } from "../lib/is-record";

type Json = Record<string, unknown>;

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/** The schema's keys of `params`, in its order. */
const PARAM_KEYS = ["model", "max_tokens", "messages", "system", "temperature", "top_p", "top_k", "stop_sequences", "stream", "metadata", "tools", "tool_choice"];
const PARAM_KEY_SET = new Set(PARAM_KEYS);
const MESSAGE_KEYS = new Set(["role", "content"]);
const TYPE_KEY = new Set(["type"]);
const TEXT_BLOCK_KEYS = new Set(["type", "text"]);
const METADATA_KEYS = new Set(["user_id"]);
const NO_KEYS = new Set<string>();
const ROLES = new Set(["user", "assistant", "system"]);
const TOOL_CHOICES = new Set(["auto", "any", "tool", "none"]);

/** A marker for "not valid here" inside the walk (never returned to callers). */
const INVALID = Symbol("invalid");
type Checked<T> = T | typeof INVALID;

/**
 * `item` as the `batchRequest` schema returns it when it is a valid request; null when it may
 * not be (the schema then decides, and names the error).
 *
 * @example
 * validBatchRequest({ custom_id: "a", params: { messages: [{ content: "hi", role: "user" }], model: "m", max_tokens: 5 } })
 * // { custom_id: "a", params: { model: "m", max_tokens: 5, messages: [{ role: "user", content: "hi" }] } }
 * validBatchRequest({ custom_id: "a" }) // null
 */
export function validBatchRequest(item: unknown): BatchRequest | null {
  if (!isRecord(item)) return null;
  for (const key in item) {
    if (key !== "custom_id" && key !== "params") return null;
  }
  const customId = item.custom_id;
  if (typeof customId !== "string" || !CUSTOM_ID.test(customId)) return null;
  const params = checkParams(item.params);
  if (params === INVALID) return null;
  return { custom_id: customId, params };
}

function checkParams(value: unknown): Checked<MessageParams> {
  if (!isRecord(value)) return INVALID;
  const out: Json = {};
  // The keys are counted first, so that the walk stops once each was a declared one: most
  // requests carry model, max_tokens and messages only (nine lookups and the copy of others
  // saved, for every request of a create body).
  let keys = 0;
  for (const _ in value) keys++;
  let found = 0;
  for (let index = 0; index < PARAM_KEYS.length && (index < 3 || found < keys); index++) {
    const key = PARAM_KEYS[index]!;
    if (!(key in value)) {
      // model, max_tokens and messages are required; the rest optional.
      if (index < 3) return INVALID;
      continue;
    }
    const checked = checkParam(key, value[key]);
    if (checked === INVALID) return INVALID;
    out[key] = checked;
    found++;
  }
  if (found < keys && !copyOthers(value, PARAM_KEY_SET, out)) return INVALID;
  return out as MessageParams;
}

function checkParam(key: string, value: unknown): Checked<unknown> {
  switch (key) {
    case "model":
      return typeof value === "string" && value.length >= 1 ? value : INVALID;
    case "max_tokens":
    case "top_k":
      return isCount(value) ? value : INVALID;
    case "messages":
      return checkMessages(value);
    case "system":
      if (typeof value === "string") return value;
      return mapArray(value, 0, checkTextBlock);
    case "temperature":
    case "top_p":
      return typeof value === "number" && value >= 0 && value <= 1 ? value : INVALID;
    case "stop_sequences":
      return mapArray(value, 0, checkString);
    case "stream":
      return value === false ? value : INVALID;
    case "metadata":
      return checkMetadata(value);
    case "tools":
      return mapArray(value, 0, checkTool);
    case "tool_choice":
      return checkToolChoice(value);
    default:
      return INVALID;
  }
}

function checkMessages(value: unknown): Checked<unknown[]> {
  return mapArray(value, 1, checkMessage);
}

function checkMessage(value: unknown): Checked<Json> {
  if (!isRecord(value)) return INVALID;
  const role = value.role;
  if (typeof role !== "string" || !ROLES.has(role)) return INVALID;
  if (!("content" in value)) return INVALID;
  const content = value.content;
  let checked: Checked<unknown>;
  if (typeof content === "string") checked = content.length >= 1 ? content : INVALID;
  else checked = mapArray(content, 1, checkContentBlock);
  if (checked === INVALID) return INVALID;
  const out: Json = { role, content: checked };
  return copyOthers(value, MESSAGE_KEYS, out) ? out : INVALID;
}

function checkContentBlock(value: unknown): Checked<Json> {
  if (!isRecord(value)) return INVALID;
  const type = value.type;
  if (typeof type !== "string" || type.length < 1) return INVALID;
  const out: Json = { type };
  return copyOthers(value, TYPE_KEY, out) ? out : INVALID;
}

function checkTextBlock(value: unknown): Checked<Json> {
  if (!isRecord(value) || value.type !== "text" || typeof value.text !== "string") return INVALID;
  const out: Json = { type: value.type, text: value.text };
  return copyOthers(value, TEXT_BLOCK_KEYS, out) ? out : INVALID;
}

function checkMetadata(value: unknown): Checked<Json> {
  if (!isRecord(value)) return INVALID;
  const out: Json = {};
  if ("user_id" in value) {
    const userId = value.user_id;
    if (userId !== null && typeof userId !== "string") return INVALID;
    out.user_id = userId;
  }
  return copyOthers(value, METADATA_KEYS, out) ? out : INVALID;
}

function checkTool(value: unknown): Checked<Json> {
  if (!isRecord(value)) return INVALID;
  const out: Json = {};
  return copyOthers(value, NO_KEYS, out) ? out : INVALID;
}

function checkToolChoice(value: unknown): Checked<Json> {
  if (!isRecord(value)) return INVALID;
  const type = value.type;
  if (typeof type !== "string" || !TOOL_CHOICES.has(type)) return INVALID;
  const out: Json = { type };
  return copyOthers(value, TYPE_KEY, out) ? out : INVALID;
}

function checkString(value: unknown): Checked<string> {
  return typeof value === "string" ? value : INVALID;
}

/** A new array of each element checked; INVALID when not an array, shorter than `min`, or any element is. */
function mapArray<T>(value: unknown, min: number, check: (element: unknown) => Checked<T>): Checked<T[]> {
  if (!Array.isArray(value) || value.length < min) return INVALID;
  const out: T[] = new Array<T>(value.length);
  for (let index = 0; index < value.length; index++) {
    const checked = check(value[index]);
    if (checked === INVALID) return INVALID;
    out[index] = checked;
  }
  return out;
}

/** The keys a loose object does not declare, copied in the input's order; false at `__proto__` (left to zod). */
function copyOthers(value: Json, declared: ReadonlySet<string>, out: Json): boolean {
  for (const key in value) {
    if (declared.has(key)) continue;
    if (key === "__proto__") return false;
    out[key] = value[key];
  }
  return true;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

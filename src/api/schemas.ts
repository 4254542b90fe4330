/**
 * The Anthropic wire's inputs, as zod schemas: list queries and batch requests.
 */
// A namespace import, as everywhere in src/: `import { z }` makes esbuild ship all of zod's
// locales (see docs/sources/zod.md § esbuild keeps every locale unless zod is imported as a namespace).
// zod/mini: only the schema types and checks used here are bundled (see docs/sources/zod.md
// § zod/mini needs English set up by hand); its messages are classic zod's (../lib/zod-english).
import * as z from "zod/mini";
import { coerceNumber } from "../lib/zod-coerce";
import { GatewayError } from "../lib/errors";
import "../lib/zod-english";
import type { BatchRequest } from "../domain/batch-request";
import { withoutNullParams } from "./null-params";
import { validBatchRequest } from "./batch-request-check";

export const MAX_BATCH_REQUESTS = 100_000;
export const MAX_BATCH_BYTES = 256 * 1024 * 1024;
export const MAX_FILE_BYTES = 500 * 1024 * 1024;

const textBlock = z.looseObject({ type: z.literal("text"), text: z.string() });
const contentBlock = z.looseObject({ type: z.string().check(z.minLength(1)) });

/**
 * The Messages params every provider shares, as loose as Anthropic itself: `max_tokens: 0` (a
 * prompt-cache pre-warm) and `system` turns are valid Anthropic (docs/sources/anthropic.md
 * § max_tokens 0, § system messages), so the Anthropic provider lets Anthropic decide; every other
 * provider's translator refuses what it cannot take, naming itself. Unknown params are kept for
 * the same reason.
 */
const messageParams = z.looseObject({
  model: z.string().check(z.minLength(1)),
  max_tokens: z.number().check(z.int(), z.gte(0)),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(["user", "assistant", "system"]),
        content: z.union([
          z.string().check(z.minLength(1, "messages must have non-empty content")),
          z.array(contentBlock).check(z.minLength(1, "messages must have non-empty content")),
        ]),
      }),
    )
    .check(z.minLength(1)),
  system: z.optional(z.union([z.string(), z.array(textBlock)])),
  temperature: z.optional(z.number().check(z.gte(0), z.lte(1))),
  top_p: z.optional(z.number().check(z.gte(0), z.lte(1))),
  top_k: z.optional(z.number().check(z.int(), z.gte(0))),
  stop_sequences: z.optional(z.array(z.string())),
  stream: z.optional(z.literal(false, { error: "streaming is not supported in message batches" })),
  metadata: z.optional(z.looseObject({ user_id: z.optional(z.nullable(z.string())) })),
  // Not every Anthropic tool has a name (an MCP toolset has `mcp_server_name`): translators check names.
  tools: z.optional(z.array(z.looseObject({}))),
  tool_choice: z.optional(z.looseObject({ type: z.enum(["auto", "any", "tool", "none"]) })),
});

/** One item of a batch create body's `requests` (also the OpenAPI document's BatchRequest). */
export const batchRequest = z.strictObject({
  custom_id: z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1 to 64 characters of letters, digits, '_' or '-' (^[a-zA-Z0-9_-]{1,64}$)")),
  params: messageParams,
});

/**
 * Validates one item of a batch create body; `index` names it in the error.
 *
 * @example
 * const request = parseBatchRequest({ custom_id: "a", params: { model: "m", max_tokens: 1, messages: [...] } }, 0);
 * // With the element's bytes and their members (see RequestSplitter), `request.raw` is set when they say the same:
 * parseBatchRequest(JSON.parse(text), 0, bytes, 6).raw // bytes
 */
export function parseBatchRequest(value: unknown, index: number, raw?: Uint8Array, rawMembers?: number): BatchRequest {
  if (depthOf(value) > MAX_DEPTH) {
    throw GatewayError.invalid(`requests.${index}: nested more than ${MAX_DEPTH} levels deep`);
  }
  const item = withoutNullParams(value);
  // The common (valid) case without zod; zod decides, and names the error, for the rest.
  const checked = validBatchRequest(item);
  if (checked) {
    // The client's bytes say what the request says when nothing was dropped (no null param) and
    // no key was given twice (JSON.parse keeps the last of a duplicate key; upstream might not).
    if (raw !== undefined && item === value && rawMembers === membersSeen) checked.raw = raw;
    return checked;
  }
  const result = batchRequest.safeParse(item);
  if (!result.success) throw GatewayError.invalid(describeIssue(`requests.${index}`, result.error));
  return result.data as BatchRequest;
}

/** Deeper than any real request (tool schemas included); deeper input only serves to exhaust stacks. */
const MAX_DEPTH = 64;

/** `depthOf`'s stacks, empty between calls. */
const depthValues: unknown[] = [];
const depthDepths: number[] = [];

/** Object members (keys) the last `depthOf` walk saw (a variable, not a returned pair: no allocation per request). */
let membersSeen = 0;

/**
 * Nesting depth of a JSON value, without recursion (a hostile value must not overflow the
 * stack); counts its object members into `membersSeen` on the way.
 */
function depthOf(value: unknown): number {
  // Two parallel stacks, not one of pairs, and the same two for every call (emptied before it
  // returns, so that they hold nothing of a request): this runs for every request of a create body.
  const values = depthValues;
  const depths = depthDepths;
  values.push(value);
  depths.push(0);
  let deepest = 0;
  let members = 0;
  membersSeen = -1;
  while (values.length > 0) {
    const current = values.pop();
    const depth = depths.pop()!;
    if (current === null || typeof current !== "object") continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > MAX_DEPTH) {
      values.length = 0;
      depths.length = 0;
      return deepest;
    }
    // Only objects and arrays go on the stacks: a scalar adds no depth.
    if (Array.isArray(current)) {
      for (let index = 0; index < current.length; index++) {
        const child: unknown = current[index];
        if (child !== null && typeof child === "object") {
          values.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in current) {
        members++;
        const child = (current as Record<string, unknown>)[key];
        if (child !== null && typeof child === "object") {
          values.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  membersSeen = members;
  return deepest;
}

const pageLimit = coerceNumber({ error: "must be an integer" }).check(z.int("must be an integer"), z.gte(1, "must be at least 1"), z.lte(1000, "must be at most 1000"));

export const listQuery = z.object({
  limit: z._default(pageLimit, 20),
  before_id: z.optional(z.string().check(z.minLength(1))),
  after_id: z.optional(z.string().check(z.minLength(1))),
  page: z.optional(z.string().check(z.minLength(1))),
});

export type ListQuery = z.infer<typeof listQuery>;

/**
 * Validates a list query (`limit` 1..1000, default 20; `before_id` and `after_id` exclusive).
 *
 * @example
 * parseListQuery({ limit: "5" }) // { limit: 5 }
 */
export function parseListQuery(query: Record<string, string>): ListQuery {
  const result = listQuery.safeParse(query);
  if (!result.success) throw GatewayError.invalid(describeIssue("", result.error));
  if (result.data.before_id !== undefined && result.data.after_id !== undefined) {
    throw GatewayError.invalid("before_id and after_id cannot both be set");
  }
  return result.data;
}

/** `requests.3.params.max_tokens: Too small: expected number to be >=1`. */
function describeIssue(prefix: string, error: z.core.$ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix}: invalid`;
  const path = [prefix, ...issue.path.map(String)].filter((part) => part !== "").join(".");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => `${path ? `${path}.` : ""}${key}: Extra inputs are not permitted`).join("; ");
  }
  if (issue.code === "invalid_type" && issue.message.includes("received undefined")) return `${path}: Field required`;
  return `${path}: ${issue.message}`;
}

/**
 * The checks a batch create runs on each request (docs/reference/provider-apis.md §2.2), with the API's pydantic-style
 * messages. Confirmed wording: "requests.0.custom_id: String should have at most 64 characters"
 * (anthropics/anthropic-sdk-python#984), "<field>: Extra inputs are not permitted" and
 * "max_tokens: Field required" (quoted in public issues). The messages for a duplicate
 * `custom_id`, `stream` and a missing or mistyped file are not published: chosen.
 *
 * Accepted params: the Messages parameters of the 2025 SDK (including `temperature`, `top_p`,
 * `top_k`) and of @anthropic-ai/sdk 1.14.0 (`MessageCreateParamsBase`, GA and beta); `betas`,
 * `workspace_id` and `user_profile_id` are header params there, so they are extra in a body.
 * Roles: `user`, `assistant`, and `system` (mid-conversation system messages, 1.14.0's
 * `SystemMessageParam`).
 */
import { ApiError } from "./http.ts";
import type { StoredFile } from "./files.ts";

const PARAMS = new Set([
  "model", "max_tokens", "messages", "system", "temperature", "top_p", "top_k", "stop_sequences", "tools",
  "tool_choice", "metadata", "thinking", "cache_control", "container", "diagnostics", "inference_geo",
  "output_config", "service_tier", "speed", "billing_policy", "compaction", "context_management",
  "fallback_credit_token", "fallbacks", "mcp_servers", "output_format", "thread",
]);
const ROLES = new Set(["user", "assistant", "system"]);
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);
const DOCUMENT_TYPES = new Set(["application/pdf", "text/plain"]);
const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

export interface ValidRequest {
  custom_id: string;
  params: Record<string, unknown>;
}

type Block = Record<string, unknown>;
type FileLookup = (id: string) => StoredFile | undefined;

/**
 * Checks `requests[index]`; throws `ApiError` 400 naming the first fault.
 *
 * @example
 * validateRequest({ custom_id: "a", params: { model: "m", max_tokens: 1, messages: [{ role: "user", content: "hi" }] } }, 0, new Set(), files.get)
 */
export function validateRequest(item: unknown, index: number, seen: Set<string>, fileOf: FileLookup): ValidRequest {
  const at = `requests.${index}`;
  const request = record(item, at);
  for (const key of Object.keys(request)) {
    if (key !== "custom_id" && key !== "params") throw extra(`${at}.${key}`);
  }
  const customId = customIdOf(request.custom_id, `${at}.custom_id`);
  if (seen.has(customId)) throw ApiError.invalid(`${at}.custom_id: Duplicate custom_id "${customId}": custom_id values must be unique within a batch`);
  seen.add(customId);
  const params = record(required(request.params, `${at}.params`), `${at}.params`);
  validateParams(params, `${at}.params`, fileOf);
  return { custom_id: customId, params };
}

function customIdOf(value: unknown, at: string): string {
  if (typeof required(value, at) !== "string") throw ApiError.invalid(`${at}: Input should be a valid string`);
  const id = value as string;
  if (id.length < 1) throw ApiError.invalid(`${at}: String should have at least 1 character`);
  if (id.length > 64) throw ApiError.invalid(`${at}: String should have at most 64 characters`);
  if (!CUSTOM_ID.test(id)) throw ApiError.invalid(`${at}: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
  return id;
}

function validateParams(params: Block, at: string, fileOf: FileLookup): void {
  for (const key of Object.keys(params)) if (!PARAMS.has(key)) throw extra(`${at}.${key}`);
  if (typeof required(params.model, `${at}.model`) !== "string") throw ApiError.invalid(`${at}.model: Input should be a valid string`);
  const maxTokens = required(params.max_tokens, `${at}.max_tokens`);
  if (!Number.isInteger(maxTokens)) throw ApiError.invalid(`${at}.max_tokens: Input should be a valid integer`);
  // 0 is a prompt-cache pre-warm, valid but not with thinking or structured outputs
  // (see docs/sources/anthropic.md § max_tokens 0, § max_tokens 0 with thinking or structured outputs).
  if ((maxTokens as number) < 0) throw ApiError.invalid(`${at}.max_tokens: Input should be greater than or equal to 0`);
  if (maxTokens === 0) refusePrewarmWith(params, `${at}.max_tokens`);
  const messages = required(params.messages, `${at}.messages`);
  if (!Array.isArray(messages)) throw ApiError.invalid(`${at}.messages: Input should be a valid list`);
  if (messages.length === 0) throw ApiError.invalid(`${at}.messages: List should have at least 1 item after validation, not 0`);
  messages.forEach((value, index) => {
    const messageAt = `${at}.messages.${index}`;
    const message = record(value, messageAt);
    if (!ROLES.has(required(message.role, `${messageAt}.role`) as string)) {
      throw ApiError.invalid(`${messageAt}.role: Input should be 'user', 'assistant' or 'system'`);
    }
    const content = required(message.content, `${messageAt}.content`);
    if (typeof content === "string") return;
    if (!Array.isArray(content)) throw ApiError.invalid(`${messageAt}.content: Input should be a valid string or list`);
    checkFiles(content, `${messageAt}.content`, fileOf);
  });
}

function refusePrewarmWith(params: Block, at: string): void {
  const thinking = params.thinking as Block | null | undefined;
  if (thinking && thinking.type !== "disabled") throw ApiError.invalid(`${at}: 0 (prompt cache pre-warming) cannot be used with thinking`);
  const outputConfig = params.output_config as Block | null | undefined;
  if (outputConfig?.format || params.output_format) throw ApiError.invalid(`${at}: 0 (prompt cache pre-warming) cannot be used with structured outputs`);
}

/** Every file a content list names must exist and suit its block (docs/reference/provider-apis.md §1, "file type not matching the block → 400"). */
function checkFiles(blocks: unknown[], at: string, fileOf: FileLookup): void {
  blocks.forEach((value, index) => {
    if (typeof value !== "object" || value === null) return;
    const block = value as Block;
    const blockAt = `${at}.${index}`;
    const source = block.source as Block | undefined;
    if ((block.type === "image" || block.type === "document") && source?.type === "file") {
      const file = existing(source.file_id, `${blockAt}.source.file_id`, fileOf);
      const allowed = block.type === "image" ? IMAGE_TYPES : DOCUMENT_TYPES;
      if (!allowed.has(file.mime_type)) {
        throw ApiError.invalid(`${blockAt}.source: file ${file.id} has mime type ${file.mime_type}, which ${block.type === "image" ? "an image" : "a document"} block does not accept`);
      }
    } else if (block.type === "document" && source?.type === "content" && Array.isArray(source.content)) {
      checkFiles(source.content, `${blockAt}.source.content`, fileOf);
    } else if (block.type === "tool_result" && Array.isArray(block.content)) {
      checkFiles(block.content, `${blockAt}.content`, fileOf);
    } else if (block.type === "container_upload") {
      existing(block.file_id, `${blockAt}.file_id`, fileOf);
    }
  });
}

function existing(fileId: unknown, at: string, fileOf: FileLookup): StoredFile {
  const file = typeof fileId === "string" ? fileOf(fileId) : undefined;
  if (!file) throw ApiError.invalid(`${at}: File not found: ${String(fileId)}`);
  return file;
}

function required(value: unknown, at: string): unknown {
  if (value === undefined) throw ApiError.invalid(`${at}: Field required`);
  return value;
}

function record(value: unknown, at: string): Block {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw ApiError.invalid(`${at}: Input should be a valid dictionary`);
  return value as Block;
}

function extra(at: string): ApiError {
  return ApiError.invalid(`${at}: Extra inputs are not permitted`);
}

/**
 * Anthropic `system` and `messages` to Chat Completions messages (docs/reference/provider-apis.md §7.7).
 *
 * Decisions, where OpenAI has no exact equivalent:
 * - `cache_control` is accepted and not sent: it is a caching hint with no effect on the
 *   answer, and OpenAI caches prompt prefixes by itself (cached tokens come back as
 *   `cache_read_input_tokens`).
 * - Images reach OpenAI chat only as URLs or data URLs; an image naming a gateway file would
 *   have to be downloaded and re-encoded, which OpenAI forbids for `user_data` files, so it
 *   is refused: send it as base64.
 * - A document `url` source is refused: chat `file` parts take only `file_id` or `file_data`.
 * - A document `title` becomes the `filename` of a base64 PDF (the name OpenAI shows the
 *   model); a title on other documents, `context`, and enabled citations are refused.
 * - `tool_result.is_error: true` is refused: tool messages have no error flag.
 * - A final assistant turn (prefill) is refused: OpenAI answers after it instead of continuing it.
 * - `thinking`, `redacted_thinking`, server-tool and `container_upload` blocks are refused.
 */
import { GatewayError } from "../../lib/errors";
import type { ResolvedFile } from "../types";
import { asRecord, refuseUnknownKeys, unsupported } from "./refusals";
import type { ChatContentPart, ChatMessage, ChatToolCall } from "./wire";

type TextPart = { type: "text"; text: string };
type Files = ReadonlyMap<string, ResolvedFile>;

const TEXT_KEYS = new Set(["type", "text", "cache_control", "citations"]);
const IMAGE_KEYS = new Set(["type", "source", "cache_control"]);
const DOCUMENT_KEYS = new Set(["type", "source", "title", "cache_control", "citations"]);
const TOOL_USE_KEYS = new Set(["type", "id", "name", "input", "cache_control"]);
const TOOL_RESULT_KEYS = new Set(["type", "tool_use_id", "content", "is_error", "cache_control"]);

/**
 * The system prompt as the first message: `system` for chat models, `developer` for reasoning models.
 *
 * @example
 * systemMessage("Be brief.", "system") // { role: "system", content: "Be brief." }
 */
export function systemMessage(system: unknown, role: "system" | "developer", path = "params.system"): ChatMessage {
  if (typeof system === "string") return { role, content: system };
  if (!Array.isArray(system)) throw GatewayError.invalid(`${path}: must be a string or an array of text blocks`);
  return { role, content: system.map((block, index) => textPart(block, `${path}.${index}`)) };
}

/**
 * Every Anthropic turn as one or more chat messages, in order.
 *
 * @example
 * chatMessages([{ role: "user", content: "Hi" }], new Map(), "system")
 * // [{ role: "user", content: "Hi" }]
 */
export function chatMessages(messages: unknown[], files: Files, systemRole: "system" | "developer"): ChatMessage[] {
  const out: ChatMessage[] = [];
  messages.forEach((raw, index) => {
    const path = `params.messages.${index}`;
    const message = asRecord(raw);
    if (!message) throw GatewayError.invalid(`${path}: must be an object`);
    switch (message.role) {
      case "user":
        out.push(...userMessages(message.content, files, path));
        break;
      case "assistant":
        if (index === messages.length - 1) {
          throw unsupported(path, "is an assistant prefill (a final assistant turn), which has no equivalent");
        }
        out.push(assistantMessage(message.content, `${path}.content`));
        break;
      case "system":
        out.push(systemMessage(message.content, systemRole, `${path}.content`));
        break;
      default:
        throw GatewayError.invalid(`${path}.role: must be "user" or "assistant"`);
    }
  });
  return out;
}

// A user turn's tool results become `tool` messages, which OpenAI wants right after the
// assistant's tool calls; the turn's other blocks follow as one user message.
function userMessages(content: unknown, files: Files, path: string): ChatMessage[] {
  if (typeof content === "string") return [{ role: "user", content }];
  const blocks = nonEmpty(blockList(content, `${path}.content`), `${path}.content`);
  const toolMessages: ChatMessage[] = [];
  const parts: ChatContentPart[] = [];
  blocks.forEach((block, index) => {
    const blockPath = `${path}.content.${index}`;
    if (block.type === "tool_result") toolMessages.push(toolMessage(block, blockPath));
    else parts.push(...userParts(block, files, blockPath));
  });
  return parts.length > 0 ? [...toolMessages, { role: "user", content: parts }] : toolMessages;
}

function userParts(block: Record<string, unknown>, files: Files, path: string): ChatContentPart[] {
  switch (block.type) {
    case "text":
      return [textPart(block, path)];
    case "image":
      return [imagePart(block, path)];
    case "document":
      return documentParts(block, files, path);
    default:
      throw unsupported(path, `is a block of type ${String(block.type)}, which has no equivalent`);
  }
}

function assistantMessage(content: unknown, path: string): ChatMessage {
  if (typeof content === "string") return { role: "assistant", content };
  const texts: TextPart[] = [];
  const toolCalls: ChatToolCall[] = [];
  nonEmpty(blockList(content, path), path).forEach((block, index) => {
    const blockPath = `${path}.${index}`;
    if (block.type === "text") texts.push(textPart(block, blockPath));
    else if (block.type === "tool_use") toolCalls.push(toolCall(block, blockPath));
    else throw unsupported(blockPath, `is a block of type ${String(block.type)}, which has no equivalent`);
  });
  if (toolCalls.length === 0) return { role: "assistant", content: texts };
  return { role: "assistant", content: texts.length > 0 ? texts : null, tool_calls: toolCalls };
}

function textPart(raw: unknown, path: string): TextPart {
  const block = asRecord(raw);
  if (!block || block.type !== "text" || typeof block.text !== "string") {
    throw GatewayError.invalid(`${path}: must be a text block`);
  }
  refuseUnknownKeys(block, TEXT_KEYS, path);
  if (Array.isArray(block.citations) && block.citations.length > 0) {
    throw unsupported(`${path}.citations`);
  }
  return { type: "text", text: block.text };
}

function imagePart(block: Record<string, unknown>, path: string): ChatContentPart {
  refuseUnknownKeys(block, IMAGE_KEYS, path);
  const source = asRecord(block.source);
  const sourcePath = `${path}.source`;
  if (source?.type === "base64" && typeof source.media_type === "string" && typeof source.data === "string") {
    return { type: "image_url", image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (source?.type === "url" && typeof source.url === "string") {
    return { type: "image_url", image_url: { url: source.url } };
  }
  if (source?.type === "file") {
    throw unsupported(
      sourcePath,
      "is an image from an uploaded file, which has no equivalent (OpenAI chat takes images only as URLs or base64 data: send it as base64)",
    );
  }
  throw GatewayError.invalid(`${sourcePath}: must be a base64, url or file image source`);
}

function documentParts(block: Record<string, unknown>, files: Files, path: string): ChatContentPart[] {
  refuseUnknownKeys(block, DOCUMENT_KEYS, path);
  const citations = asRecord(block.citations);
  if (citations?.enabled === true) throw unsupported(`${path}.citations`);
  const source = asRecord(block.source);
  const sourcePath = `${path}.source`;
  const title = typeof block.title === "string" ? block.title : null;
  if (source?.type === "base64") {
    if (source.media_type !== "application/pdf" || typeof source.data !== "string") {
      throw unsupported(`${sourcePath}.media_type`, "is not application/pdf: a base64 document of another type has no equivalent");
    }
    const filename = title === null ? "document.pdf" : title.toLowerCase().endsWith(".pdf") ? title : `${title}.pdf`;
    return [{ type: "file", file: { filename, file_data: `data:application/pdf;base64,${source.data}` } }];
  }
  if (title !== null) throw unsupported(`${path}.title`, "has no equivalent (only the title of a base64 PDF can be sent, as its filename)");
  switch (source?.type) {
    case "text":
      if (typeof source.data !== "string") throw GatewayError.invalid(`${sourcePath}.data: must be a string`);
      return [{ type: "text", text: source.data }];
    case "content":
      return contentSourceParts(source.content, `${sourcePath}.content`);
    case "file":
      return [filePart(source.file_id, files, `${sourcePath}.file_id`)];
    case "url":
      throw unsupported(sourcePath, "is a document URL, which has no equivalent (OpenAI chat takes documents only as base64 data or uploaded files)");
    default:
      throw GatewayError.invalid(`${sourcePath}: must be a base64, text, content, url or file document source`);
  }
}

function contentSourceParts(content: unknown, path: string): ChatContentPart[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return blockList(content, path).map((block, index) => {
    const blockPath = `${path}.${index}`;
    if (block.type === "text") return textPart(block, blockPath);
    if (block.type === "image") return imagePart(block, blockPath);
    throw unsupported(blockPath, `is a block of type ${String(block.type)} inside a document, which has no equivalent`);
  });
}

function filePart(fileId: unknown, files: Files, path: string): ChatContentPart {
  if (typeof fileId !== "string") throw GatewayError.invalid(`${path}: must be a string`);
  const file = files.get(fileId);
  if (!file) throw GatewayError.notFound(`${path}: file ${fileId} not found`);
  return { type: "file", file: { file_id: file.nativeId } };
}

function toolCall(block: Record<string, unknown>, path: string): ChatToolCall {
  refuseUnknownKeys(block, TOOL_USE_KEYS, path);
  if (typeof block.id !== "string" || typeof block.name !== "string") {
    throw GatewayError.invalid(`${path}: a tool_use block needs a string id and name`);
  }
  return { id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } };
}

function toolMessage(block: Record<string, unknown>, path: string): ChatMessage {
  refuseUnknownKeys(block, TOOL_RESULT_KEYS, path);
  if (typeof block.tool_use_id !== "string") throw GatewayError.invalid(`${path}.tool_use_id: must be a string`);
  if (block.is_error === true) {
    throw unsupported(`${path}.is_error`, "has no equivalent (OpenAI tool messages carry no error flag)");
  }
  const content = block.content ?? "";
  if (typeof content === "string") return { role: "tool", tool_call_id: block.tool_use_id, content };
  const parts = blockList(content, `${path}.content`).map((part, index) => {
    const partPath = `${path}.content.${index}`;
    if (part.type !== "text") {
      throw unsupported(partPath, `is a block of type ${String(part.type)} in a tool result, which has no equivalent (OpenAI tool messages take text only)`);
    }
    return textPart(part, partPath);
  });
  // OpenAI refuses an empty array; an empty string says the same.
  return { role: "tool", tool_call_id: block.tool_use_id, content: parts.length > 0 ? parts : "" };
}

function blockList(content: unknown, path: string): Record<string, unknown>[] {
  if (!Array.isArray(content)) throw GatewayError.invalid(`${path}: must be a string or an array of content blocks`);
  return content.map((block, index) => {
    const record = asRecord(block);
    if (!record) throw GatewayError.invalid(`${path}.${index}: must be a content block`);
    return record;
  });
}

function nonEmpty<T>(blocks: T[], path: string): T[] {
  if (blocks.length === 0) throw GatewayError.invalid(`${path}: must not be empty`);
  return blocks;
}

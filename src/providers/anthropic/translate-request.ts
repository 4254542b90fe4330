/**
 * Gateway file IDs in a request → Anthropic's own file IDs (a pure translator). Clients name
 * files by their gateway ID; Anthropic knows them by the ID it issued on upload.
 */
import { GatewayError } from "../../lib/errors";
import type { ResolvedFile } from "../types";
import type { MessageParams } from "../../domain/batch-request";
import { isRecord } from "../../lib/is-record";

type Files = ReadonlyMap<string, ResolvedFile>;
type Block = Record<string, unknown>;

/**
 * `params` with every file reference in its messages swapped for the native file ID: the
 * `{type: "file", file_id}` source of `image` and `document` blocks (also inside `tool_result`
 * content and inside a document's `content` source) and `container_upload` blocks. Objects
 * without a file are returned as they are (nothing is copied for a request with no files).
 * Throws a 400 naming the file and where it was for a file the gateway did not resolve.
 *
 * Only content blocks are searched: a `tool_use` input is the caller's own JSON and may look
 * like a file source without being one.
 *
 * @example
 * withNativeFileIds(
 *   { model: "m", max_tokens: 9, messages: [{ role: "user", content: [
 *     { type: "document", source: { type: "file", file_id: "file_gw1" } }] }] },
 *   new Map([["file_gw1", { gatewayId: "file_gw1", nativeId: "file_011abc", filename: "a.pdf", mimeType: "application/pdf", native: {} }]]),
 * ).messages // [{ role: "user", content: [{ type: "document", source: { type: "file", file_id: "file_011abc" } }] }]
 */
export function withNativeFileIds(params: MessageParams, files: Files): MessageParams {
  if (!Array.isArray(params.messages)) return params;
  const messages = mapArray(params.messages, (message, index) => {
    if (!isRecord(message) || !Array.isArray(message.content)) return message;
    const content = mapBlocks(message.content, `messages.${index}.content`, files);
    return content === message.content ? message : { ...message, content };
  });
  return messages === params.messages ? params : { ...params, messages };
}

function mapBlocks(blocks: unknown[], path: string, files: Files): unknown[] {
  return mapArray(blocks, (block, index) => (isRecord(block) ? mapBlock(block, `${path}.${index}`, files) : block));
}

function mapBlock(block: Block, path: string, files: Files): Block {
  switch (block.type) {
    case "image":
    case "document": {
      const source = block.source;
      if (!isRecord(source)) return block;
      if (source.type === "file") {
        const file_id = nativeIdOf(source.file_id, `${path}.source.file_id`, files);
        return { ...block, source: { ...source, file_id } };
      }
      if (source.type === "content" && Array.isArray(source.content)) {
        const content = mapBlocks(source.content, `${path}.source.content`, files);
        return content === source.content ? block : { ...block, source: { ...source, content } };
      }
      return block;
    }
    case "tool_result": {
      if (!Array.isArray(block.content)) return block;
      const content = mapBlocks(block.content, `${path}.content`, files);
      return content === block.content ? block : { ...block, content };
    }
    case "container_upload":
      return { ...block, file_id: nativeIdOf(block.file_id, `${path}.file_id`, files) };
    default:
      return block;
  }
}

function nativeIdOf(fileId: unknown, path: string, files: Files): string {
  const file = typeof fileId === "string" ? files.get(fileId) : undefined;
  if (!file) throw GatewayError.invalid(`${path}: file ${JSON.stringify(fileId)} not found`);
  return file.nativeId;
}

/** `Array.prototype.map` that returns the very same array when no element changed. */
function mapArray(values: unknown[], map: (value: unknown, index: number) => unknown): unknown[] {
  let mapped: unknown[] | undefined;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    const next = map(value, index);
    if (next !== value && !mapped) mapped = values.slice(0, index);
    mapped?.push(next);
  }
  return mapped ?? values;
}

/**
 * Anthropic messages and system prompt as Gemini `contents` and `systemInstruction`
 * (docs/reference/provider-apis.md §5.4, §7.7). Pure: the gateway files a request cites come resolved.
 */
import { GatewayError } from "../../lib/errors";
import type { ResolvedFile } from "../types";
import { withoutNulls } from "./without-nulls";
import { FOREIGN_THOUGHT_SIGNATURE, readSignedToolUseId, requiresThoughtSignatures } from "./thought-signatures";
import type { GeminiContent, GeminiPart } from "./wire";
import { isRecord } from "../../lib/is-record";
import { PROVIDER } from "./client";

type Block = Record<string, unknown>;

/**
 * `messages` as `contents`: `assistant` becomes `model`, consecutive turns of one role are
 * merged (Anthropic merges them too), and each block becomes one part. `model` decides what
 * the function calls carry (thought signatures on Gemini 3).
 *
 * @example
 * toGeminiContents([{ role: "user", content: "Hi" }], new Map(), "params.messages", "gemini-2.5-flash")
 * // [{ role: "user", parts: [{ text: "Hi" }] }]
 */
export function toGeminiContents(messages: unknown, files: ReadonlyMap<string, ResolvedFile>, path: string, model: string): GeminiContent[] {
  if (!Array.isArray(messages) || messages.length === 0) throw GatewayError.invalid(`${path}: must be a non-empty array`);
  const toolNames = new Map<string, ToolCall>();
  const contents: GeminiContent[] = [];
  messages.forEach((message, index) => {
    const at = `${path}.${index}`;
    if (!isRecord(message)) throw GatewayError.invalid(`${at}: must be an object`);
    const role = roleOf(message.role, `${at}.role`);
    // A string is one text part, as its text block would be (without the block and its checks:
    // this runs for every request of a create body).
    const parts =
      typeof message.content === "string"
        ? [{ text: message.content }]
        : blocksOf(message.content, `${at}.content`)
            .map((block, blockIndex) => toPart(block, { at: `${at}.content.${blockIndex}`, files, toolNames, role }))
            .filter((part): part is GeminiPart => part !== undefined);
    // A turn of dropped thinking only: Gemini refuses a content without parts.
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  });
  if (contents[contents.length - 1]?.role === "model") {
    // Anthropic continues a final assistant turn (prefill); Gemini answers it with a new turn.
    throw GatewayError.unsupported(PROVIDER, `${path}.${messages.length - 1}`, "is a final assistant turn (prefill), which has no equivalent");
  }
  signForeignCalls(contents, model);
  return contents;
}

// Gemini 3 validates the first function call of each step (model turn): one that came without
// a signature (from another model, or built by hand) gets the value Google documents for it.
// Later calls of the same turn go without, as Gemini returns parallel calls. See
// docs/sources/gemini.md § The signature for a function call from elsewhere.
// The model is asked last: most requests have no call to sign, and asking (a replace and a
// pattern) for every request of a create body showed in its profile.
function signForeignCalls(contents: GeminiContent[], model: string): void {
  for (const content of contents) {
    if (content.role !== "model") continue;
    const first = content.parts.find((part) => part.functionCall !== undefined);
    if (first && !first.thoughtSignature && requiresThoughtSignatures(model)) first.thoughtSignature = FOREIGN_THOUGHT_SIGNATURE;
  }
}

/**
 * `system` as `systemInstruction`, or `undefined` when there is none.
 *
 * @example
 * toGeminiSystem("Be brief.", "params.system") // { parts: [{ text: "Be brief." }] }
 */
export function toGeminiSystem(system: unknown, path: string): GeminiContent | undefined {
  if (system === undefined || system === null || system === "") return undefined;
  if (typeof system === "string") return { parts: [{ text: system }] };
  if (!Array.isArray(system)) throw GatewayError.invalid(`${path}: must be a string or an array of text blocks`);
  if (system.length === 0) return undefined;
  return {
    parts: system.map((block, index) => {
      const at = `${path}.${index}`;
      if (!isRecord(block) || block.type !== "text") {
        throw GatewayError.unsupported(PROVIDER, at, "is not a text block, which a Gemini system instruction cannot carry");
      }
      return textPart(withoutNulls(block), at);
    }),
  };
}

/** What a `tool_result` needs of its `tool_use`. */
interface ToolCall {
  name: string;
  /** The id Gemini knows the call by (the `tool_use` id without the signature it may carry). */
  callId: string;
}

interface PartContext {
  at: string;
  files: ReadonlyMap<string, ResolvedFile>;
  /** The tool calls seen so far, by `tool_use` id, for `tool_result` blocks. */
  toolNames: Map<string, ToolCall>;
  role: "user" | "model";
}

function toPart(block: Block, context: PartContext): GeminiPart | undefined {
  const { at } = context;
  switch (block.type) {
    case "text":
      return textPart(block, at);
    case "image":
      onlyKeys(block, at, ["type", "source", "cache_control"]);
      return sourcePart(block.source, `${at}.source`, context, "image");
    case "document":
      return documentPart(block, context);
    case "tool_use":
      return toolUsePart(block, context);
    case "tool_result":
      return toolResultPart(block, context);
    case "thinking":
    case "redacted_thinking":
      return thinkingPart(block, context);
    default:
      throw GatewayError.unsupported(PROVIDER, `${at}.type`, `is ${JSON.stringify(block.type)}, a content block that has no equivalent`);
  }
}

// Anthropic's tool loop sends thinking blocks back unchanged. The gateway's come from Gemini's
// thought summaries, their signature the part's thoughtSignature: one with a signature goes
// back as that thought part, "exactly as received"; one without carries nothing Gemini needs
// (only function-call signatures are validated), nor does redacted_thinking, which Gemini never
// produces. See docs/sources/gemini.md § Thinking blocks sent back.
function thinkingPart(block: Block, context: PartContext): GeminiPart | undefined {
  const { at } = context;
  if (context.role !== "model") throw GatewayError.invalid(`${at}: a ${String(block.type)} block can only be in an assistant turn`);
  if (block.type === "redacted_thinking") {
    onlyKeys(block, at, ["type", "data"]);
    return undefined;
  }
  onlyKeys(block, at, ["type", "thinking", "signature"]);
  if (typeof block.thinking !== "string" || typeof block.signature !== "string") {
    throw GatewayError.invalid(`${at}: thinking needs thinking and signature strings`);
  }
  if (block.signature === "") return undefined;
  return { text: block.thinking, thought: true, thoughtSignature: block.signature };
}

function textPart(block: Block, at: string): GeminiPart {
  onlyKeys(block, at, ["type", "text", "cache_control", "citations"]);
  if (typeof block.text !== "string") throw GatewayError.invalid(`${at}.text: must be a string`);
  if (block.citations !== undefined && block.citations !== null && !(Array.isArray(block.citations) && block.citations.length === 0)) {
    throw GatewayError.unsupported(PROVIDER, `${at}.citations`, "has no equivalent");
  }
  return { text: block.text };
}

function documentPart(block: Block, context: PartContext): GeminiPart {
  const { at } = context;
  onlyKeys(block, at, ["type", "source", "cache_control", "title", "context", "citations"]);
  for (const key of ["title", "context"]) {
    if (block[key] !== undefined && block[key] !== null) {
      throw GatewayError.unsupported(PROVIDER, `${at}.${key}`, "is document metadata that a Gemini part cannot carry");
    }
  }
  const citations = block.citations;
  if (isRecord(citations) && citations.enabled === true) {
    throw GatewayError.unsupported(PROVIDER, `${at}.citations`, "has no equivalent");
  }
  const source = isRecord(block.source) ? withoutNulls(block.source) : block.source;
  if (isRecord(source) && source.type === "text") {
    if (typeof source.data !== "string") throw GatewayError.invalid(`${at}.source.data: must be a string`);
    return { text: source.data };
  }
  if (isRecord(source) && source.type === "content") {
    return { text: contentDocumentText(source.content, `${at}.source.content`) };
  }
  return sourcePart(source, `${at}.source`, context, "document");
}

// A "custom content" document is its text blocks, in order, without the citation chunking.
function contentDocumentText(content: unknown, at: string): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw GatewayError.invalid(`${at}: must be a string or an array of text blocks`);
  return content
    .map((block, index) => {
      if (!isRecord(block) || block.type !== "text" || typeof block.text !== "string") {
        throw GatewayError.unsupported(PROVIDER, `${at}.${index}`, "is not a text block, which has no equivalent");
      }
      return block.text;
    })
    .join("\n");
}

function sourcePart(value: unknown, at: string, context: PartContext, kind: "image" | "document"): GeminiPart {
  if (!isRecord(value)) throw GatewayError.invalid(`${at}: must be an object`);
  const source = withoutNulls(value);
  switch (source.type) {
    case "base64":
      if (typeof source.media_type !== "string" || typeof source.data !== "string") {
        throw GatewayError.invalid(`${at}: a base64 source needs media_type and data`);
      }
      return { inlineData: { mimeType: source.media_type, data: source.data } };
    case "file": {
      const fileId = source.file_id;
      const file = typeof fileId === "string" ? context.files.get(fileId) : undefined;
      if (!file) throw GatewayError.invalid(`${at}.file_id: file ${JSON.stringify(fileId)} was not found`);
      const uri = file.native.uri;
      if (typeof uri !== "string" || uri === "") {
        throw GatewayError.invalid(`${at}.file_id: file ${file.gatewayId} has no Gemini URI; upload it with x-model-provider: gemini`);
      }
      return { fileData: { mimeType: file.mimeType, fileUri: uri } };
    }
    case "url":
      // Gemini's fileData takes Files API URIs only; fetching the URL here would be I/O the
      // batch does not do on Anthropic either.
      throw GatewayError.unsupported(PROVIDER, `${at}.type`, `is "url": ${article(kind)} by URL has no equivalent (upload the file and cite its file_id)`);
    default:
      throw GatewayError.unsupported(PROVIDER, `${at}.type`, `is ${JSON.stringify(source.type)}, ${article(kind)} source that has no equivalent`);
  }
}

function article(kind: "image" | "document"): string {
  return kind === "image" ? "an image" : "a document";
}

function toolUsePart(block: Block, context: PartContext): GeminiPart {
  const { at } = context;
  onlyKeys(block, at, ["type", "id", "name", "input", "cache_control"]);
  if (typeof block.id !== "string" || typeof block.name !== "string") throw GatewayError.invalid(`${at}: tool_use needs id and name`);
  if (block.input !== undefined && !isRecord(block.input)) throw GatewayError.invalid(`${at}.input: must be an object`);
  // A call Gemini made carries its thought signature in the id (thought-signatures.ts).
  const signed = readSignedToolUseId(block.id);
  const callId = signed?.callId ?? block.id;
  context.toolNames.set(block.id, { name: block.name, callId });
  const part: GeminiPart = { functionCall: { id: callId, name: block.name, args: (block.input as Record<string, unknown> | undefined) ?? {} } };
  if (signed) part.thoughtSignature = signed.signature;
  return part;
}

// Gemini reads a function response's "output" key as the result and "error" as a failure
// (docs/reference/provider-apis.md §5.4); the name must be the called function's, found from the matching tool_use.
function toolResultPart(block: Block, context: PartContext): GeminiPart {
  const { at } = context;
  onlyKeys(block, at, ["type", "tool_use_id", "content", "is_error", "cache_control"]);
  const id = block.tool_use_id;
  if (typeof id !== "string") throw GatewayError.invalid(`${at}.tool_use_id: must be a string`);
  const call = context.toolNames.get(id);
  if (call === undefined) throw GatewayError.invalid(`${at}.tool_use_id: no earlier tool_use block has id ${JSON.stringify(id)}`);
  const text = toolResultText(block.content, `${at}.content`);
  return { functionResponse: { id: call.callId, name: call.name, response: block.is_error === true ? { error: text } : { output: text } } };
}

function toolResultText(content: unknown, at: string): string {
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw GatewayError.invalid(`${at}: must be a string or an array of blocks`);
  return content
    .map((block, index) => {
      if (!isRecord(block) || block.type !== "text" || typeof block.text !== "string") {
        throw GatewayError.unsupported(PROVIDER, `${at}.${index}`, "is not a text block, and a Gemini function response carries text only");
      }
      return block.text;
    })
    .join("\n");
}

function roleOf(role: unknown, at: string): "user" | "model" {
  if (role === "user") return "user";
  if (role === "assistant") return "model";
  throw GatewayError.unsupported(PROVIDER, at, `is ${JSON.stringify(role)}; Gemini has only user and model turns`);
}

// Content given as a string is a text part before this (toGeminiContents).
function blocksOf(content: unknown, at: string): Block[] {
  if (!Array.isArray(content)) throw GatewayError.invalid(`${at}: must be a string or an array of content blocks`);
  return content.map((block, index) => {
    if (!isRecord(block)) throw GatewayError.invalid(`${at}.${index}: must be an object`);
    return withoutNulls(block);
  });
}

/**
 * Refuses, by name, the first key of `block` (a block or a param object) not in `allowed`:
 * every key changes the request, and one Gemini has no place for is never dropped.
 * (`cache_control` is allowed where it appears: a cost hint without effect on the answer, and
 * Gemini caches implicitly.)
 *
 * @example
 * onlyKeys({ type: "text", text: "Hi", x: 1 }, "params.messages.0.content.0", ["type", "text"])
 * // throws 400 "params.messages.0.content.0.x: has no equivalent on provider gemini; …"
 */
export function onlyKeys(block: Block, at: string, allowed: readonly string[]): void {
  for (const key of Object.keys(block)) {
    if (!allowed.includes(key)) throw GatewayError.unsupported(PROVIDER, `${at}.${key}`, "has no equivalent");
  }
}

/**
 * Batch Mode of the fake (docs/reference/provider-apis.md §5.3).
 *
 * - Create parses the body against `BatchGenerateContentRequest` (unknown fields and wrong
 *   types fail the call with Google's "Invalid JSON payload received…"), requires
 *   `display_name` (the API reference marks it required) and one input source, and answers a
 *   long-running operation `{name: "batches/…", metadata: {"@type", …batch}}`.
 * - Inline bodies over the inline limit fail with "Request payload size exceeds the limit:
 *   20971520 bytes." (Google's wording for its 20 MiB request limit).
 * - States are `BATCH_STATE_*` and `batchStats` counts int64 strings, zero counts left out
 *   (proto3 JSON). Each GET moves a batch one state on: PENDING → RUNNING → SUCCEEDED; the
 *   results are made on the way to SUCCEEDED. Cancel answers `{}` and the next GET shows
 *   CANCELLED (Gemini has no cancelling state); `/__fake/batches/{id}/expire` makes it
 *   EXPIRED and `/__fake/batches/{id}/fail` FAILED. Requests never run get no result.
 * - Output: inline input gives `inlinedResponses` (each `{response}` or `{error}`), WITHOUT the
 *   request's `metadata` and NOT in request order (here: reversed), as users report of the real
 *   service although its docs promise both (see docs/sources/gemini.md § Inline batch responses
 *   carry no key and lose request order). File input gives a generated JSONL file
 *   `files/batch-{id}` of `{key, response}` / `{key, error}` lines, also not in request order
 *   (here: reversed; the docs promise no order for them). The SDKs read the output from
 *   `metadata.output`; REST clients find it in the operation's `response`: both are set, so
 *   inline results come back twice. The `@type` names are unconfirmed (docs/reference/provider-apis.md §5.3).
 * - A request whose text holds `LOSE_RESULT` runs and counts as succeeded, but gets no result
 *   line: the worst case a client must survive (a key that never comes back).
 * - A file line that cannot be read fails that request only (code 3), as the file is read
 *   when the batch runs.
 * - An unknown batch answers 404 NOT_FOUND "Requested entity was not found." (Google's
 *   standard wording; unconfirmed for batches).
 */
import { storeGeneratedFile, liveFile } from "./files.ts";
import { badRequest, googleError, json, unknownQuery } from "./http.ts";
import { BATCH_GENERATE_CONTENT_REQUEST, FILE_INPUT_LINE } from "./messages.ts";
import { answer, type Outcome } from "./model.ts";
import { field, readMessage } from "./proto.ts";
import { newId, timestamp, type FakeState, type StoredBatch } from "./store.ts";

const BATCH_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch";
const OUTPUT_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput";

// The cancel call takes only the name, from the URL; a body may be empty or `{}`.
const CANCEL_BATCH_REQUEST = { name: "google.ai.generativelanguage.v1beta.CancelBatchRequest", fields: {} };

/** How the fake's Batch Mode behaves. */
export interface BatchOptions {
  /** Largest inline create body, in bytes (Gemini: 20 MiB). */
  inlineLimitBytes: number;
  /** Models the fake serves; undefined serves any name. */
  knownModels?: readonly string[];
}

/** `POST /v1beta/models/{model}:batchGenerateContent`. */
export async function createBatch(state: FakeState, request: Request, url: URL, model: string, options: BatchOptions): Promise<Response> {
  const refused = unknownQuery(url, []);
  if (refused) return refused;
  if (options.knownModels && !options.knownModels.includes(model)) {
    return googleError(
      404,
      `models/${model} is not found for API version v1beta, or is not supported for batchGenerateContent. Call ListModels to see the list of available models and their supported methods.`,
    );
  }
  const text = await request.text();
  if (new TextEncoder().encode(text).byteLength > options.inlineLimitBytes) {
    return googleError(400, `Request payload size exceeds the limit: ${options.inlineLimitBytes} bytes.`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return googleError(400, `Invalid JSON payload received. Unexpected token.\n${text.slice(0, 40)}\n^`);
  }
  const violations = readMessage(body, BATCH_GENERATE_CONTENT_REQUEST, "");
  if (violations.length > 0) return badRequest(violations);

  const batch = field(body, "batch") as Record<string, unknown> | undefined;
  const displayName = field(batch, "display_name");
  if (typeof displayName !== "string" || displayName === "") {
    return googleError(400, "* BatchGenerateContentRequest.batch.display_name: display_name is required\n");
  }
  const input = field(batch, "input_config");
  const fileName = field(input, "file_name");
  const inline = field(field(input, "requests"), "requests");
  let stored: StoredBatch["input"];
  let requestCount: number;
  if (typeof fileName === "string") {
    const file = liveFile(state, fileName);
    if (file instanceof Response) return file;
    stored = { kind: "file", fileName };
    requestCount = countLines(file.chunks);
  } else if (Array.isArray(inline) && inline.length > 0) {
    stored = {
      kind: "inline",
      requests: inline.map((item: Record<string, unknown>) => ({
        request: field(item, "request") as Record<string, unknown>,
        metadata: field(item, "metadata") as Record<string, string> | undefined,
      })),
    };
    requestCount = inline.length;
  } else {
    return googleError(400, "* BatchGenerateContentRequest.batch.input_config: input_config must have file_name or non-empty requests\n");
  }
  const now = timestamp();
  const created: StoredBatch = {
    name: `batches/${newId(36)}`,
    model,
    displayName,
    createTime: now,
    updateTime: now,
    state: "BATCH_STATE_PENDING",
    input: stored,
    requestCount,
    succeeded: 0,
    failed: 0,
    cancelRequested: false,
  };
  const priority = field(batch, "priority");
  if (priority !== undefined) created.priority = String(priority);
  state.batches.set(created.name, created);
  return json(200, operation(created));
}

/** `GET /v1beta/batches/{id}`: one state further, then the operation. */
export async function getBatch(state: FakeState, name: string, url: URL): Promise<Response> {
  const refused = unknownQuery(url, []);
  if (refused) return refused;
  const batch = state.batches.get(name);
  if (!batch) return googleError(404, "Requested entity was not found.");
  await advance(state, batch);
  return json(200, operation(batch));
}

/** `GET /v1beta/batches`: `{operations, nextPageToken}`, without inlined responses. */
export function listBatches(state: FakeState, url: URL): Response {
  const refused = unknownQuery(url, ["pageSize", "pageToken", "page_size", "page_token"]);
  if (refused) return refused;
  const size = Math.min(Number(url.searchParams.get("pageSize") ?? "50") || 50, 1000);
  const start = Number(url.searchParams.get("pageToken") ?? "0") || 0;
  const all = [...state.batches.values()].reverse();
  const body: Record<string, unknown> = { operations: all.slice(start, start + size).map((batch) => operation(batch, false)) };
  if (start + size < all.length) body.nextPageToken = String(start + size);
  return json(200, body);
}

/** `POST /v1beta/batches/{id}:cancel`: `{}`; the batch is CANCELLED from its next GET on. */
export async function cancelBatch(state: FakeState, name: string, request: Request, url: URL): Promise<Response> {
  const refused = unknownQuery(url, []);
  if (refused) return refused;
  const text = await request.text();
  if (text.trim() !== "") {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return googleError(400, `Invalid JSON payload received. Unexpected token.\n${text.slice(0, 40)}\n^`);
    }
    const violations = readMessage(body, CANCEL_BATCH_REQUEST, "");
    if (violations.length > 0) return badRequest(violations);
  }
  const batch = state.batches.get(name);
  if (!batch) return googleError(404, "Requested entity was not found.");
  if (isEnded(batch)) return googleError(400, `Batch ${name} is already in a terminal state (${batch.state}).`, { status: "FAILED_PRECONDITION" });
  batch.cancelRequested = true;
  return json(200, {});
}

/** `DELETE /v1beta/batches/{id}`: `{}`. */
export function deleteBatch(state: FakeState, name: string, url: URL): Response {
  const refused = unknownQuery(url, []);
  if (refused) return refused;
  if (!state.batches.delete(name)) return googleError(404, "Requested entity was not found.");
  return json(200, {});
}

/**
 * Ends a batch now as EXPIRED or FAILED (control routes): requests never run get no result.
 *
 * @example
 * endBatch(state, "batches/abc", "BATCH_STATE_EXPIRED");
 */
export function endBatch(state: FakeState, name: string, end: "BATCH_STATE_EXPIRED" | "BATCH_STATE_FAILED"): Response {
  const batch = state.batches.get(name);
  if (!batch) return json(404, { error: `no batch ${name}` });
  batch.state = end;
  if (end === "BATCH_STATE_FAILED") batch.error = { code: 13, message: "Simulated batch failure." };
  batch.endTime = batch.updateTime = timestamp();
  return json(200, operation(batch));
}

function isEnded(batch: StoredBatch): boolean {
  return !["BATCH_STATE_PENDING", "BATCH_STATE_RUNNING"].includes(batch.state);
}

async function advance(state: FakeState, batch: StoredBatch): Promise<void> {
  if (isEnded(batch)) return;
  if (batch.cancelRequested) {
    batch.state = "BATCH_STATE_CANCELLED";
  } else if (batch.state === "BATCH_STATE_PENDING") {
    batch.state = "BATCH_STATE_RUNNING";
  } else {
    await run(state, batch);
    batch.state = "BATCH_STATE_SUCCEEDED";
  }
  batch.updateTime = timestamp();
  if (isEnded(batch)) batch.endTime = batch.updateTime;
}

async function run(state: FakeState, batch: StoredBatch): Promise<void> {
  const responseIds = () => `${batch.name.slice("batches/".length, "batches/".length + 8)}-${newId(12)}`;
  const count = (outcome: Outcome): void => {
    if ("error" in outcome) batch.failed += 1;
    else batch.succeeded += 1;
  };
  if (batch.input.kind === "inline") {
    // No metadata, and not in request order: see the header.
    batch.inlinedResponses = batch.input.requests
      .map((item) => {
        const outcome = answer(item.request ?? {}, batch.model, responseIds());
        count(outcome);
        return lost(item.request) ? undefined : { ...outcome };
      })
      .filter((item): item is Outcome => item !== undefined)
      .reverse();
    return;
  }
  const file = state.files.get(batch.input.fileName);
  const encoder = new TextEncoder();
  const rows: string[] = [];
  for (const line of readLines(file?.chunks ?? [])) {
    const outcome = lineOutcome(line, batch.model, responseIds());
    count(outcome.outcome);
    if (outcome.lost) continue;
    const row = outcome.key === undefined ? outcome.outcome : { key: outcome.key, ...outcome.outcome };
    rows.push(`${JSON.stringify(row)}\n`);
  }
  // Not in request order: see the header.
  rows.reverse();
  const output: Uint8Array[] = [];
  let pending = "";
  for (const row of rows) {
    pending += row;
    if (pending.length > 64 * 1024) {
      output.push(encoder.encode(pending));
      pending = "";
    }
  }
  if (pending) output.push(encoder.encode(pending));
  const name = `files/batch-${batch.name.slice("batches/".length)}`;
  storeGeneratedFile(state, name, "application/jsonl", output);
  batch.responsesFile = name;
}

// A request that asks to lose its result (see the header).
function lost(request: unknown): boolean {
  return JSON.stringify(field(request, "contents") ?? "").includes("LOSE_RESULT");
}

function lineOutcome(line: string, model: string, responseId: string): { key?: string; outcome: Outcome; lost?: boolean } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { outcome: { error: { code: 3, message: `Invalid JSON payload received. Unexpected token.\n${line.slice(0, 40)}\n^` } } };
  }
  const key = typeof field(parsed, "key") === "string" ? (field(parsed, "key") as string) : undefined;
  const violations = readMessage(parsed, FILE_INPUT_LINE, "");
  if (violations.length > 0) return { key, outcome: { error: { code: 3, message: violations.map((v) => v.description).join("\n") } } };
  const request = field(parsed, "request");
  if (typeof request !== "object" || request === null) {
    return { key, outcome: { error: { code: 3, message: "* GenerateContentRequest.contents: contents is not specified\n" } } };
  }
  return { key, outcome: answer(request as Record<string, unknown>, model, responseId), lost: lost(request) };
}

function operation(batch: StoredBatch, withOutput = true): Record<string, unknown> {
  const stats: Record<string, string> = {};
  const put = (name: string, value: number): void => {
    if (value > 0) stats[name] = String(value);
  };
  put("requestCount", batch.requestCount);
  put("successfulRequestCount", batch.succeeded);
  put("failedRequestCount", batch.failed);
  put("pendingRequestCount", isEnded(batch) ? 0 : batch.requestCount - batch.succeeded - batch.failed);

  const metadata: Record<string, unknown> = {
    "@type": BATCH_TYPE,
    model: `models/${batch.model}`,
    displayName: batch.displayName,
    createTime: batch.createTime,
    updateTime: batch.updateTime,
    batchStats: stats,
    state: batch.state,
    name: batch.name,
  };
  if (batch.input.kind === "file") metadata.inputConfig = { fileName: batch.input.fileName };
  if (batch.priority !== undefined) metadata.priority = batch.priority;
  if (batch.endTime) metadata.endTime = batch.endTime;

  const op: Record<string, unknown> = { name: batch.name, metadata };
  if (!isEnded(batch)) return op;
  op.done = true;
  if (batch.error) {
    op.error = batch.error;
    return op;
  }
  const output: Record<string, unknown> | undefined = batch.responsesFile
    ? { responsesFile: batch.responsesFile }
    : batch.inlinedResponses && withOutput
      ? { inlinedResponses: { inlinedResponses: batch.inlinedResponses } }
      : undefined;
  if (output) {
    metadata.output = output;
    op.response = { "@type": OUTPUT_TYPE, ...output };
  }
  return op;
}

/**
 * How many lines `readLines` yields, counted on the bytes: the same count without decoding
 * the file (decoding 58 MB of lines took the fake two seconds of every create it answered).
 * A line counts when it holds a character other than whitespace; ASCII is decided byte by
 * byte, and a line whose first byte past ASCII whitespace is not ASCII is decoded and trimmed
 * as `readLines` would (a line feed never sits inside a UTF-8 sequence, so its bytes decode alone
 * as they do in the stream).
 *
 * @example
 * countLines([new TextEncoder().encode('{"key":"a"}\n\n  \n{"key":"b"}')]) // 2
 */
export function countLines(chunks: Uint8Array[]): number {
  let count = 0;
  // "blank": only ASCII whitespace so far; "content": counted at its end; "unsure": kept to decode.
  let line: "blank" | "content" | "unsure" = "blank";
  let unsure: Uint8Array[] = [];
  const endLine = (): void => {
    if (line === "content" || (line === "unsure" && decodeAll(unsure).trim() !== "")) count += 1;
    line = "blank";
    unsure = [];
  };
  for (const chunk of chunks) {
    let start = 0;
    while (start < chunk.byteLength) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.byteLength : newline;
      if (line === "blank") {
        let at = start;
        while (at < end && isAsciiSpace(chunk[at]!)) at++;
        if (at < end) {
          if (chunk[at]! < 0x80) line = "content";
          else {
            line = "unsure";
            unsure.push(chunk.subarray(at, end));
          }
        }
      } else if (line === "unsure") {
        unsure.push(chunk.subarray(start, end));
      }
      if (newline === -1) break;
      endLine();
      start = newline + 1;
    }
  }
  endLine();
  return count;
}

// What String.prototype.trim removes among ASCII bytes: tab, line feed, vertical tab, form feed, carriage return, space.
function isAsciiSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

function decodeAll(pieces: Uint8Array[]): string {
  const decoder = new TextDecoder();
  let text = "";
  for (const piece of pieces) text += decoder.decode(piece, { stream: true });
  return text + decoder.decode();
}

/** The non-empty lines of a file kept as chunks, decoded one at a time. */
function* readLines(chunks: Uint8Array[]): Generator<string> {
  const decoder = new TextDecoder();
  let pending = "";
  for (const chunk of chunks) {
    pending += decoder.decode(chunk, { stream: true });
    let start = 0;
    let newline = pending.indexOf("\n", start);
    while (newline !== -1) {
      const line = pending.slice(start, newline).replace(/\r$/, "");
      if (line.trim() !== "") yield line;
      start = newline + 1;
      newline = pending.indexOf("\n", start);
    }
    pending = pending.slice(start);
  }
  pending += decoder.decode();
  if (pending.trim() !== "") yield pending;
}

/**
 * `/v1/batches`: create, retrieve, list, cancel, and the batch lifecycle (docs/reference/provider-apis.md §4).
 *
 * Time does not pass in the fake (test/fakes/README.md): each `GET` of a batch moves it one
 * state forward. `validating` → (input checked: `failed`, or) `in_progress` with the first
 * half of the requests run → `finalizing` with all run → `completed`, writing the output file
 * (successes) and the error file (failures), each only when it has lines. A cancel makes it
 * `cancelling`; the next `GET` ends it `cancelled` with the files of what had run, and no
 * line for the rest. `expireBatch` ends it `expired` at once, adding a `batch_expired` line
 * for every request that had not run.
 */
import { expiredLine, runBatchInput } from "./batch-input.ts";
import { errorResponse, invalidType, invalidValue, json, missingParameter, record, unknownParameter } from "./http.ts";
import { noSuchFile, storeFile } from "./files.ts";
import { type FakeState, type SimulatedRequest, type StoredBatch, batchObject } from "./state.ts";

/** `endpoint` values (openai-openapi `CreateBatchRequest`, docs/reference/provider-apis.md §4.2). */
const ENDPOINTS = [
  "/v1/responses",
  "/v1/chat/completions",
  "/v1/embeddings",
  "/v1/completions",
  "/v1/moderations",
  "/v1/images/generations",
  "/v1/images/edits",
  "/v1/videos",
];
const CREATE_KEYS = new Set(["input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"]);
const DAY = 24 * 3600;
/** How long output and error files live without `output_expires_after` (docs/reference/provider-apis.md §4.4: 30 days). */
const OUTPUT_LIFETIME = 30 * DAY;

/**
 * `POST /v1/batches`. Checked at once: the params, that the input file exists (404) and has
 * purpose `batch` (400; wording unconfirmed). The file's lines are checked later, while the
 * batch is `validating`, as OpenAI does.
 */
export function createBatch(body: unknown, state: FakeState): Response {
  const params = record(body);
  if (!params) return errorResponse(400, invalidType("body", "an object", body));
  for (const key of Object.keys(params)) {
    if (!CREATE_KEYS.has(key)) return errorResponse(400, { message: `Unrecognized request argument supplied: ${key}` });
  }
  for (const key of ["input_file_id", "endpoint", "completion_window"]) {
    if (params[key] === undefined) return errorResponse(400, missingParameter(key));
    if (typeof params[key] !== "string") return errorResponse(400, invalidType(key, "a string", params[key]));
  }
  if (!ENDPOINTS.includes(params.endpoint as string)) return errorResponse(400, invalidValue("endpoint", params.endpoint, ENDPOINTS));
  if (params.completion_window !== "24h") return errorResponse(400, invalidValue("completion_window", params.completion_window, ["24h"]));
  const metadataError = checkMetadata(params.metadata);
  if (metadataError) return metadataError;
  const outputExpiresError = checkOutputExpiresAfter(params.output_expires_after);
  if (outputExpiresError) return outputExpiresError;

  const inputFile = state.files.get(params.input_file_id as string);
  if (!inputFile) return noSuchFile(params.input_file_id as string, "input_file_id");
  if (inputFile.purpose !== "batch") {
    return errorResponse(400, {
      message: `The input file ${inputFile.id} has purpose '${inputFile.purpose}'; a batch input file must be uploaded with purpose 'batch'.`,
      param: "input_file_id",
      code: "invalid_value",
    });
  }
  const now = state.now();
  const batch: StoredBatch = {
    id: state.nextId("batch_"),
    object: "batch",
    endpoint: params.endpoint as string,
    model: null,
    errors: null,
    input_file_id: inputFile.id,
    completion_window: "24h",
    status: "validating",
    output_file_id: null,
    error_file_id: null,
    created_at: now,
    in_progress_at: null,
    expires_at: now + DAY,
    finalizing_at: null,
    completed_at: null,
    failed_at: null,
    expired_at: null,
    cancelling_at: null,
    cancelled_at: null,
    request_counts: { total: 0, completed: 0, failed: 0 },
    metadata: (params.metadata as Record<string, string> | undefined) ?? null,
    requests: null,
    ran: 0,
    tokens: { input: 0, output: 0 },
    outputLifetime: (record(params.output_expires_after)?.seconds as number | undefined) ?? OUTPUT_LIFETIME,
  };
  state.batches.set(batch.id, batch);
  return json(batchObject(batch));
}

/** `GET /v1/batches/{id}`: moves the batch one state forward, then answers it. */
export async function retrieveBatch(id: string, state: FakeState): Promise<Response> {
  const batch = state.batches.get(id);
  if (!batch) return noSuchBatch(id);
  await advance(batch, state);
  return json(batchObject(batch));
}

/** `GET /v1/batches` with `after` and `limit` (1–100, default 20), newest first. */
export function listBatches(url: URL, state: FakeState): Response {
  const limit = Number(url.searchParams.get("limit") ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    return errorResponse(400, { message: "Invalid 'limit': expected an integer between 1 and 100.", param: "limit", code: "invalid_value" });
  }
  let batches = [...state.batches.values()].reverse();
  const after = url.searchParams.get("after");
  if (after !== null) batches = batches.slice(batches.findIndex((batch) => batch.id === after) + 1);
  const page = batches.slice(0, limit);
  return json({
    object: "list",
    data: page.map(batchObject),
    first_id: page[0]?.id ?? null,
    last_id: page[page.length - 1]?.id ?? null,
    has_more: batches.length > page.length,
  });
}

/**
 * `POST /v1/batches/{id}/cancel`: `cancelling` (again for one already cancelling). A batch
 * that has ended cannot be cancelled: 400 (status and wording unconfirmed).
 */
export function cancelBatch(id: string, state: FakeState): Response {
  const batch = state.batches.get(id);
  if (!batch) return noSuchBatch(id);
  if (batch.status === "validating" || batch.status === "in_progress" || batch.status === "finalizing") {
    batch.status = "cancelling";
    batch.cancelling_at = state.now();
  } else if (batch.status !== "cancelling") {
    return errorResponse(400, { message: `Cannot cancel a batch with status '${batch.status}'.` });
  }
  return json(batchObject(batch));
}

/** `POST /__fake/batches/{id}/expire`: ends the batch `expired` now. */
export async function expireBatch(id: string, state: FakeState): Promise<Response> {
  const batch = state.batches.get(id);
  if (!batch) return noSuchBatch(id);
  if (["completed", "failed", "expired", "cancelled"].includes(batch.status)) {
    return errorResponse(400, { message: `Batch ${id} has already ended (${batch.status}).` });
  }
  if (batch.requests === null) {
    const outcome = await validate(batch, state);
    batch.requests = outcome ?? [];
  }
  end(batch, "expired", state);
  return json(batchObject(batch));
}

async function advance(batch: StoredBatch, state: FakeState): Promise<void> {
  switch (batch.status) {
    case "validating": {
      const requests = await validate(batch, state);
      if (requests === null) {
        batch.status = "failed";
        batch.failed_at = state.now();
        return;
      }
      batch.requests = requests;
      batch.status = "in_progress";
      batch.in_progress_at = state.now();
      run(batch, Math.ceil(requests.length / 2));
      return;
    }
    case "in_progress":
      batch.status = "finalizing";
      batch.finalizing_at = state.now();
      run(batch, batch.requests?.length ?? 0);
      return;
    case "finalizing":
      end(batch, "completed", state);
      return;
    case "cancelling":
      end(batch, "cancelled", state);
      return;
    default:
      return;
  }
}

// The requests' answers, or `null` (with `errors` set) when the input file fails validation.
async function validate(batch: StoredBatch, state: FakeState) {
  const input = state.files.get(batch.input_file_id);
  const text = input ? await input.content.text() : "";
  const outcome = runBatchInput(text, batch.endpoint, state);
  batch.model = outcome.model;
  if (outcome.errors.length > 0) {
    batch.errors = { object: "list", data: outcome.errors };
    return null;
  }
  return outcome.requests;
}

function run(batch: StoredBatch, upTo: number): void {
  const requests = batch.requests ?? [];
  const from = batch.ran;
  batch.ran = Math.max(batch.ran, Math.min(upTo, requests.length));
  let completed = batch.request_counts.completed;
  for (let i = from; i < batch.ran; i += 1) {
    const request = requests[i] as SimulatedRequest;
    if (request.ok) completed += 1;
    batch.tokens.input += request.inputTokens;
    batch.tokens.output += request.outputTokens;
  }
  batch.request_counts = { total: requests.length, completed, failed: batch.ran - completed };
}

// Writes the output and error files of what ran. An expired batch also gets a
// `batch_expired` error line per request that did not run; OpenAI's `failed` count does not
// include those (an expired batch reported `{total: 10, completed: 1, failed: 0}` with them in
// its error file, warmbly/warmbly#333).
function end(batch: StoredBatch, status: "completed" | "cancelled" | "expired", state: FakeState): void {
  const requests = batch.requests ?? [];
  const output: string[] = [];
  const errors: string[] = [];
  for (let i = 0; i < batch.ran; i += 1) {
    const request = requests[i];
    if (request) (request.ok ? output : errors).push(request.line);
  }
  if (status === "expired") {
    for (let i = batch.ran; i < requests.length; i += 1) {
      errors.push(expiredLine(state.nextId("batch_req_"), (requests[i] as { customId: string }).customId));
    }
  }
  if (output.length > 0) batch.output_file_id = writeResultFile(state, batch, "output", output);
  if (errors.length > 0) batch.error_file_id = writeResultFile(state, batch, "error", errors);
  batch.requests = null;
  batch.status = status;
  const now = state.now();
  if (status === "completed") batch.completed_at = now;
  else if (status === "cancelled") batch.cancelled_at = now;
  else batch.expired_at = now;
}

function writeResultFile(state: FakeState, batch: StoredBatch, kind: "output" | "error", lines: string[]): string {
  const parts: string[] = [];
  for (const line of lines) parts.push(line, "\n");
  const content = new Blob(parts, { type: "application/octet-stream" });
  return storeFile(state, { filename: `${batch.id}_${kind}.jsonl`, purpose: "batch_output", content, lifetime: batch.outputLifetime }).id;
}

/** 404 for an unknown batch (wording unconfirmed). */
function noSuchBatch(id: string): Response {
  return errorResponse(404, { message: `No batch found with id '${id}'.`, param: "batch_id", code: "batch_not_found" });
}

// At most 16 pairs, keys up to 64 characters, string values up to 512 (docs/reference/provider-apis.md §4.2).
function checkMetadata(raw: unknown): Response | null {
  if (raw === undefined || raw === null) return null;
  const metadata = record(raw);
  if (!metadata) return errorResponse(400, invalidType("metadata", "an object", raw));
  const entries = Object.entries(metadata);
  if (entries.length > 16) {
    return errorResponse(400, {
      message: `Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with ${entries.length} properties instead.`,
      param: "metadata",
      code: "object_above_max_properties",
    });
  }
  for (const [key, value] of entries) {
    if (key.length > 64) {
      return errorResponse(400, {
        message: `Invalid 'metadata': string too long. Expected a key with maximum length 64, but got a key with length ${key.length} instead.`,
        param: "metadata",
        code: "string_above_max_length",
      });
    }
    if (typeof value !== "string") return errorResponse(400, invalidType(`metadata.${key}`, "a string", value));
    if (value.length > 512) {
      return errorResponse(400, {
        message: `Invalid 'metadata.${key}': string too long. Expected a string with maximum length 512, but got a string with length ${value.length} instead.`,
        param: `metadata.${key}`,
        code: "string_above_max_length",
      });
    }
  }
  return null;
}

// `{anchor: "created_at", seconds: 3600..2592000}`, the anchor being the file's creation: see
// docs/sources/openai.md § output_expires_after sets when a batch's output and error files
// expire. Wordings in OpenAI's current style (unconfirmed for this param).
function checkOutputExpiresAfter(raw: unknown): Response | null {
  if (raw === undefined || raw === null) return null;
  const value = record(raw);
  const path = "output_expires_after";
  if (!value) return errorResponse(400, invalidType(path, "an object", raw));
  for (const key of Object.keys(value)) {
    if (key !== "anchor" && key !== "seconds") return errorResponse(400, unknownParameter(`${path}.${key}`));
  }
  if (value.anchor === undefined) return errorResponse(400, missingParameter(`${path}.anchor`));
  if (value.anchor !== "created_at") return errorResponse(400, invalidValue(`${path}.anchor`, value.anchor, ["created_at"]));
  const seconds = value.seconds;
  const secondsPath = `${path}.seconds`;
  if (seconds === undefined) return errorResponse(400, missingParameter(secondsPath));
  if (typeof seconds !== "number" || !Number.isInteger(seconds)) return errorResponse(400, invalidType(secondsPath, "an integer", seconds));
  if (seconds < 3600 || seconds > 2_592_000) {
    const below = seconds < 3600;
    return errorResponse(400, {
      message: below
        ? `Invalid '${secondsPath}': integer below minimum value. Expected a value >= 3600, but got ${seconds} instead.`
        : `Invalid '${secondsPath}': integer above maximum value. Expected a value <= 2592000, but got ${seconds} instead.`,
      param: secondsPath,
      code: below ? "integer_below_min_value" : "integer_above_max_value",
    });
  }
  return null;
}

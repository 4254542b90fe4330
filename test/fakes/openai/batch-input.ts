/**
 * What OpenAI does with a batch input file while the batch is `validating`: every line is
 * checked (a bad file fails the whole batch with `errors`), then every request is answered.
 *
 * Error codes are the ones OpenAI documents for batch validation (`invalid_json_line`,
 * `duplicate_custom_id`, `url_mismatch`, `model_mismatch`, `empty_file`, `too_many_tasks`, as
 * listed in stdapi-ai/stdapi.ai#240). Wordings: invalid_json_line is confirmed ("This line is
 * not parseable as valid JSON.", same source); the duplicate's first sentence is from the
 * docs/reference/provider-apis.md §4.1; the others are unconfirmed.
 */
import { validateChatRequest } from "./chat-schema.ts";
import { type OpenAIError, hexId, missingParameter, record } from "./http.ts";
import { answerChat } from "./model.ts";
import type { BatchErrorItem, FakeState, SimulatedRequest } from "./state.ts";

/** OpenAI's per-file limit on requests (docs/reference/provider-apis.md §4.1). */
export const MAX_REQUESTS = 50_000;
/** The fake stops collecting validation errors here (OpenAI's own cap is unknown). */
const MAX_ERRORS = 1_000;
const LINE_KEYS = new Set(["custom_id", "method", "url", "body"]);

export interface BatchInputOutcome {
  /** Validation errors; when any, the batch fails and nothing runs. */
  errors: BatchErrorItem[];
  /** The one model of the file. */
  model: string | null;
  /** Every request's answer, in file order (empty when validation failed). */
  requests: SimulatedRequest[];
}

/**
 * Validates `text` (the input file) for a batch on `endpoint` and answers its requests.
 *
 * @example
 * const { errors, requests } = runBatchInput('{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{…}}\n', "/v1/chat/completions", state);
 */
export function runBatchInput(text: string, endpoint: string, state: FakeState): BatchInputOutcome {
  const errors: BatchErrorItem[] = [];
  const fail = (code: string, message: string, param: string | null, line: number | null) => {
    if (errors.length < MAX_ERRORS) errors.push({ code, message, param, line });
  };
  const lines = text.split("\n");
  const requestLines = lines.filter((line) => line.trim().length > 0).length;
  if (requestLines === 0) {
    fail("empty_file", "The batch input file is empty.", null, null);
    return { errors, model: null, requests: [] };
  }
  if (requestLines > MAX_REQUESTS) {
    fail("too_many_tasks", `The batch input file has ${requestLines} requests; a batch may have at most ${MAX_REQUESTS}.`, null, null);
    return { errors, model: null, requests: [] };
  }

  const seen = new Set<string>();
  const parsed: { customId: string; body: Record<string, unknown> }[] = [];
  let model: string | null = null;
  lines.forEach((raw, index) => {
    if (raw.trim().length === 0) return;
    const lineNumber = index + 1;
    let line: Record<string, unknown> | null;
    try {
      line = record(JSON.parse(raw));
    } catch {
      line = null;
    }
    if (!line) return fail("invalid_json_line", "This line is not parseable as valid JSON.", null, lineNumber);
    const problem = lineProblem(line, endpoint);
    if (problem) return fail(problem.code ?? "invalid_request", problem.message, problem.param ?? null, lineNumber);
    const customId = line.custom_id as string;
    if (seen.has(customId)) {
      return fail(
        "duplicate_custom_id",
        "The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each individual request in a batch.",
        "custom_id",
        lineNumber,
      );
    }
    seen.add(customId);
    const body = line.body as Record<string, unknown>;
    if (typeof body.model !== "string") return fail("missing_required_parameter", "Missing required parameter: 'body.model'.", "body.model", lineNumber);
    if (model === null) model = body.model;
    else if (body.model !== model) {
      return fail(
        "model_mismatch",
        `The model '${body.model}' of this request does not match the model '${model}' of the batch's other requests: a batch input file may contain requests to one model only.`,
        "body.model",
        lineNumber,
      );
    }
    parsed.push({ customId, body });
  });
  if (errors.length > 0) return { errors, model, requests: [] };
  return { errors, model, requests: parsed.map((request) => answer(request.customId, request.body, endpoint, state)) };
}

function lineProblem(line: Record<string, unknown>, endpoint: string): OpenAIError | null {
  for (const key of Object.keys(line)) {
    if (!LINE_KEYS.has(key)) return { message: `Unknown parameter: '${key}'.`, param: key, code: "unknown_parameter" };
  }
  for (const key of ["custom_id", "method", "url", "body"]) if (line[key] === undefined) return missingParameter(key);
  if (typeof line.custom_id !== "string") return { message: "Invalid type for 'custom_id': expected a string.", param: "custom_id", code: "invalid_type" };
  if (line.method !== "POST") {
    return { message: `Invalid value: '${String(line.method)}'. Supported values are: 'POST'.`, param: "method", code: "invalid_value" };
  }
  if (line.url !== endpoint) {
    return {
      message: `The URL '${String(line.url)}' of this request does not match the batch's endpoint '${endpoint}'.`,
      param: "url",
      code: "url_mismatch",
    };
  }
  if (!record(line.body)) return { message: "Invalid type for 'body': expected an object.", param: "body", code: "invalid_type" };
  return null;
}

// One request, run: a chat completion line, or an error line with the HTTP error OpenAI
// would have answered that body (docs/reference/provider-apis.md §4.4).
function answer(customId: string, body: Record<string, unknown>, endpoint: string, state: FakeState): SimulatedRequest {
  const lineId = state.nextId("batch_req_");
  if (endpoint !== "/v1/chat/completions") {
    return errorLine(lineId, customId, 400, { message: `The fake OpenAI runs only /v1/chat/completions batches, not ${endpoint}.` });
  }
  const invalid = validateChatRequest(body, (fileId) => state.files.get(fileId)?.purpose);
  if (invalid) return errorLine(lineId, customId, 400, invalid);
  const answered = answerChat(body, state.nextId("chatcmpl-"), state.now());
  if (!answered.ok) return errorLine(lineId, customId, answered.status, answered.error);
  return {
    customId,
    ok: true,
    inputTokens: answered.inputTokens,
    outputTokens: answered.outputTokens,
    line: JSON.stringify({
      id: lineId,
      custom_id: customId,
      response: { status_code: 200, request_id: hexId(), body: answered.body },
      error: null,
    }),
  };
}

function errorLine(lineId: string, customId: string, status: number, error: OpenAIError): SimulatedRequest {
  const body = {
    error: { message: error.message, type: error.type ?? "invalid_request_error", param: error.param ?? null, code: error.code ?? null },
  };
  return {
    customId,
    ok: false,
    inputTokens: 0,
    outputTokens: 0,
    line: JSON.stringify({ id: lineId, custom_id: customId, response: { status_code: status, request_id: hexId(), body }, error: null }),
  };
}

/**
 * The error line OpenAI writes for a request an expired batch never ran (docs/reference/provider-apis.md §4.4).
 *
 * @example
 * expiredLine("batch_req_1", "a") // '{"id":"batch_req_1","custom_id":"a","response":null,"error":{"code":"batch_expired",…}}'
 */
export function expiredLine(lineId: string, customId: string): string {
  return JSON.stringify({
    id: lineId,
    custom_id: customId,
    response: null,
    error: { code: "batch_expired", message: "This request could not be executed before the completion window expired." },
  });
}

/**
 * A strict fake of the Bedrock runtime's InvokeModel (restJson1, SigV4 signing name `bedrock`),
 * from the API reference (see docs/sources/bedrock.md § InvokeModel, § InvokeModel errors):
 *
 * | operation | route |
 * |---|---|
 * | InvokeModel | `POST /model/{modelId}/invoke` |
 *
 * `modelId` is one path segment, URL-encoded (an ARN's `/` and `:` too, as the AWS SDKs send it).
 * The body is the model's own request (for Anthropic models the Messages body with
 * `anthropic_version`), answered by the simulated model of ./model.ts: a Message on success, and
 * for a body the model refuses a 400 ValidationException with the model's message (the
 * "Malformed input request: …" messages Bedrock users quote come from InvokeModel). A model ID
 * that is not an Anthropic model is a ValidationException "The provided model identifier is
 * invalid.", as the control plane's create answers.
 *
 * Errors are Bedrock's: `x-amzn-ErrorType` and `{"message"}` with the status of each exception
 * (ThrottlingException 429, ModelNotReadyException 429, ServiceUnavailableException 503,
 * AccessDeniedException 403, ValidationException 400, ModelTimeoutException 408,
 * InternalServerException 500). A test makes the next calls fail with `failNext`, and slows
 * every answer with `latencyMs` (so concurrency can be measured: `maxInFlight`).
 */
import { controlError, controlSignatureError } from "./errors.ts";
import { answerRecord } from "./model.ts";
import { sha256Hex, verifySigV4 } from "./sigv4.ts";
import type { FakeAccount } from "./types.ts";
import { checkString, MODEL_ID, violationMessage, type Violations } from "./validation.ts";

/** The InvokeModel refusals a test can ask for, as Bedrock words them. */
export const RUNTIME_ERRORS = {
  ThrottlingException: { status: 429, message: "Too many requests, please wait before trying again." },
  ModelNotReadyException: { status: 429, message: "Model is not ready to serve inference requests. The AWS SDK will automatically retry the operation up to 5 times." },
  ServiceUnavailableException: { status: 503, message: "Bedrock is unable to process your request." },
  AccessDeniedException: { status: 403, message: "You don't have access to the model with the specified model ID." },
  ValidationException: { status: 400, message: "Input is too long for requested model." },
  ModelTimeoutException: { status: 408, message: "Model has timed out in processing the request. Try your request again." },
  InternalServerException: { status: 500, message: "The server encountered an internal error while processing the request." },
} as const;

export type RuntimeErrorType = keyof typeof RUNTIME_ERRORS;

/** What the runtime fake is asked to do beyond answering. */
export interface RuntimeControls {
  /** Failures to answer, in order, before the model answers again. */
  failures: RuntimeErrorType[];
  /** Each answer waits this long (ms). */
  latencyMs: number;
  inFlight: number;
  maxInFlight: number;
}

/**
 * Fresh controls: no failures, no latency.
 *
 * @example
 * const controls = newRuntimeControls();
 */
export function newRuntimeControls(): RuntimeControls {
  return { failures: [], latencyMs: 0, inFlight: 0, maxInFlight: 0 };
}

/** A request routed to the runtime, with its body already read. */
export interface RuntimeRequest {
  method: string;
  url: URL;
  /** The path after any routing prefix, still percent-encoded. */
  path: string;
  headers: Headers;
  body: Uint8Array;
}

/**
 * Answers one runtime request.
 *
 * @example
 * const response = await handleRuntimeRequest(request, account, controls);
 */
export async function handleRuntimeRequest(request: RuntimeRequest, account: FakeAccount, controls: RuntimeControls): Promise<Response> {
  const failure = await verifySigV4(
    { method: request.method, url: request.url, headers: request.headers, payloadHash: await sha256Hex(request.body) },
    "bedrock",
    account,
  );
  if (failure) return controlSignatureError(failure);
  const segments = request.path.split("/").slice(1);
  if (request.method !== "POST" || segments.length !== 3 || segments[0] !== "model" || segments[2] !== "invoke") {
    return controlError(404, "UnknownOperationException", `No operation matches ${request.method} ${request.path}`);
  }
  controls.inFlight++;
  controls.maxInFlight = Math.max(controls.maxInFlight, controls.inFlight);
  try {
    if (controls.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, controls.latencyMs));
    return invokeModel(safeDecode(segments[1] ?? ""), request, controls);
  } finally {
    controls.inFlight--;
  }
}

function invokeModel(modelId: string, request: RuntimeRequest, controls: RuntimeControls): Response {
  const violations: Violations = { messages: [] };
  checkString(violations, "modelId", modelId, MODEL_ID, true);
  if (violations.messages.length > 0) return controlError(400, "ValidationException", violationMessage(violations) ?? "");
  const forced = controls.failures.shift();
  if (forced) return controlError(RUNTIME_ERRORS[forced].status, forced, RUNTIME_ERRORS[forced].message);
  if (!/(^|\.|\/)anthropic\./.test(modelId)) return controlError(400, "ValidationException", "The provided model identifier is invalid.");
  if (!(request.headers.get("content-type") ?? "").startsWith("application/json")) {
    return controlError(400, "ValidationException", "The provided Content-Type is not supported for this model: use application/json.");
  }
  let modelInput: unknown;
  try {
    modelInput = JSON.parse(new TextDecoder().decode(request.body));
  } catch {
    return controlError(400, "ValidationException", "Malformed input request: #: expected type: JSONObject, please reformat your input and try again.");
  }
  const answer = answerRecord(modelInput, modelId);
  if (!answer.ok) return controlError(answer.errorCode, "ValidationException", answer.errorMessage);
  return new Response(JSON.stringify(answer.output), {
    status: 200,
    headers: {
      "content-type": "application/json",
      "x-amzn-requestid": crypto.randomUUID(),
      "x-amzn-bedrock-input-token-count": String(answer.inputTokens),
      "x-amzn-bedrock-output-token-count": String(answer.outputTokens),
    },
  });
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

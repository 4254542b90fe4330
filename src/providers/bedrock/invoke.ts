/**
 * One request run on demand: Bedrock's InvokeModel (`POST /model/{modelId}/invoke` on the
 * runtime endpoint, SigV4 signing name `bedrock`). For Anthropic models the body is the same
 * `modelInput` a batch record carries and the answer is an Anthropic Message, so a request the
 * gateway runs itself comes back in the very shape of a batch output line (`{recordId,
 * modelOutput}` or `{recordId, error: {errorCode, errorMessage}}`) and goes through the same
 * result translator (see docs/sources/bedrock.md § InvokeModel).
 *
 * Transient refusals are retried here with exponential backoff: ThrottlingException and
 * ModelNotReadyException (429; AWS SDKs retry the latter up to 5 times), a
 * ServiceQuotaExceededException (400, a rate limit: see ./client.ts), ServiceUnavailableException
 * (503), InternalServerException (500) and a failed connection (see docs/sources/bedrock.md
 * § InvokeModel errors). When they persist, the request is `deferred`: the caller tries it again
 * later instead of failing it. A call still unanswered after `INVOKE_TIMEOUT_MS` is given up as
 * the request's 408 (a step must end within a queue consumer's 15 minutes, see
 * docs/sources/cloudflare.md § Queues: a consumer runs at most 15 minutes; else the step would
 * be killed and run again, forever). Every other refusal (ValidationException, AccessDeniedException,
 * ResourceNotFoundException, ModelTimeoutException, ModelErrorException…) is the request's
 * result, as Bedrock's own batch output reports a record's failure.
 */
import { UpstreamError } from "../../lib/errors";
import type { ProviderContext } from "../types";
import type { AwsCalls } from "./client";
import type { BedrockOutputLine } from "./wire";
import { isRecord } from "../../lib/is-record";

/** Upstream statuses worth another try (after ./client.ts turned ServiceQuotaExceeded into 429; 0: no answer). */
const TRANSIENT = new Set([0, 429, 500, 502, 503, 504]);

/** Tries after the first, as the AWS SDKs allow ModelNotReadyException. */
export const INVOKE_RETRIES = 5;
const DEFAULT_BASE_DELAY_MS = 500;
/** The longest one InvokeModel call may take (all of a step's calls run at once). */
export const INVOKE_TIMEOUT_MS = 12 * 60 * 1000;
const MAX_DELAY_MS = 10_000;

/** What became of one InvokeModel call. */
export type InvokeOutcome =
  /** Bedrock answered: the request's output line (its `recordId` included). */
  | { kind: "answered"; line: BedrockOutputLine }
  /** Still throttled (or Bedrock still unavailable) after every retry: try again later. */
  | { kind: "deferred"; line: BedrockOutputLine };

/**
 * Runs one record's `modelInput` on `modelId` with InvokeModel, retrying transient refusals.
 * A `deferred` outcome carries the failure as an error line, for a caller that gives up.
 *
 * @example
 * const outcome = await invokeRecord(ctx, aws, "anthropic.claude-3-haiku-20240307-v1:0", { recordId: "q1", modelInput });
 * if (outcome.kind === "answered") toResultLine(outcome.line, "claude-3-haiku-20240307");
 */
export async function invokeRecord(
  ctx: ProviderContext,
  aws: AwsCalls,
  modelId: string,
  record: { recordId: string; modelInput: unknown },
): Promise<InvokeOutcome> {
  const baseDelay = retryBaseMs(ctx);
  const path = `/model/${encodeURIComponent(modelId)}/invoke`;
  const deadline = Date.now() + INVOKE_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await aws.runtime("POST", path, record.modelInput, AbortSignal.timeout(Math.max(1, deadline - Date.now())));
      return { kind: "answered", line: await outputLine(record.recordId, response) };
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      if (Date.now() >= deadline) {
        const errorMessage = `the gateway stopped waiting for InvokeModel after ${INVOKE_TIMEOUT_MS / 60_000} minutes`;
        return { kind: "answered", line: { recordId: record.recordId, error: { errorCode: 408, errorMessage } } };
      }
      const line = errorLine(record.recordId, error);
      if (!TRANSIENT.has(error.upstreamStatus)) return { kind: "answered", line };
      if (attempt >= INVOKE_RETRIES) return { kind: "deferred", line };
      const ceiling = Math.min(MAX_DELAY_MS, baseDelay * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + (Math.random() * ceiling) / 2));
    }
  }
}

async function outputLine(recordId: string, response: Response): Promise<BedrockOutputLine> {
  const text = await response.text();
  try {
    const body: unknown = JSON.parse(text);
    if (isRecord(body)) return { recordId, modelOutput: body };
  } catch {
    // Described below.
  }
  return { recordId, error: { errorCode: 502, errorMessage: "InvokeModel answered with a body that is not a JSON object" } };
}

// The line Bedrock's batch output would hold: the HTTP status and "<Code>: <message>" (./client.ts
// re-states AWS errors so), without the gateway's "bedrock upstream error (HTTP n): " prefix.
function errorLine(recordId: string, error: UpstreamError): BedrockOutputLine {
  const errorMessage = error.message.replace(/^bedrock upstream error \(HTTP \d+\): /, "");
  return { recordId, error: { errorCode: error.upstreamStatus === 0 ? 502 : error.upstreamStatus, errorMessage } };
}

// UPSTREAM_RETRY_BASE_MS shortens every upstream backoff (tests use 1 ms).
function retryBaseMs(ctx: ProviderContext): number {
  const value = Number(ctx.env.UPSTREAM_RETRY_BASE_MS ?? DEFAULT_BASE_DELAY_MS);
  return Number.isFinite(value) && value >= 0 ? value : DEFAULT_BASE_DELAY_MS;
}

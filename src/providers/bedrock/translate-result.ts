/**
 * One line of a Bedrock batch output file (`<input>.jsonl.out`) → one Anthropic results line.
 * For Anthropic models `modelOutput` is the InvokeModel response body, which is already an
 * Anthropic Message; a record that failed carries `error: {errorCode, errorMessage}` instead
 * (docs.aws.amazon.com/bedrock/latest/userguide/batch-inference-results.html). `modelInput` is
 * echoed back by Bedrock and dropped here.
 */
import type { BedrockOutputLine } from "./wire";
import { errorTypeForStatus, UpstreamError } from "../../lib/errors";
import type { BatchResultLine } from "../../domain/batch-result";
import { isRecord } from "../../lib/is-record";

/**
 * The Anthropic result of one output line. `model` fills in the message's `model` when Bedrock
 * left it out.
 *
 * @example
 * toResultLine({ recordId: "a", error: { errorCode: 429, errorMessage: "Too many tokens" } }, "claude-3-haiku-20240307")
 * // → { custom_id: "a", result: { type: "errored", error: { type: "error", error: { type: "rate_limit_error", message: "bedrock: Too many tokens" } } } }
 */
export function toResultLine(line: BedrockOutputLine, model: string): BatchResultLine {
  // The batch output's reader skips such a line (./batches.ts); this guards the gateway's own
  // InvokeModel lines (./invoke-job.ts), which always carry one.
  if (typeof line.recordId !== "string" || line.recordId === "") {
    throw new UpstreamError("bedrock", 502, "malformed batch output: a line has no recordId");
  }
  const customId = line.recordId;
  if (isRecord(line.modelOutput)) {
    const message = { ...line.modelOutput };
    if (typeof message.model !== "string" || message.model === "") message.model = model;
    return { custom_id: customId, result: { type: "succeeded", message } };
  }
  if (isRecord(line.error)) {
    const code = Number(line.error.errorCode);
    const status = Number.isInteger(code) && code >= 400 ? code : 500;
    const text = typeof line.error.errorMessage === "string" && line.error.errorMessage !== "" ? line.error.errorMessage : `error code ${String(line.error.errorCode)}`;
    return {
      custom_id: customId,
      result: { type: "errored", error: { type: "error", error: { type: errorTypeForStatus(status), message: `bedrock: ${text}` } } },
    };
  }
  return {
    custom_id: customId,
    result: { type: "errored", error: { type: "error", error: { type: "api_error", message: "bedrock: the record has neither modelOutput nor error" } } },
  };
}

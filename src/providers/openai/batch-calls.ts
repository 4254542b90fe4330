/**
 * Calls on one OpenAI batch job: retrieve and cancel.
 */
import type { ProviderContext } from "../types";
import { isUpstreamStatus, openaiFetch, openaiJson } from "./client";
import type { OpenAIConfig } from "./config";
import type { OpenAIBatch } from "./wire";

/**
 * `GET /batches/{id}`.
 *
 * @example
 * const batch = await retrieveBatch(ctx, config, "batch_abc"); // batch.status "in_progress"
 */
export function retrieveBatch(ctx: ProviderContext, config: OpenAIConfig, batchId: string): Promise<OpenAIBatch> {
  return openaiJson<OpenAIBatch>(ctx, config, `/batches/${encodeURIComponent(batchId)}`);
}

/**
 * Cancels an OpenAI batch. OpenAI refuses (400/409) to cancel a batch that is cancelling or
 * has ended; such a batch counts as cancelled.
 *
 * @example
 * await cancelBatch(ctx, config, "batch_abc");
 */
export async function cancelBatch(ctx: ProviderContext, config: OpenAIConfig, batchId: string): Promise<void> {
  try {
    const response = await openaiFetch(ctx, config, `/batches/${encodeURIComponent(batchId)}/cancel`, { method: "POST" });
    await response.body?.cancel();
  } catch (error) {
    if (!isUpstreamStatus(error, 400, 409)) throw error;
    const batch = await retrieveBatch(ctx, config, batchId);
    if (batch.status === "validating" || batch.status === "in_progress" || batch.status === "finalizing") throw error;
  }
}

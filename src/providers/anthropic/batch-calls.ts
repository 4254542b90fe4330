/** The calls on one existing Message Batch, by its native ID. */
import { UpstreamError } from "../../lib/errors";
import { readUpstreamJson } from "../../lib/upstream";
import type { ProviderContext } from "../types";
import { anthropicFetch, PROVIDER } from "./client";
import type { AnthropicMessageBatch } from "./wire";

/**
 * The batch as Anthropic has it now.
 *
 * @example
 * (await retrieveBatch(ctx, "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF")).processing_status // "in_progress"
 */
export async function retrieveBatch(ctx: ProviderContext, nativeId: string): Promise<AnthropicMessageBatch> {
  const response = await anthropicFetch(ctx, { surface: "batches", method: "GET", path: batchPath(nativeId) });
  return readUpstreamJson<AnthropicMessageBatch>(PROVIDER, response);
}

/**
 * Asks Anthropic to cancel the batch (it moves to `canceling`, then ends).
 *
 * @example
 * await cancelBatch(ctx, "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF");
 */
export async function cancelBatch(ctx: ProviderContext, nativeId: string): Promise<void> {
  await discard(anthropicFetch(ctx, { surface: "batches", method: "POST", path: `${batchPath(nativeId)}/cancel` }));
}

/**
 * Deletes the batch; one already gone counts as deleted. Anthropic deletes only ended batches:
 * one still running is cancelled, and the call fails, so the gateway keeps its record and the
 * reconciler deletes the batch once it has ended.
 *
 * @example
 * await deleteBatch(ctx, "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF");
 */
export async function deleteBatch(ctx: ProviderContext, nativeId: string): Promise<void> {
  const remove = () => discard(anthropicFetch(ctx, { surface: "batches", method: "DELETE", path: batchPath(nativeId) }));
  try {
    await remove();
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    if (error.upstreamStatus === 404) return;
    if (error.upstreamStatus !== 400) throw error;
    // The 400's wording is not a stable contract: the batch's own state says whether it runs on.
    const batch = await retrieveBatch(ctx, nativeId);
    // It may have ended in between: then it can be deleted now.
    if (batch.processing_status === "ended") return remove();
    if (batch.processing_status === "in_progress") await cancelBatch(ctx, nativeId);
    throw error;
  }
}

function batchPath(nativeId: string): string {
  return `/v1/messages/batches/${encodeURIComponent(nativeId)}`;
}

async function discard(response: Promise<Response>): Promise<void> {
  await (await response).body?.cancel();
}

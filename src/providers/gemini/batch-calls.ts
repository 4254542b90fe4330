/**
 * The calls on one Gemini batch job (`batches/…`), by its resource name.
 */
import { UpstreamError } from "../../lib/errors";
import type { ProviderContext } from "../types";
import { geminiClient, isGone, PROVIDER, resourcePath } from "./client";

/**
 * The batch as Gemini has it now, as a stream: an inline batch's body holds its responses,
 * so it is read as it arrives (batch-reader.ts), never whole.
 *
 * @example
 * const summary = await readBatchSummary(await retrieveBatchBody(ctx, "batches/abc123"));
 */
export async function retrieveBatchBody(ctx: ProviderContext, name: string): Promise<ReadableStream<Uint8Array>> {
  const response = await geminiClient(ctx).fetch(resourcePath(name));
  if (!response.body) throw new UpstreamError(PROVIDER, 502, "malformed batch response (empty body)");
  return response.body;
}

/**
 * Asks Gemini to cancel the batch; one that already ended has nothing left to cancel.
 *
 * @example
 * await cancelBatch(ctx, "batches/abc123");
 */
export async function cancelBatch(ctx: ProviderContext, name: string): Promise<void> {
  try {
    const response = await geminiClient(ctx).fetch(resourcePath(name, ":cancel"), { method: "POST" });
    await response.body?.cancel();
  } catch (error) {
    // A job that already ended has nothing left to cancel.
    if (error instanceof UpstreamError && error.upstreamStatus === 400 && /FAILED_PRECONDITION|terminal|already/i.test(error.message)) return;
    throw error;
  }
}

/**
 * Deletes the batch; one already gone counts as deleted.
 *
 * @example
 * await deleteBatch(ctx, "batches/abc123");
 */
export async function deleteBatch(ctx: ProviderContext, name: string): Promise<void> {
  try {
    const response = await geminiClient(ctx).fetch(resourcePath(name), { method: "DELETE" });
    await response.body?.cancel();
  } catch (error) {
    if (!isGone(error)) throw error;
  }
}

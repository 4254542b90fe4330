/** An adapter's line-by-line results from its chunked ones. */
import type { BatchResultChunk, BatchResultLine } from "../domain/batch-result";

/**
 * The lines of result chunks, one at a time: what `results` yields, read through the same
 * code as `resultChunks` (one reader and one check of each line per provider, not two).
 *
 * @example
 * results: (ctx, job) => chunkLines(readResultChunks(ctx, job)),
 */
export async function* chunkLines(chunks: AsyncIterable<BatchResultChunk>): AsyncGenerator<BatchResultLine> {
  for await (const { lines } of chunks) yield* lines;
}

/** Lines handed out one at a time from chunks of lines. */

/**
 * The lines of `chunks`, one at a time: an adapter's `results` from its `resultChunks` (one
 * reader and one check of each line per provider, not two), and the merged results' lines.
 *
 * @example
 * results: (ctx, job) => chunkLines(readResultChunks(ctx, job)),
 */
export async function* chunkLines<T>(chunks: AsyncIterable<{ lines: readonly T[] }>): AsyncGenerator<T> {
  for await (const { lines } of chunks) yield* lines;
}

/**
 * JSON Lines over web streams, at constant memory: bytes are decoded and split as they come,
 * and only the current partial line is held.
 */

/**
 * Yields each non-empty line of a byte stream as a string, without its line ending.
 *
 * @example
 * for await (const line of readLines(response.body!)) console.log(line);
 */
export async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let pending = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let start = 0;
      let newline = pending.indexOf("\n", start);
      while (newline !== -1) {
        const line = trimCarriageReturn(pending.slice(start, newline));
        if (line.length > 0) yield line;
        start = newline + 1;
        newline = pending.indexOf("\n", start);
      }
      pending = pending.slice(start);
    }
    pending += decoder.decode();
    const last = trimCarriageReturn(pending);
    if (last.trim().length > 0) yield last;
  } finally {
    reader.releaseLock();
  }
}

/**
 * Yields each line of a JSONL byte stream, parsed. A line that is not JSON throws.
 *
 * @example
 * for await (const row of readJsonLines<{ custom_id: string }>(body)) seen.add(row.custom_id);
 */
export async function* readJsonLines<T = unknown>(body: ReadableStream<Uint8Array>): AsyncGenerator<T> {
  for await (const line of readLines(body)) {
    if (line.trim().length === 0) continue;
    yield JSON.parse(line) as T;
  }
}

/**
 * A byte stream of JSONL from an async iterable of values, pulled on demand (backpressure:
 * nothing is produced faster than the consumer reads).
 *
 * @example
 * return new Response(toJsonLines(results), { headers: { "content-type": "application/x-jsonl" } });
 */
export function toJsonLines(values: AsyncIterable<unknown>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = values[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Several lines per chunk: one enqueue per line costs more than the translation.
        let text = "";
        while (text.length < 64 * 1024) {
          const next = await iterator.next();
          if (next.done) {
            if (text) controller.enqueue(encoder.encode(text));
            controller.close();
            return;
          }
          text += JSON.stringify(next.value) + "\n";
        }
        controller.enqueue(encoder.encode(text));
      },
      async cancel(reason) {
        await iterator.return?.(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function trimCarriageReturn(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

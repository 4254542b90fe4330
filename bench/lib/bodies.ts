/**
 * What the clients send: batch create bodies of N requests (about 600 bytes each, so 100,000
 * requests make about 60 MB) and multipart uploads of any size, generated as they are read.
 */

export const MODELS = {
  anthropic: "claude-3-5-haiku-20241022",
  openai: "gpt-4o-mini",
  gemini: "gemini-2.5-flash",
} as const;

export type BatchProvider = keyof typeof MODELS;

const PROSE =
  "Summarise the following note in one sentence and list any dates it mentions. The quarterly review moved from the ninth to the " +
  "sixteenth, the budget draft is due before the review, and the team agreed to retire the old dashboard once the new reports " +
  "cover every region. Keep the answer short, plain and free of lists beyond the dates themselves. If a date is ambiguous, say " +
  "which reading you chose and why, in a clause of its own at the end; ";

/**
 * A batch create body, `{"requests":[…]}`, whole (the client is never the bottleneck).
 *
 * @example
 * const body = batchBody("openai", 100_000); // ≈ 60 MB
 */
export function batchBody(provider: BatchProvider, count: number): Uint8Array<ArrayBuffer> {
  const parts: string[] = ['{"requests":['];
  for (let index = 0; index < count; index++) {
    const request = {
      custom_id: `req-${index}`,
      params: {
        model: MODELS[provider],
        max_tokens: 256,
        messages: [{ role: "user", content: `Request ${index}. ${PROSE}` }],
      },
    };
    parts.push(index === 0 ? "" : ",", JSON.stringify(request));
  }
  parts.push("]}");
  return new TextEncoder().encode(parts.join(""));
}

/** `size` bytes of a repeating printable pattern, produced in 256 KiB chunks as they are pulled. */
export function patternStream(size: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(256 * 1024);
  for (let index = 0; index < chunk.length; index++) chunk[index] = 32 + (index % 95);
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= size) {
          controller.close();
          return;
        }
        const length = Math.min(chunk.length, size - sent);
        // A copy per chunk: the consumer may keep or transfer what it is given.
        controller.enqueue(chunk.slice(0, length));
        sent += length;
      },
    },
    { highWaterMark: 0 },
  );
}

/** A multipart/form-data body holding one file part named `file` of `size` bytes. */
export function multipartUpload(size: number, filename: string): { body: ReadableStream<Uint8Array>; contentType: string } {
  const boundary = `----batchbridgebench${Date.now().toString(16)}`;
  const head = new TextEncoder().encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
  const file = patternStream(size).getReader();
  let stage: "head" | "file" | "tail" | "done" = "head";
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (stage === "head") {
          controller.enqueue(head);
          stage = "file";
          return;
        }
        if (stage === "file") {
          const { done, value } = await file.read();
          if (!done) {
            controller.enqueue(value);
            return;
          }
          stage = "tail";
        }
        if (stage === "tail") {
          controller.enqueue(tail);
          stage = "done";
          return;
        }
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Wiring for the Gemini adapter tests: a context whose upstream is the strict fake.
 */
import type { ProviderContext } from "../../../src/providers/types";
import type { Artifact } from "../../../src/domain/artifact";
import type { BatchResultLine } from "../../../src/domain/batch-result";
import { createFakeGemini, type FakeGemini, type FakeGeminiOptions, type RecordedCall } from "../../fakes/gemini/index.ts";

export const API_KEY = "test-gemini-key";
export const BASE_URL = "https://gemini.fake";

export interface Harness {
  fake: FakeGemini;
  ctx: ProviderContext;
  /** Calls to the Gemini API proper (upload sessions included), in order. */
  calls(): RecordedCall[];
}

/**
 * A fake and a context pointing at it; `env` adds or overrides settings.
 *
 * @example
 * const { ctx, fake } = harness({ GEMINI_UPLOAD_CHUNK_BYTES: "262144" });
 */
export function harness(env: Record<string, string> = {}, options: FakeGeminiOptions = {}): Harness {
  const fake = createFakeGemini({ apiKey: API_KEY, ...options });
  const ctx: ProviderContext = {
    env: { GEMINI_API_KEY: API_KEY, GEMINI_BASE_URL: BASE_URL, ...env },
    fetch: ((input: RequestInfo | URL, init?: RequestInit) => fake.fetch(new Request(input, init))) as typeof fetch,
    clientBetas: [],
  };
  return { fake, ctx, calls: () => fake.calls };
}

/** A sink that keeps what the adapter records. */
export function memorySink(): { record(artifact: Artifact): Promise<void>; artifacts: Artifact[] } {
  const artifacts: Artifact[] = [];
  return {
    artifacts,
    async record(artifact) {
      artifacts.push(artifact);
    },
  };
}

/** Every result of an async iterable. */
export async function collect(results: AsyncIterable<BatchResultLine>): Promise<BatchResultLine[]> {
  const lines: BatchResultLine[] = [];
  for await (const line of results) lines.push(line);
  return lines;
}

/** A byte stream of `bytes`, delivered in pieces of `piece` bytes. */
export function streamOf(bytes: Uint8Array, piece = 65_536): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + piece));
      offset += piece;
    },
  });
}

/** Deterministic bytes of a given size. */
export function bytesOf(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) % 251;
  return bytes;
}

/** The thrown error of a promise (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

/**
 * Small helpers every provider's unit tests share: byte streams, reading results and bodies,
 * the error a call rejects with, resolved files and sinks.
 */
import type { BatchSink, ResolvedFile, UpstreamFile } from "../../../src/providers/types";
import type { Artifact } from "../../../src/domain/artifact";

/**
 * A byte stream of the given chunks, one chunk per read.
 *
 * @example
 * streamOf("The brief.")
 */
export function streamOf(...chunks: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

/**
 * A byte stream of `bytes`, delivered in pieces of `piece` bytes, as they are pulled. With
 * `{ byteStream: true }` it is a `type: "bytes"` stream, as the runtime's bodies are, so it can
 * be read through a BYOB reader (a BYOB read still waiting for its minimum is answered with what
 * it has when the stream closes).
 *
 * @example
 * chunkedStream(bytesOf(1_000_000), 65_536)
 * chunkedStream(bytesOf(1_000_000), 4_096, { byteStream: true }).getReader({ mode: "byob" })
 */
export function chunkedStream(bytes: Uint8Array, piece = 65_536, options: { byteStream?: boolean } = {}): ReadableStream<Uint8Array> {
  let offset = 0;
  const pull = (controller: { enqueue(chunk: Uint8Array): void; close(): void }) => {
    if (offset >= bytes.byteLength) {
      controller.close();
      return;
    }
    controller.enqueue(bytes.slice(offset, offset + piece));
    offset += piece;
  };
  return options.byteStream ? new ReadableStream({ type: "bytes", pull }) : new ReadableStream<Uint8Array>({ pull });
}

/**
 * Deterministic bytes of a given size.
 *
 * @example
 * bytesOf(3) // Uint8Array [7, 38, 69]
 */
export function bytesOf(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) % 251;
  return bytes;
}

/**
 * A body as text, whatever its content type (`.text()` warns on octet-stream in workerd).
 *
 * @example
 * await bodyText(await h.call("GET", "/v1/files/file-1/content"))
 */
export async function bodyText(response: Response): Promise<string> {
  return new TextDecoder().decode(await response.arrayBuffer());
}

/**
 * Every item of an async iterable, in order.
 *
 * @example
 * const lines = await collect(adapter.batches.results(ctx, job));
 */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/**
 * The error a promise rejects with (fails the test if it resolves).
 *
 * @example
 * const error = await rejectionOf(adapter.files!.retrieve(ctx, file));
 */
export async function rejectionOf<E = Error>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error("expected the promise to reject");
}

/**
 * The name, status, type and message of an error, for exact comparison.
 *
 * @example
 * expect(describeError(error)).toEqual({ name: "GatewayError", status: 404, type: "not_found_error", message: "…" });
 */
export function describeError(error: unknown): { name: string; status: number; type: string; message: string } {
  const e = error as { name: string; status: number; type: string; message: string };
  return { name: e.name, status: e.status, type: e.type, message: e.message };
}

/**
 * The `ResolvedFile` the service would hand the adapter for an uploaded file.
 *
 * @example
 * const files = new Map([["file_gw1", resolved("file_gw1", uploaded)]]);
 */
export function resolved(gatewayId: string, file: UpstreamFile): ResolvedFile {
  return { gatewayId, nativeId: file.nativeId, filename: file.filename, mimeType: file.mimeType, native: file.native };
}

/**
 * A sink that remembers what was recorded.
 *
 * @example
 * const sink = recordingSink(); // sink.artifacts after the create
 */
export function recordingSink(): BatchSink & { artifacts: Artifact[] } {
  const artifacts: Artifact[] = [];
  return {
    artifacts,
    async record(artifact) {
      artifacts.push(artifact);
    },
  };
}

/**
 * Hex SHA-256, to compare with `x-amz-content-sha256`.
 *
 * @example
 * await sha256("") // "e3b0…"
 */
export async function sha256(text: string | Uint8Array): Promise<string> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

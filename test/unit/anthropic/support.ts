/** What the Anthropic adapter tests share: a fake, a context pointing at it, and small helpers. */
import type { BatchSink, ProviderContext, ResolvedFile, UpstreamFile } from "../../../src/providers/types";
import type { Artifact } from "../../../src/domain/artifact";
import { createFakeAnthropic, type FakeAnthropic } from "../../fakes/anthropic/index.ts";

export const KEY = "test-anthropic-key";
export const ORIGIN = "https://api.anthropic.test";
export const NOW = "2026-01-01T00:00:00.000Z";

/** The headers every adapter call carries, as the fake records them. */
export const AUTH_HEADERS = { "x-api-key": KEY, "anthropic-version": "2023-06-01" };

export function newFake(): FakeAnthropic {
  return createFakeAnthropic({ apiKey: KEY, now: () => new Date(NOW) });
}

/** A context whose upstream is `fake`; the base URL has a trailing slash, as users write it. */
export function contextFor(fake: FakeAnthropic, overrides: Partial<ProviderContext> = {}): ProviderContext {
  return {
    env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: `${ORIGIN}/` },
    fetch: (input, init) => fake.fetch(new Request(input, init)),
    clientBetas: [],
    ...overrides,
  };
}

/** Calls the fake directly, as a test (not the adapter) would. */
export async function callFake(fake: FakeAnthropic, method: string, path: string, init: { headers?: Record<string, string>; body?: BodyInit } = {}): Promise<Response> {
  return fake.fetch(new Request(`${ORIGIN}${path}`, { method, headers: { ...AUTH_HEADERS, ...init.headers }, body: init.body }));
}

export function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

export function resolved(gatewayId: string, file: UpstreamFile): ResolvedFile {
  return { gatewayId, nativeId: file.nativeId, filename: file.filename, mimeType: file.mimeType, native: file.native };
}

/** A sink that remembers what was recorded. */
export function recordingSink(): BatchSink & { artifacts: Artifact[] } {
  const artifacts: Artifact[] = [];
  return {
    artifacts,
    async record(artifact) {
      artifacts.push(artifact);
    },
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

/** The status, type and message of an error, for exact comparison. */
export function describeError(error: unknown): { name: string; status: number; type: string; message: string } {
  const e = error as { name: string; status: number; type: string; message: string };
  return { name: e.name, status: e.status, type: e.type, message: e.message };
}

/** Queues an injected failure on the fake (its `/__fake/fail-next` control route). */
export async function failNext(fake: FakeAnthropic, failure: { status: number; message?: string; body?: string; times?: number }): Promise<void> {
  await fake.fetch(new Request(`${ORIGIN}/__fake/fail-next`, { method: "POST", body: JSON.stringify(failure) }));
}

/**
 * A fake webhook receiver at `https://hooks.fake`, reached through the stubbed fetch (the
 * queue consumer runs in the test's isolate, so it calls the receiver too). It records every
 * delivery and answers with the statuses it is told to, then 200.
 */
import { beforeEach, vi } from "vitest";

export const RECEIVER = "https://hooks.fake";

export interface Received {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface Receiver {
  received: Received[];
  /** Statuses for the next answers, in order (then 200). */
  failNext(...statuses: number[]): void;
  /** Resolves once `count` deliveries have arrived (fails the test after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
}

/**
 * A fresh receiver for every test, added to the stubbed fetch of `useFakes()` (call after it).
 *
 * @example
 * const fakes = useFakes();
 * const receiver = useReceiver();
 */
export function useReceiver(): Receiver {
  const receiver: Receiver & { answers: number[] } = {
    received: [],
    answers: [],
    failNext(...statuses) {
      receiver.answers.push(...statuses);
    },
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (receiver.received.length < count) {
        if (Date.now() > deadline) throw new Error(`${receiver.received.length} of ${count} webhooks arrived within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return receiver.received;
    },
  };
  beforeEach(() => {
    receiver.received = [];
    receiver.answers = [];
    const upstream = globalThis.fetch;
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      if (!request.url.startsWith(`${RECEIVER}/`)) return upstream(request);
      receiver.received.push({ url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() });
      const status = receiver.answers.shift() ?? 200;
      return new Response(status === 200 ? "ok" : "receiver failing", { status });
    });
  });
  return receiver;
}

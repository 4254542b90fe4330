/**
 * Serves one provider fake over real HTTP for a contract test, the way test/e2e/support/stack.ts
 * serves it to the gateway, so that an official SDK reaches it through its own HTTP stack.
 */
import { afterAll, beforeAll } from "vitest";
import { serveFetch, type FetchHandler, type RunningServer } from "../../e2e/support/node-server.ts";

export interface ServedFake {
  /** `http://127.0.0.1:<port>`, set once the suite's `beforeAll` has run. */
  readonly url: string;
}

/**
 * Starts `handler` before the suite's tests and stops it after them.
 *
 * @example
 * const fake = createFakeOpenAI({ apiKey: "k" });
 * const served = serveDuringSuite((request) => fake.fetch(request));
 * it("…", () => new OpenAI({ baseURL: `${served.url}/v1`, apiKey: "k" }));
 */
export function serveDuringSuite(handler: FetchHandler): ServedFake {
  let server: RunningServer | undefined;
  beforeAll(async () => {
    server = await serveFetch(handler);
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    get url() {
      if (!server) throw new Error("the fake is served only while the suite runs");
      return server.url;
    },
  };
}

/**
 * Polls `read` until `done` holds of its answer, at most `attempts` times, and returns every
 * answer seen (the last one satisfies `done`).
 *
 * @example
 * const seen = await pollUntil(() => client.batches.retrieve(id), (b) => b.status === "completed");
 */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, attempts = 20): Promise<T[]> {
  const seen: T[] = [];
  for (let i = 0; i < attempts; i += 1) {
    const value = await read();
    seen.push(value);
    if (done(value)) return seen;
  }
  throw new Error(`not done after ${attempts} polls; last: ${JSON.stringify(seen[seen.length - 1])}`);
}

/** The JSON values of a JSONL text, one per non-empty line. */
export function jsonLines(text: string): unknown[] {
  return text
    .split("\n")
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as unknown);
}

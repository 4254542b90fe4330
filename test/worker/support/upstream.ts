/**
 * Worker tests reach the providers' fakes through a stubbed global `fetch`: each fake host
 * of vitest.config.ts is routed to its fake's handler, anything else fails the test.
 */
import { afterEach, beforeEach, vi } from "vitest";
import { createFakeAnthropic } from "../../fakes/anthropic/index.ts";
import { createFakeBedrock } from "../../fakes/bedrock/index.ts";
import { createFakeGemini } from "../../fakes/gemini/index.ts";
import { createFakeOpenAI } from "../../fakes/openai/index.ts";

export interface Fakes {
  anthropic: ReturnType<typeof createFakeAnthropic>;
  openai: ReturnType<typeof createFakeOpenAI>;
  gemini: ReturnType<typeof createFakeGemini>;
  bedrock: ReturnType<typeof createFakeBedrock>;
}

/**
 * Fresh fakes for every test, wired in as the upstreams.
 *
 * @example
 * const fakes = useFakes();
 * it("...", async () => { ...; expect(fakes.openai.calls).toHaveLength(2); });
 */
export function useFakes(): Fakes {
  const fakes = {} as Fakes;
  beforeEach(() => {
    fakes.anthropic = createFakeAnthropic({ apiKey: "test-anthropic-key" });
    fakes.openai = createFakeOpenAI({ apiKey: "test-openai-key" });
    fakes.gemini = createFakeGemini({ apiKey: "test-gemini-key" });
    // minRecordsPerJob matches BEDROCK_BATCH_MIN_RECORDS in vitest.config.ts.
    fakes.bedrock = createFakeBedrock({ accessKeyId: "AKIDTESTBATCHBRIDGE", secretAccessKey: "test-aws-secret-key", region: "us-east-1", minRecordsPerJob: 2 });
    const upstream = fakeUpstream(fakes);
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => upstream(new Request(input, init)));
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });
  return fakes;
}

/**
 * A fetch handler that sends each fake host of vitest.config.ts to its fake in `fakes` (as the
 * fakes are then, so a test may swap one); any other host fails.
 *
 * @example
 * const gateway = createGateway({ db: env.DB, env, clientBetas: [], adapters: ADAPTERS, fetch: (input, init) => fakeUpstream(fakes)(new Request(input, init)) });
 */
export function fakeUpstream(fakes: Fakes): (request: Request) => Promise<Response> {
  const hosts: Record<string, (request: Request) => Promise<Response>> = {
    "anthropic.fake": (r) => fakes.anthropic.fetch(r),
    "openai.fake": (r) => fakes.openai.fetch(r),
    "gemini.fake": (r) => fakes.gemini.fetch(r),
    "bedrock.fake": (r) => fakes.bedrock.fetch(r),
    "bedrock-runtime.fake": (r) => fakes.bedrock.fetch(r),
    "s3.fake": (r) => fakes.bedrock.fetch(r),
  };
  return async (request) => {
    const handler = hosts[new URL(request.url).host];
    if (!handler) throw new Error(`unexpected upstream call in a test: ${request.method} ${request.url}`);
    return handler(request);
  };
}

/**
 * Makes the Anthropic fake answer its next `times` calls (default 1) with this failure, through
 * its `/__fake/fail-next` control route.
 *
 * @example
 * await failNext(fakes.anthropic, { status: 529, message: "Overloaded", times: 2 });
 */
export async function failNext(fake: Fakes["anthropic"], failure: { status: number; message: string; times?: number }): Promise<void> {
  await fake.fetch(new Request("https://anthropic.fake/__fake/fail-next", { method: "POST", body: JSON.stringify(failure) }));
}

/**
 * The calls a fake recorded with this method and this path (or a path matching it).
 *
 * @example
 * expect(callsMatching(fakes.openai.calls, "DELETE", /^\/v1\/files\//)).toHaveLength(1);
 */
export function callsMatching<C extends { method: string; path: string }>(calls: readonly C[], method: string, path: string | RegExp): C[] {
  return calls.filter((c) => c.method === method && (typeof path === "string" ? c.path === path : path.test(c.path)));
}

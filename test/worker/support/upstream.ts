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
    const hosts: Record<string, (request: Request) => Promise<Response>> = {
      "anthropic.fake": (r) => fakes.anthropic.fetch(r),
      "openai.fake": (r) => fakes.openai.fetch(r),
      "gemini.fake": (r) => fakes.gemini.fetch(r),
      "bedrock.fake": (r) => fakes.bedrock.fetch(r),
      "s3.fake": (r) => fakes.bedrock.fetch(r),
    };
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const handler = hosts[new URL(request.url).host];
      if (!handler) throw new Error(`unexpected upstream call in a test: ${request.method} ${request.url}`);
      return handler(request);
    });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });
  return fakes;
}

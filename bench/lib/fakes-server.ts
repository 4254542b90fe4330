/**
 * The provider fakes the benchmark runs against, served over HTTP from their own Node process
 * (so that a fake never shares an event loop with the clients that measure the gateway).
 * Prints one JSON line with the base URL of each fake, then serves until killed.
 *
 * `anthropicHeld` is an Anthropic fake whose batches never end (each GET of an in-progress
 * batch is a real upstream call for the gateway, which is what the overhead case measures).
 *
 * Response bodies are coalesced into chunks of at least 64 KiB on their way out: the OpenAI
 * fake's result files are Blobs of one part per line (and one per newline), which Node streams
 * a part at a time, so unmerged they reach the Worker as hundreds of thousands of tiny chunks,
 * which no real provider sends and which made that fake the bottleneck.
 *
 * @example
 * node bench/lib/fakes-server.ts   // {"anthropic":"http://127.0.0.1:40001",…}
 */
import { createFakeAnthropic } from "../../test/fakes/anthropic/index.ts";
import { createFakeGemini } from "../../test/fakes/gemini/index.ts";
import { createFakeOpenAI } from "../../test/fakes/openai/index.ts";
import { serveFetch } from "../../test/e2e/support/node-server.ts";
import { KEYS } from "./keys.ts";

const anthropic = createFakeAnthropic({ apiKey: KEYS.anthropic });
const anthropicHeld = createFakeAnthropic({ apiKey: KEYS.anthropic, pollsToEnd: Number.MAX_SAFE_INTEGER });
const openai = createFakeOpenAI({ apiKey: KEYS.openai });
const gemini = createFakeGemini({ apiKey: KEYS.gemini, recordBodies: false });

// The fakes keep every call they receive; the benchmark makes hundreds of thousands of them.
const forgetCalls = (calls: unknown[]) => setInterval(() => (calls.length = 0), 1_000).unref();
for (const fake of [anthropic, anthropicHeld, openai, gemini]) forgetCalls(fake.calls);

const CHUNK = 64 * 1024;

/** The same response, its body re-chunked into pieces of at least 64 KiB (the last may be smaller). */
function coalesced(response: Response): Response {
  if (!response.body) return response;
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const parts: Uint8Array[] = [];
      let size = 0;
      while (size < CHUNK) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        size += value.byteLength;
      }
      if (size > 0) controller.enqueue(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size));
      if (size < CHUNK) controller.close();
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

const serve = async (fake: { fetch(request: Request): Promise<Response> }) =>
  (await serveFetch(async (request) => coalesced(await fake.fetch(request)))).url;

const urls = {
  anthropic: await serve(anthropic),
  anthropicHeld: await serve(anthropicHeld),
  openai: await serve(openai),
  gemini: await serve(gemini),
};
process.stdout.write(`${JSON.stringify(urls)}\n`);
// The benchmark holds stdin open; when it goes away, so do the fakes.
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();

/**
 * What the test and dev infrastructure knows of one provider, declared in one file per provider
 * (test/providers/<name>.ts) and listed in test/providers/index.ts. The unit harness, the adapter
 * contract suite, the worker tests' upstream, vitest.config.ts, the e2e stack, the local
 * simulators and `npm run dev`'s key check iterate over that list and name no provider.
 *
 * Imports are type-only or carry `.ts` extensions: scripts/simulators.ts and vitest.config.ts
 * load these files in Node.
 */
import type { BatchRequest } from "../../src/domain/batch-request";
import type { ProviderName } from "../../src/domain/provider-name";
import type { ProviderEnv } from "../../src/providers/types";

/** What every fake offers: a fetch handler and the calls it recorded. */
export interface Fake {
  fetch(request: Request): Promise<Response>;
  calls: unknown[];
}

/** A fetch handler. */
export type Fetch = (request: Request) => Promise<Response>;

/** The unit-test harness's setup (test/unit/support/harness.ts). */
export interface HarnessSetup<F extends Fake, O> {
  /** The secret the adapter sends upstream (never to appear in an error). */
  key: string;
  env: ProviderEnv;
  fake(options: O): F;
  /** A request to the fake, authenticated as the adapter would be (headers the test gives win). */
  direct?(path: string, init: RequestInit): Request;
}

/** What the adapter contract suite (test/unit/adapters.contract.test.ts) needs to know of one provider. */
export interface ContractEntry {
  /** The setting `assertConfigured({})` must name. */
  configVar: string;
  /** A model the provider's fake runs. */
  model: string;
  /** A request its translator refuses (a 400 whose message starts with `params.`). */
  refused: BatchRequest;
  /**
   * Where the refusal's message starts. `params.` for every translator but Anthropic's file-ID
   * check, which names the path from `messages` (pinned by test/fixtures/anthropic/file-sources.json;
   * the services' own file check refuses an unknown file before it, so users do not see it).
   */
  refusalPrefix?: RegExp;
  /** The provider's own error body for an upstream failure, as its API sends it. */
  upstreamError(status: number, message: string): Response;
  /** A native file ID of the provider's shape that its fake does not know (providers with files). */
  unknownFileId?: string;
}

/** One provider's test side. */
export interface TestProvider<F extends Fake = Fake, O = never> {
  name: ProviderName;
  /** The setting whose presence means "use the real provider" for `npm run dev` (scripts/provider-keys.ts). */
  devKey: string;
  /** The fake the worker and e2e tests run (test credentials). */
  fake(): F;
  /** Worker tests: the hosts test/worker/support/upstream.ts routes to the fake, and the Worker's bindings (vitest.config.ts) that point at them. */
  worker: { hosts: readonly string[]; bindings: Record<string, string> };
  /** e2e: the gateway's vars that point it at `fake()` served over HTTP at `url` (test/e2e/support/stack.ts). */
  servedVars(url: string): Record<string, string>;
  /** The local simulator `npm run dev` runs without keys (scripts/simulators.ts). */
  simulator: {
    fake(): F;
    vars(url: string): Record<string, string>;
    /** Moves every unfinished batch one step, through the fake's own API. */
    poll(fetch: Fetch): Promise<void>;
  };
  harness: HarnessSetup<F, O>;
  contract: ContractEntry;
}

/**
 * Declares one provider's test side, keeping its fake's types.
 *
 * @example
 * export const gemini = testProvider({ name: "gemini", devKey: "GEMINI_API_KEY", ... });
 */
export function testProvider<F extends Fake, O>(provider: TestProvider<F, O>): TestProvider<F, O> {
  return provider;
}

/**
 * A JSON response.
 *
 * @example
 * json(429, { error: { message: "slow down" } });
 */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/**
 * A request with the adapter's auth headers added (headers already in `init` win).
 *
 * @example
 * withHeaders("https://gemini.fake/v1beta/files", {}, { "x-goog-api-key": "k" });
 */
export function withHeaders(url: string, init: RequestInit, auth: Record<string, string>): Request {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(auth)) if (!headers.has(name)) headers.set(name, value);
  return new Request(url, { ...init, headers });
}

/** An MCP server list, a field OpenAI's, Gemini's and Bedrock's translators refuse. */
export const MCP = { mcp_servers: [{ type: "url", url: "https://mcp.example.com/sse", name: "example" }] };

/**
 * A Messages batch request asking `model` to answer `text` (`extra` is spread over the params,
 * so it may also replace `max_tokens`). test/unit/support/batches.ts re-exports it.
 *
 * @example
 * messageRequest("a", "claude-3-haiku-20240307", "Hello", { temperature: 0.5 })
 */
export function messageRequest(customId: string, model: string, text: string, extra: Record<string, unknown> = {}): BatchRequest {
  return { custom_id: customId, params: { model, max_tokens: 64, messages: [{ role: "user", content: text }], ...extra } };
}

const SIM = "http://simulator.local";

/**
 * A GET to a simulator's fake, failing unless it is a 2xx.
 *
 * @example
 * await getJson(fake.fetch, "/v1/batches", { authorization: "Bearer k" });
 */
export async function getJson<T>(fetch: Fetch, path: string, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(new Request(`${SIM}${path}`, { headers }));
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}

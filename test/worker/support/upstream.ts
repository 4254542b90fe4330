/**
 * Worker tests reach the providers' fakes through a stubbed global `fetch`: each fake host
 * of vitest.config.ts is routed to its fake's handler, anything else fails the test.
 */
import { afterEach, beforeEach, vi } from "vitest";
import type { ProviderName } from "../../../src/domain/provider-name";
import { TEST_PROVIDERS, TEST_PROVIDER_LIST, type FakeOf } from "../../providers/index.ts";

export type Fakes = { [N in ProviderName]: FakeOf<N> };

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
    for (const provider of TEST_PROVIDER_LIST) (fakes as Record<string, unknown>)[provider.name] = provider.fake();
    const upstream = fakeUpstream(fakes);
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => upstream(new Request(input, init)));
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });
  return fakes;
}

/**
 * A fetch handler that sends each fake host of vitest.config.ts (each provider's `worker.hosts`)
 * to its fake in `fakes` (as the fakes are then, so a test may swap one); any other host fails.
 *
 * @example
 * const gateway = createGateway({ db: env.DB, env, clientBetas: [], adapters: ADAPTERS, fetch: (input, init) => fakeUpstream(fakes)(new Request(input, init)) });
 */
export function fakeUpstream(fakes: Fakes): (request: Request) => Promise<Response> {
  const hosts: Record<string, (request: Request) => Promise<Response>> = {};
  for (const name of Object.keys(TEST_PROVIDERS) as ProviderName[]) {
    for (const host of TEST_PROVIDERS[name].worker.hosts) hosts[host] = (r) => fakes[name].fetch(r);
  }
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

/**
 * One harness for every provider's unit tests: the provider's strict fake (test/fakes/<name>),
 * a `ProviderContext` whose `fetch` goes to it, the environment it was built from, every
 * upstream request the adapter made, a sink that keeps the artifacts an adapter records, and
 * `call` to drive the fake directly (as a test, not the adapter, would).
 *
 * A provider's setup is its `harness` in test/providers/<name>.ts.
 */
import type { BatchSink, ProviderContext, ProviderEnv } from "../../../src/providers/types";
import type { Artifact } from "../../../src/domain/artifact";
import type { ProviderName } from "../../../src/domain/provider-name";
import { TEST_PROVIDERS, type FakeOf, type FakeOptionsOf } from "../../providers/index.ts";
import type { HarnessSetup } from "../../providers/types.ts";

export { ANTHROPIC } from "../../providers/anthropic.ts";
export { OPENAI } from "../../providers/openai.ts";
export { GEMINI } from "../../providers/gemini.ts";
export { BEDROCK } from "../../providers/bedrock.ts";

type Fakes = { [N in ProviderName]: FakeOf<N> };
type FakeOptions = { [N in ProviderName]: FakeOptionsOf<N> };
type Setup<N extends ProviderName> = HarnessSetup<Fakes[N], FakeOptions[N]>;

/** What a harness is built from; everything is optional. */
export interface HarnessOptions<N extends ProviderName> {
  /** Settings added to (or, with `undefined`, removed from) the provider's test environment. */
  env?: ProviderEnv;
  /** Options for the provider's fake. */
  fake?: FakeOptions[N];
  /** Answers a request instead of the fake when it returns a Response. */
  intercept?: (request: Request) => Response | undefined;
}

/** A provider's fake and a context pointing at it. */
export interface ProviderHarness<N extends ProviderName = ProviderName> {
  name: N;
  fake: Fakes[N];
  ctx: ProviderContext;
  env: ProviderEnv;
  /** The provider secret in `env` (an error must never contain it). */
  key: string;
  /** Every request the adapter sent upstream through `ctx` (or a context from `context`), in order. */
  requests: Array<{ method: string; url: string }>;
  /** The URLs of `requests`. */
  urls: string[];
  /** Artifacts recorded through `sink`, in order. */
  artifacts: Artifact[];
  sink: BatchSink;
  /** Another context on the same fake: `env` is merged over the harness's, the rest replaces. */
  context(overrides?: { env?: ProviderEnv; clientBetas?: readonly string[]; fetch?: typeof fetch }): ProviderContext;
  /** Calls the fake directly at `path` (from its origin), authenticated as the adapter would be. */
  call(method: string, path: string, init?: RequestInit): Promise<Response>;
}

/**
 * Builds a harness for one provider.
 *
 * @example
 * const h = providerHarness("gemini", { env: { GEMINI_UPLOAD_CHUNK_BYTES: "262144" } });
 * await geminiAdapter.files!.upload(h.ctx, upload);
 * expect(h.fake.calls).toHaveLength(2);
 */
export function providerHarness<N extends ProviderName>(name: N, options: HarnessOptions<N> = {}): ProviderHarness<N> {
  const setup = TEST_PROVIDERS[name].harness as unknown as Setup<N>;
  const fake = setup.fake(options.fake ?? ({} as FakeOptions[N]));
  const env: ProviderEnv = { ...setup.env, ...options.env };
  const requests: Array<{ method: string; url: string }> = [];
  const urls: string[] = [];
  const artifacts: Artifact[] = [];
  const upstream = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    requests.push({ method: request.method, url: request.url });
    urls.push(request.url);
    return options.intercept?.(request) ?? fake.fetch(request);
  }) as typeof fetch;
  const context: ProviderHarness<N>["context"] = (overrides = {}) => ({
    env: { ...env, ...overrides.env },
    fetch: overrides.fetch ?? upstream,
    clientBetas: overrides.clientBetas ?? [],
  });
  return {
    name,
    fake,
    ctx: context(),
    env,
    key: setup.key,
    requests,
    urls,
    artifacts,
    sink: { record: async (artifact) => void artifacts.push(artifact) },
    context,
    call(method, path, init = {}) {
      if (!setup.direct) throw new Error(`the ${name} harness has no direct calls (sign them in the test)`);
      return fake.fetch(setup.direct(path, { ...init, method }));
    },
  };
}

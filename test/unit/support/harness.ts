/**
 * One harness for every provider's unit tests: the provider's strict fake (test/fakes/<name>),
 * a `ProviderContext` whose `fetch` goes to it, the environment it was built from, every
 * upstream request the adapter made, a sink that keeps the artifacts an adapter records, and
 * `call` to drive the fake directly (as a test, not the adapter, would).
 *
 * Adding a provider: one entry in `SETUPS` (and its fake).
 */
import type { BatchSink, ProviderContext, ProviderEnv } from "../../../src/providers/types";
import type { Artifact } from "../../../src/domain/artifact";
import type { ProviderName } from "../../../src/domain/provider-name";
import { createFakeAnthropic, type FakeAnthropic, type FakeAnthropicOptions } from "../../fakes/anthropic/index.ts";
import { createFakeBedrock, type FakeBedrock, type FakeBedrockOptions } from "../../fakes/bedrock/index.ts";
import { createFakeGemini, type FakeGemini, type FakeGeminiOptions } from "../../fakes/gemini/index.ts";
import { createFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from "../../fakes/openai/index.ts";

/** The Anthropic fake's key, origin and clock; the adapter's base URL has a trailing slash, as users write it. */
export const ANTHROPIC = {
  key: "test-anthropic-key",
  origin: "https://api.anthropic.test",
  now: "2026-01-01T00:00:00.000Z",
  /** The headers every adapter call carries, as the fake records them. */
  authHeaders: { "x-api-key": "test-anthropic-key", "anthropic-version": "2023-06-01" } as Record<string, string>,
} as const;

/** The OpenAI fake's key and origin; `now` is the Unix seconds of every timestamp it writes (2024-04-24T23:06:40Z). */
export const OPENAI = { key: "test-openai-key", origin: "https://openai.fake", now: 1714000000 } as const;

/** The Gemini fake's key and origin. */
export const GEMINI = { key: "test-gemini-key", origin: "https://gemini.fake" } as const;

/** The Bedrock fake's account, bucket and role, and the environment that points the adapter at them. */
export const BEDROCK = {
  accessKeyId: "AKIDBEDROCKTEST",
  secretAccessKey: "bedrock-test-secret",
  region: "us-east-1",
  bucket: "batchbridge-test",
  roleArn: "arn:aws:iam::123456789012:role/BedrockBatch",
  origin: "https://fake.aws.test",
} as const;

interface Fakes {
  anthropic: FakeAnthropic;
  openai: FakeOpenAI;
  gemini: FakeGemini;
  bedrock: FakeBedrock;
}

interface FakeOptions {
  anthropic: Partial<FakeAnthropicOptions>;
  openai: Partial<FakeOpenAIOptions>;
  gemini: FakeGeminiOptions;
  bedrock: FakeBedrockOptions;
}

interface Setup<N extends ProviderName> {
  /** The secret the adapter sends upstream (never to appear in an error). */
  key: string;
  env: ProviderEnv;
  fake(options: FakeOptions[N]): Fakes[N];
  /** A request to the fake, authenticated as the adapter would be (headers the test gives win). */
  direct?(path: string, init: RequestInit): Request;
}

function withHeaders(url: string, init: RequestInit, auth: Record<string, string>): Request {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(auth)) if (!headers.has(name)) headers.set(name, value);
  return new Request(url, { ...init, headers });
}

const SETUPS: { [N in ProviderName]: Setup<N> } = {
  anthropic: {
    key: ANTHROPIC.key,
    env: { ANTHROPIC_API_KEY: ANTHROPIC.key, ANTHROPIC_BASE_URL: `${ANTHROPIC.origin}/` },
    fake: (options) => createFakeAnthropic({ apiKey: ANTHROPIC.key, now: () => new Date(ANTHROPIC.now), ...options }),
    direct: (path, init) => withHeaders(`${ANTHROPIC.origin}${path}`, init, ANTHROPIC.authHeaders),
  },
  openai: {
    key: OPENAI.key,
    env: { OPENAI_API_KEY: OPENAI.key, OPENAI_BASE_URL: `${OPENAI.origin}/v1` },
    fake: (options) => createFakeOpenAI({ apiKey: OPENAI.key, now: () => OPENAI.now, ...options }),
    direct: (path, init) => withHeaders(`${OPENAI.origin}${path}`, init, { authorization: `Bearer ${OPENAI.key}` }),
  },
  gemini: {
    key: GEMINI.key,
    env: { GEMINI_API_KEY: GEMINI.key, GEMINI_BASE_URL: GEMINI.origin },
    fake: (options) => createFakeGemini({ apiKey: GEMINI.key, ...options }),
    direct: (path, init) => withHeaders(`${GEMINI.origin}${path}`, init, { "x-goog-api-key": GEMINI.key }),
  },
  bedrock: {
    key: BEDROCK.secretAccessKey,
    env: {
      AWS_ACCESS_KEY_ID: BEDROCK.accessKeyId,
      AWS_SECRET_ACCESS_KEY: BEDROCK.secretAccessKey,
      AWS_REGION: BEDROCK.region,
      BEDROCK_BATCH_S3_URI: `s3://${BEDROCK.bucket}/batches/`,
      BEDROCK_BATCH_ROLE_ARN: BEDROCK.roleArn,
      BEDROCK_BASE_URL: `${BEDROCK.origin}/bedrock`,
      BEDROCK_RUNTIME_BASE_URL: `${BEDROCK.origin}/bedrock-runtime`,
      S3_BASE_URL: `${BEDROCK.origin}/s3`,
      BEDROCK_BATCH_MIN_RECORDS: "2",
      // InvokeModel's retries back off from 1 ms.
      UPSTREAM_RETRY_BASE_MS: "1",
    },
    fake: (options) =>
      createFakeBedrock({
        accessKeyId: BEDROCK.accessKeyId,
        secretAccessKey: BEDROCK.secretAccessKey,
        region: BEDROCK.region,
        buckets: [BEDROCK.bucket],
        minRecordsPerJob: 2,
        ...options,
      }),
  },
};

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
  const setup = SETUPS[name] as Setup<N>;
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

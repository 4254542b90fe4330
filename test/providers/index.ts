/**
 * Every provider's test side (test/providers/types.ts), one line each: the unit harness, the
 * adapter contract suite, the worker tests' upstream, vitest.config.ts, the e2e stack, the local
 * simulators and `npm run dev`'s key check iterate over it.
 */
import type { ProviderName } from "../../src/domain/provider-name";
import { anthropic } from "./anthropic.ts";
import { bedrock } from "./bedrock.ts";
import { gemini } from "./gemini.ts";
import { openai } from "./openai.ts";
import type { TestProvider } from "./types.ts";

export const TEST_PROVIDERS = {
  anthropic,
  openai,
  gemini,
  bedrock,
} satisfies { [N in ProviderName]: TestProvider<any, any> };

/** The test providers in registration order. */
export const TEST_PROVIDER_LIST: ReadonlyArray<TestProvider<any, any>> = Object.values(TEST_PROVIDERS);

/** One provider's fake type, as the worker and e2e tests and the harness see it. */
export type FakeOf<N extends ProviderName> = ReturnType<(typeof TEST_PROVIDERS)[N]["fake"]>;
/** One provider's harness fake options. */
export type FakeOptionsOf<N extends ProviderName> = Parameters<(typeof TEST_PROVIDERS)[N]["harness"]["fake"]>[0];

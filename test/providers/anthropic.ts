/** Anthropic's test side: its fake, how the gateway is pointed at it, its harness and contract entries. */
import { createFakeAnthropic, type FakeAnthropic, type FakeAnthropicOptions } from "../fakes/anthropic/index.ts";
import { getJson, json, testProvider, withHeaders, type Fetch } from "./types.ts";

/** The unit harness's Anthropic fake: key, origin and clock; the adapter's base URL has a trailing slash, as users write it. */
export const ANTHROPIC = {
  key: "test-anthropic-key",
  origin: "https://api.anthropic.test",
  now: "2026-01-01T00:00:00.000Z",
  /** The headers every adapter call carries, as the fake records them. */
  authHeaders: { "x-api-key": "test-anthropic-key", "anthropic-version": "2023-06-01" } as Record<string, string>,
} as const;

/** The worker and e2e tests' key. */
const TEST_KEY = "test-anthropic-key";
/** The simulator's own key: it accepts only this, as the real service would. */
const SIMULATOR_KEY = "simulator-anthropic-key";

export const anthropic = testProvider<FakeAnthropic, Partial<FakeAnthropicOptions>>({
  name: "anthropic",
  devKey: "ANTHROPIC_API_KEY",
  fake: () => createFakeAnthropic({ apiKey: TEST_KEY }),
  worker: { hosts: ["anthropic.fake"], bindings: { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: "https://anthropic.fake" } },
  servedVars: (url) => ({ ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: url }),
  simulator: {
    fake: () => createFakeAnthropic({ apiKey: SIMULATOR_KEY }),
    vars: (url) => ({ ANTHROPIC_API_KEY: SIMULATOR_KEY, ANTHROPIC_BASE_URL: url }),
    poll: pollAnthropic,
  },
  harness: {
    key: ANTHROPIC.key,
    env: { ANTHROPIC_API_KEY: ANTHROPIC.key, ANTHROPIC_BASE_URL: `${ANTHROPIC.origin}/` },
    fake: (options) => createFakeAnthropic({ apiKey: ANTHROPIC.key, now: () => new Date(ANTHROPIC.now), ...options }),
    direct: (path, init) => withHeaders(`${ANTHROPIC.origin}${path}`, init, ANTHROPIC.authHeaders),
  },
  contract: {
    configVar: "ANTHROPIC_API_KEY",
    model: "claude-x",
    refused: {
      custom_id: "refused",
      params: { model: "claude-x", max_tokens: 64, messages: [{ role: "user", content: [{ type: "document", source: { type: "file", file_id: "file_unknown" } }] }] },
    },
    refusalPrefix: /^messages\.0\.content\.0\.source\.file_id: /,
    upstreamError: (status, message) =>
      json(status, { type: "error", error: { type: status === 429 ? "rate_limit_error" : "api_error", message } }),
    unknownFileId: "file-nope",
  },
});

// Lists every batch (newest first, page by page) and GETs each one that has not ended.
async function pollAnthropic(fetch: Fetch): Promise<void> {
  const headers = { "x-api-key": SIMULATOR_KEY, "anthropic-version": "2023-06-01" };
  let after = "";
  for (;;) {
    const page = await getJson<{ data: { id: string; processing_status: string }[]; has_more: boolean; last_id: string | null }>(
      fetch,
      `/v1/messages/batches?limit=1000${after ? `&after_id=${after}` : ""}`,
      headers,
    );
    for (const batch of page.data) if (batch.processing_status !== "ended") await getJson(fetch, `/v1/messages/batches/${batch.id}`, headers);
    if (!page.has_more || !page.last_id) return;
    after = page.last_id;
  }
}

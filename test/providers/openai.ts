/** OpenAI's test side: its fake, how the gateway is pointed at it, its harness and contract entries. */
import { createFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from "../fakes/openai/index.ts";
import { getJson, json, MCP, messageRequest, testProvider, withHeaders, type Fetch } from "./types.ts";

/** The unit harness's OpenAI fake: key and origin; `now` is the Unix seconds of every timestamp it writes (2024-04-24T23:06:40Z). */
export const OPENAI = { key: "test-openai-key", origin: "https://openai.fake", now: 1714000000 } as const;

/** The worker and e2e tests' key. */
const TEST_KEY = "test-openai-key";
/** The simulator's own key: it accepts only this, as the real service would. */
const SIMULATOR_KEY = "simulator-openai-key";

export const openai = testProvider<FakeOpenAI, Partial<FakeOpenAIOptions>>({
  name: "openai",
  devKey: "OPENAI_API_KEY",
  fake: () => createFakeOpenAI({ apiKey: TEST_KEY }),
  worker: { hosts: ["openai.fake"], bindings: { OPENAI_API_KEY: TEST_KEY, OPENAI_BASE_URL: "https://openai.fake/v1" } },
  servedVars: (url) => ({ OPENAI_API_KEY: TEST_KEY, OPENAI_BASE_URL: `${url}/v1` }),
  simulator: {
    fake: () => createFakeOpenAI({ apiKey: SIMULATOR_KEY }),
    vars: (url) => ({ OPENAI_API_KEY: SIMULATOR_KEY, OPENAI_BASE_URL: `${url}/v1` }),
    poll: pollOpenAI,
  },
  harness: {
    key: OPENAI.key,
    env: { OPENAI_API_KEY: OPENAI.key, OPENAI_BASE_URL: `${OPENAI.origin}/v1` },
    fake: (options) => createFakeOpenAI({ apiKey: OPENAI.key, now: () => OPENAI.now, ...options }),
    direct: (path, init) => withHeaders(`${OPENAI.origin}${path}`, init, { authorization: `Bearer ${OPENAI.key}` }),
  },
  contract: {
    configVar: "OPENAI_API_KEY",
    model: "gpt-4o-mini",
    refused: messageRequest("refused", "gpt-4o-mini", "hi", MCP),
    upstreamError: (status, message) =>
      json(status, { error: { message, type: status === 429 ? "requests" : "server_error", param: null, code: status === 429 ? "rate_limit_exceeded" : null } }),
    unknownFileId: "file-nope",
  },
});

// Lists every batch (newest first, page by page) and GETs each one that has not ended.
async function pollOpenAI(fetch: Fetch): Promise<void> {
  const headers = { authorization: `Bearer ${SIMULATOR_KEY}` };
  const ended = new Set(["completed", "failed", "expired", "cancelled"]);
  let after = "";
  for (;;) {
    const page = await getJson<{ data: { id: string; status: string }[]; has_more: boolean; last_id: string | null }>(
      fetch,
      `/v1/batches?limit=100${after ? `&after=${after}` : ""}`,
      headers,
    );
    for (const batch of page.data) if (!ended.has(batch.status)) await getJson(fetch, `/v1/batches/${batch.id}`, headers);
    if (!page.has_more || !page.last_id) return;
    after = page.last_id;
  }
}

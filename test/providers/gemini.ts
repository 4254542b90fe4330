/** Gemini's test side: its fake, how the gateway is pointed at it, its harness and contract entries. */
import { createFakeGemini, type FakeGemini, type FakeGeminiOptions } from "../fakes/gemini/index.ts";
import { getJson, json, MCP, messageRequest, testProvider, withHeaders, type Fetch } from "./types.ts";

/** The unit harness's Gemini fake: key and origin. */
export const GEMINI = { key: "test-gemini-key", origin: "https://gemini.fake" } as const;

/** The worker and e2e tests' key. */
const TEST_KEY = "test-gemini-key";
/** The simulator's own key: it accepts only this, as the real service would. */
const SIMULATOR_KEY = "simulator-gemini-key";

const GOOGLE_STATUS: Record<number, string> = { 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL" };

export const gemini = testProvider<FakeGemini, FakeGeminiOptions>({
  name: "gemini",
  devKey: "GEMINI_API_KEY",
  fake: () => createFakeGemini({ apiKey: TEST_KEY }),
  worker: { hosts: ["gemini.fake"], bindings: { GEMINI_API_KEY: TEST_KEY, GEMINI_BASE_URL: "https://gemini.fake" } },
  servedVars: (url) => ({ GEMINI_API_KEY: TEST_KEY, GEMINI_BASE_URL: url }),
  simulator: {
    fake: () => createFakeGemini({ apiKey: SIMULATOR_KEY, recordBodies: false }),
    vars: (url) => ({ GEMINI_API_KEY: SIMULATOR_KEY, GEMINI_BASE_URL: url }),
    poll: pollGemini,
  },
  harness: {
    key: GEMINI.key,
    env: { GEMINI_API_KEY: GEMINI.key, GEMINI_BASE_URL: GEMINI.origin },
    fake: (options) => createFakeGemini({ apiKey: GEMINI.key, ...options }),
    direct: (path, init) => withHeaders(`${GEMINI.origin}${path}`, init, { "x-goog-api-key": GEMINI.key }),
  },
  contract: {
    configVar: "GEMINI_API_KEY",
    model: "gemini-2.5-flash",
    refused: messageRequest("refused", "gemini-2.5-flash", "hi", MCP),
    upstreamError: (status, message) => json(status, { error: { code: status, message, status: GOOGLE_STATUS[status] ?? "UNKNOWN" } }),
    unknownFileId: "files/nope0000000",
  },
});

// Lists every batch operation page by page and GETs each one that is not done.
async function pollGemini(fetch: Fetch): Promise<void> {
  const headers = { "x-goog-api-key": SIMULATOR_KEY };
  let token = "";
  for (;;) {
    const page = await getJson<{ operations?: { name: string; done?: boolean }[]; nextPageToken?: string }>(
      fetch,
      `/v1beta/batches?pageSize=1000${token ? `&pageToken=${token}` : ""}`,
      headers,
    );
    for (const operation of page.operations ?? []) if (!operation.done) await getJson(fetch, `/v1beta/${operation.name}`, headers);
    if (!page.nextPageToken) return;
    token = page.nextPageToken;
  }
}

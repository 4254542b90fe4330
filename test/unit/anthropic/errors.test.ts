/**
 * How the Anthropic adapter reports what went wrong: an unconfigured provider, and upstream
 * failures turned into Anthropic errors that name the provider and carry its message, never a key.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { anthropicAdapter } from "../../../src/providers/anthropic";
import type { ProviderContext } from "../../../src/providers/types";
import type { JobRef } from "../../../src/domain/job-record";
import type { FakeAnthropic } from "../../fakes/anthropic/index.ts";
import { providerHarness, ANTHROPIC, type ProviderHarness } from "../support/harness";
import { failNext } from "../support/fakes";
import { describeError, rejectionOf } from "../support/helpers";
import { planBatch } from "../support/batches";

const KEY = ANTHROPIC.key;

const batches = anthropicAdapter.batches;
const job: JobRef = { slot: "all", nativeId: "msgbatch_01nope", model: null, requestCount: 1, data: {} };

let h: ProviderHarness<"anthropic">;
let fake: FakeAnthropic;
let ctx: ProviderContext;

beforeEach(() => {
  h = providerHarness("anthropic");
  ({ fake, ctx } = h);
});

describe("configuration", () => {
  const missingKey = {
    name: "GatewayError",
    status: 400,
    type: "invalid_request_error",
    message: "Provider anthropic is not configured: set the ANTHROPIC_API_KEY secret (wrangler secret put ANTHROPIC_API_KEY, or in .dev.vars locally)",
  };

  it("assertConfigured names the secret to set", () => {
    expect(() => anthropicAdapter.assertConfigured({})).toThrow(missingKey.message);
    expect(() => anthropicAdapter.assertConfigured({ ANTHROPIC_API_KEY: "sk-ant-x" })).not.toThrow();
  });

  it("a call without a key fails the same way and never reaches upstream", async () => {
    ctx = h.context({ env: { ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: "https://api.anthropic.test" } });
    expect(describeError(await rejectionOf(batches.retrieve(ctx, job)))).toEqual(missingKey);
    expect(fake.calls).toEqual([]);
  });
});

describe("upstream errors", () => {
  const cases: Array<{ name: string; arrange: () => Promise<void> | void; expected: ReturnType<typeof describeError> }> = [
    {
      name: "401: a wrong key, without the key in the message",
      arrange: () => {
        ctx = h.context({ env: { ANTHROPIC_API_KEY: "sk-ant-wrong-secret", ANTHROPIC_BASE_URL: "https://api.anthropic.test" } });
      },
      expected: { name: "UpstreamError", status: 401, type: "authentication_error", message: "anthropic upstream error (HTTP 401): invalid x-api-key" },
    },
    {
      name: "404: an unknown batch",
      arrange: () => {},
      expected: { name: "UpstreamError", status: 404, type: "not_found_error", message: "anthropic upstream error (HTTP 404): Message Batch not found: msgbatch_01nope" },
    },
    {
      name: "429: rate limited",
      arrange: () => failNext(h, { status: 429, message: "Number of requests has exceeded your rate limit" }),
      expected: { name: "UpstreamError", status: 429, type: "rate_limit_error", message: "anthropic upstream error (HTTP 429): Number of requests has exceeded your rate limit" },
    },
    {
      name: "500: an internal error",
      arrange: () => failNext(h, { status: 500, message: "Internal server error" }),
      expected: { name: "UpstreamError", status: 500, type: "api_error", message: "anthropic upstream error (HTTP 500): Internal server error" },
    },
    {
      name: "529: overloaded",
      arrange: () => failNext(h, { status: 529, message: "Overloaded" }),
      expected: { name: "UpstreamError", status: 529, type: "overloaded_error", message: "anthropic upstream error (HTTP 529): Overloaded" },
    },
    {
      name: "an error answer that is not JSON is described, never passed on",
      arrange: () => failNext(h, { status: 502, body: "<html>Bad Gateway</html>" }),
      expected: { name: "UpstreamError", status: 500, type: "api_error", message: "anthropic upstream error (HTTP 502): the error body was not JSON (not passed on)" },
    },
    {
      name: "a 200 answer that is not JSON",
      arrange: () => failNext(h, { status: 200, body: "{not json" }),
      expected: { name: "UpstreamError", status: 500, type: "api_error", message: "anthropic upstream error (HTTP 502): malformed response: the body was not JSON (not passed on)" },
    },
  ];

  it.each(cases)("$name", async ({ arrange, expected }) => {
    await arrange();
    const error = await rejectionOf(batches.retrieve(ctx, job));
    expect(describeError(error)).toEqual(expected);
    expect(JSON.stringify(describeError(error))).not.toContain(KEY);
  });

  it("a network failure names the provider", async () => {
    ctx = h.context({ fetch: async () => { throw new TypeError("connection refused"); } });
    expect(describeError(await rejectionOf(batches.retrieve(ctx, job)))).toEqual({
      name: "UpstreamError",
      status: 500,
      type: "api_error",
      message: "anthropic upstream error (HTTP 0): could not reach the provider (connection refused)",
    });
  });

  // The lines are read as the vault reads them, a read at a time: a bad line fails its read
  // whole, so the lines before it in the same read are not handed out either.
  it("a results line that is not JSON fails the stream with an upstream error, at the read that holds it", async () => {
    await failNext(h, { status: 200, body: '{"custom_id":"a","result":{"type":"canceled"}}\n{oops\n' });
    const seen: string[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const line of batches.results(ctx, job)) seen.push(line.custom_id);
      })(),
    );
    expect(seen).toEqual([]);
    expect(describeError(error)).toMatchObject({ name: "UpstreamError", status: 500, type: "api_error" });
    expect((error as Error).message).toMatch(/^anthropic upstream error \(HTTP 502\): malformed results line \(/);
  });

  it("results of a batch that has not ended carry Anthropic's refusal", async () => {
    const writer = planBatch(batches, ctx, { batchId: "msgbatch_gw", sink: { record: async () => {} }, files: new Map() });
    await writer.add({ custom_id: "a", params: { model: "m", max_tokens: 1, messages: [{ role: "user", content: "hi" }] } });
    const [created] = await writer.finish();
    const error = await rejectionOf((async () => { for await (const _ of batches.results(ctx, created!)) void _; })());
    expect(describeError(error)).toEqual({
      name: "UpstreamError",
      status: 400,
      type: "invalid_request_error",
      message: `anthropic upstream error (HTTP 400): Message Batch ${created!.nativeId} has not finished processing; results are available once it has ended`,
    });
  });
});

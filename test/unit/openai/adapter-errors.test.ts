/**
 * Upstream failures become Anthropic errors that name openai, carry OpenAI's message, and
 * never a key.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../../src/lib/errors";
import { scrubKey } from "../../../src/providers/openai/client";
import { openaiAdapter } from "../../../src/providers/openai";
import type { ProviderContext } from "../../../src/providers/types";
import type { JobRef } from "../../../src/domain/job-record";
import { openaiError } from "../support/fakes";
import { providerHarness, type ProviderHarness } from "../support/harness";
import { planBatch } from "../support/batches";

const batches = openaiAdapter.batches;
const job: JobRef = { slot: "gpt-4o-mini#0", nativeId: "batch_abc", model: "gpt-4o-mini", requestCount: 1, data: {} };
let h: ProviderHarness<"openai">;
beforeEach(() => {
  h = providerHarness("openai");
});

/** A context whose upstream always answers `respond()`. */
function answering(respond: () => Response | Promise<Response>): ProviderContext {
  return { ...h.ctx, fetch: (async () => respond()) as typeof fetch };
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe("upstream errors", () => {
  it.each([
    [401, "Incorrect API key provided: sk-abc12***************************xyz9. You can find your API key at https://platform.openai.com/account/api-keys.", 401, "authentication_error",
      "openai upstream error (HTTP 401): Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."],
    [403, "Country, region, or territory not supported", 403, "permission_error", "openai upstream error (HTTP 403): Country, region, or territory not supported"],
    [404, "No batch found with id 'batch_abc'.", 404, "not_found_error", "openai upstream error (HTTP 404): No batch found with id 'batch_abc'."],
    [429, "Rate limit reached for gpt-4o-mini", 429, "rate_limit_error", "openai upstream error (HTTP 429): Rate limit reached for gpt-4o-mini"],
    [500, "The server had an error while processing your request.", 500, "api_error", "openai upstream error (HTTP 500): The server had an error while processing your request."],
    [503, "The engine is currently overloaded, please try again later.", 529, "overloaded_error", "openai upstream error (HTTP 503): The engine is currently overloaded, please try again later."],
  ])("OpenAI %i becomes an Anthropic error", async (upstream, message, status, type, expected) => {
    const error = await failure(batches.retrieve(answering(() => openaiError(upstream, message)), job));
    expect(error.status).toBe(status);
    expect(error.toBody()).toStrictEqual({ type: "error", error: { type, message: expected } });
  });

  it("a 2xx answer that is not JSON is an api_error", async () => {
    const error = await failure(batches.retrieve(answering(() => new Response("<html>oops</html>", { status: 200 })), job));
    expect(error.toBody()).toStrictEqual({
      type: "error",
      error: { type: "api_error", message: "openai upstream error (HTTP 502): malformed response: the body was not JSON (not passed on)" },
    });
  });

  it("an error answer that is not JSON is described, never passed on", async () => {
    const error = await failure(batches.retrieve(answering(() => new Response("upstream connect error; authorization: Bearer sk-echoed-header-value", { status: 502 })), job));
    expect(error.message).toBe("openai upstream error (HTTP 502): the error body was not JSON (not passed on)");
  });

  it("an unreachable OpenAI is an api_error", async () => {
    const error = await failure(
      batches.retrieve(
        answering(() => {
          throw new TypeError("Network connection lost.");
        }),
        job,
      ),
    );
    expect(error.toBody()).toStrictEqual({
      type: "error",
      error: { type: "api_error", message: "openai upstream error (HTTP 0): could not reach the provider (Network connection lost.)" },
    });
  });

  it("a malformed line in a result file is an api_error, not a crash", async () => {
    const ctx = answering(() => new Response('{"custom_id":"a","response":null,"error":null}\nnot json\n'));
    const read = async () => {
      for await (const _ of batches.results(ctx, { ...job, data: { outputFileId: "file-out", errorFileId: null } })) void _;
    };
    const error = await failure(read());
    expect(error.message).toMatch(/^openai upstream error \(HTTP 502\): malformed line in batch result file file-out \(/);
  });

  it.each([10, 70_000])("a wrong key fails the streaming batch upload with OpenAI's 401, not a hang (%i-character prompt)", async (length) => {
    const ctx = h.context({ env: { OPENAI_API_KEY: "sk-wrong-key-0123456789" } });
    const writer = planBatch(batches, ctx, { batchId: "msgbatch_1", sink: { record: async () => {} }, files: new Map() });
    await writer.add({ custom_id: "a", params: { model: "gpt-4o-mini", max_tokens: 5, messages: [{ role: "user", content: "x".repeat(length) }] } }).then(
      () => writer.finish(),
    ).then(
      () => expect.unreachable(),
      (error: UpstreamError) => {
        expect(error).toBeInstanceOf(UpstreamError);
        expect(error.toBody()).toStrictEqual({
          type: "error",
          error: {
            type: "authentication_error",
            message: "openai upstream error (HTTP 401): Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
          },
        });
      },
    );
    await writer.abort(new Error("failed"));
  });

  it("a short wrong key, which OpenAI quotes whole, never reaches the message", async () => {
    const ctx = h.context({ env: { OPENAI_API_KEY: "hello" } });
    const error = await failure(batches.retrieve(ctx, job));
    expect(error.message).not.toContain("hello");
    expect(error.message).toBe(
      "openai upstream error (HTTP 401): Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
    );
  });
});

describe("scrubKey", () => {
  it("removes the quoted key and any copy of the configured one", () => {
    expect(scrubKey("Incorrect API key provided: You are ****tep.. You can find your API key at x.", "sk-configured")).toBe(
      "Incorrect API key provided. You can find your API key at x.",
    );
    expect(scrubKey("Incorrect API key provided: hello. You can find your API key at x.", "hello")).toBe(
      "Incorrect API key provided. You can find your API key at x.",
    );
    expect(scrubKey("Bad header: Bearer sk-live-123", "sk-live-123")).toBe("Bad header: Bearer [key]");
  });
});

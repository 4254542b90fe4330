/** Native IDs never reach a client: the scrubbing of src/core/native-ids.ts, table by table. */
import { describe, expect, it } from "vitest";
import { inGatewayTerms, inGatewayTermsError, jobIdPairs, nativeIdScrubber, scrubbedText, scrubResultLine, WITHHELD } from "../../../src/core/native-ids";
import { GatewayError, UpstreamError } from "../../../src/lib/errors";
import type { ProviderName } from "../../../src/domain/provider-name";
import { ADAPTERS } from "../../../src/providers/index";
import { bodyText, chunkedStream, rejectionOf } from "../support/helpers";

const GATEWAY_FILE = "file_01JABCDEFGHJKMNPQRSTVWXYZ0";
const GATEWAY_BATCH = "msgbatch_01JABCDEFGHJKMNPQRSTVWXYZ0";

/** The native ID shapes the provider's adapter declares; with none named, every adapter's. */
const shapesOf = (provider: ProviderName | undefined) =>
  provider ? [ADAPTERS[provider].nativeIdShapes] : Object.values(ADAPTERS).map((adapter) => adapter.nativeIdShapes);

describe("nativeIdScrubber", () => {
  const cases: Array<{ provider: ProviderName | undefined; pairs: Array<[string, string]>; text: string; expected: string }> = [
    // A known native ID becomes its gateway ID.
    { provider: "openai", pairs: [["file-abc123def456", GATEWAY_FILE]], text: "Invalid file id: 'file-abc123def456'", expected: `Invalid file id: '${GATEWAY_FILE}'` },
    { provider: "gemini", pairs: [["batches/abc123xyz", GATEWAY_BATCH]], text: "batches/abc123xyz is done", expected: `${GATEWAY_BATCH} is done` },
    { provider: "anthropic", pairs: [["msgbatch_01AnthropicNative99", GATEWAY_BATCH]], text: "batch msgbatch_01AnthropicNative99 expired", expected: `batch ${GATEWAY_BATCH} expired` },
    // An unknown one of the provider's shapes is withheld.
    { provider: "openai", pairs: [], text: "No such File object: file-zzz999zzz999", expected: `No such File object: ${WITHHELD}` },
    { provider: "openai", pairs: [], text: "batch batch_6789abcdef0123 failed", expected: `batch ${WITHHELD} failed` },
    { provider: "gemini", pairs: [], text: "File files/q1w2e3r4 is gone", expected: `File ${WITHHELD} is gone` },
    { provider: "bedrock", pairs: [], text: "no access to s3://bucket/batches/x.jsonl.out", expected: `no access to ${WITHHELD}` },
    { provider: "bedrock", pairs: [], text: 'job "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc" stopped', expected: `job "${WITHHELD}" stopped` },
    { provider: "anthropic", pairs: [], text: "file_01AnthropicUnknown1 not found", expected: `${WITHHELD} not found` },
    // What is not a native ID stays as it is.
    { provider: "anthropic", pairs: [], text: `${GATEWAY_FILE} and ${GATEWAY_BATCH} are gateway IDs`, expected: `${GATEWAY_FILE} and ${GATEWAY_BATCH} are gateway IDs` },
    { provider: "openai", pairs: [], text: '{"id":"batch_req_abc123def456789","custom_id":"a"}', expected: '{"id":"batch_req_abc123def456789","custom_id":"a"}' },
    { provider: "openai", pairs: [], text: "the model answered: hello", expected: "the model answered: hello" },
    // With no provider named, every provider's shapes are looked for.
    { provider: undefined, pairs: [], text: "file-abc123def456 files/q1w2e3r4 s3://b/k", expected: `${WITHHELD} ${WITHHELD} ${WITHHELD}` },
    // A known native ID of no known shape is still replaced; the longest known ID wins.
    { provider: "openai", pairs: [["custom-native-77", GATEWAY_BATCH]], text: "job custom-native-77 stalled", expected: `job ${GATEWAY_BATCH} stalled` },
    {
      provider: "openai",
      pairs: [["file-abc123def456", GATEWAY_FILE], ["file-abc123def456789", GATEWAY_BATCH]],
      text: "file-abc123def456789",
      expected: GATEWAY_BATCH,
    },
  ];

  it.each(cases)("$provider: $text", ({ provider, pairs, text, expected }) => {
    expect(nativeIdScrubber(pairs, shapesOf(provider))(text)).toBe(expected);
  });

  it("returns the very same string when there is nothing to replace", () => {
    const text = "nothing native here";
    expect(nativeIdScrubber([], shapesOf("openai"))(text)).toBe(text);
  });

  it("ignores known IDs shorter than 4 characters (they would match everywhere)", () => {
    expect(nativeIdScrubber([["abc", GATEWAY_FILE]], shapesOf("openai"))("abc abc")).toBe("abc abc");
  });
});

describe("scrubResultLine", () => {
  const scrub = nativeIdScrubber([["file-abc123def456", GATEWAY_FILE]], shapesOf("openai"));

  it("leaves a succeeded line untouched, even if the model wrote something ID-shaped", () => {
    const line = { custom_id: "a", result: { type: "succeeded", message: { content: [{ type: "text", text: "file-abc123def456" }] } } };
    expect(scrubResultLine(line, scrub)).toBe(line);
  });

  it("scrubs an errored line's message", () => {
    const line = { custom_id: "b", result: { type: "errored", error: { type: "error", error: { type: "invalid_request_error", message: "file-abc123def456 and file-zzz999zzz999" } } } };
    expect(scrubResultLine(line, scrub)).toEqual({
      custom_id: "b",
      result: { type: "errored", error: { type: "error", error: { type: "invalid_request_error", message: `${GATEWAY_FILE} and ${WITHHELD}` } } },
    });
  });

  it("returns the same line object when nothing changed", () => {
    const line = { custom_id: "c", result: { type: "expired" } };
    expect(scrubResultLine(line, scrub)).toBe(line);
  });
});

describe("scrubbedText", () => {
  it("scrubs a stream cut anywhere, never splitting an ID between chunks", async () => {
    const text = `{"error":"file-abc123def456 failed"}\n{"error":"batch_6789abcdef0123"}\nlast file-abc123def456`;
    const bytes = new TextEncoder().encode(text);
    const scrub = nativeIdScrubber([["file-abc123def456", GATEWAY_FILE]], shapesOf("openai"));
    const expected = `{"error":"${GATEWAY_FILE} failed"}\n{"error":"${WITHHELD}"}\nlast ${GATEWAY_FILE}`;
    for (const piece of [1, 3, 7, 16, 1000]) {
      expect(await bodyText(new Response(scrubbedText(chunkedStream(bytes, piece), scrub)))).toBe(expected);
    }
  });

  it("keeps multi-byte characters split between chunks whole", async () => {
    const bytes = new TextEncoder().encode("é file-abc123def456 ü\n");
    const scrub = nativeIdScrubber([], shapesOf("openai"));
    expect(await bodyText(new Response(scrubbedText(chunkedStream(bytes, 1), scrub)))).toBe(`é ${WITHHELD} ü\n`);
  });
});

describe("inGatewayTerms", () => {
  const pairs = [["file-abc123def456", GATEWAY_FILE]] as const;

  it("rewrites a GatewayError's message, keeping its status and type", () => {
    const error = new UpstreamError("openai", 404, "No such File object: file-abc123def456");
    const rewritten = inGatewayTermsError(error, pairs) as GatewayError;
    expect({ status: rewritten.status, type: rewritten.type, message: rewritten.message }).toEqual({
      status: 404,
      type: "not_found_error",
      message: `openai upstream error (HTTP 404): No such File object: ${GATEWAY_FILE}`,
    });
  });

  it.each([
    { name: "a GatewayError naming no native ID", error: new GatewayError(400, "invalid_request_error", "bad") },
    { name: "an error that is not a GatewayError", error: new TypeError("file-abc123def456 network") },
  ])("returns $name as it is", ({ error }) => {
    expect(inGatewayTermsError(error, pairs)).toBe(error);
  });

  it("passes a result through, and throws the rewritten error", async () => {
    expect(await inGatewayTerms(pairs, async () => 42)).toBe(42);
    const error = await rejectionOf<GatewayError>(inGatewayTerms(pairs, async () => { throw GatewayError.notFound("file-abc123def456 is gone"); }));
    expect(error.message).toBe(`${GATEWAY_FILE} is gone`);
  });
});

describe("jobIdPairs", () => {
  it("maps each job's ID and the string data it keeps (8 characters or more) to the batch", () => {
    const jobs = [
      { nativeId: "batch_native0", data: { input: "file-input000", short: "abc", count: 3 } },
      { nativeId: "batch_native1", data: {} },
    ];
    expect(jobIdPairs(GATEWAY_BATCH, jobs)).toEqual([
      ["batch_native0", GATEWAY_BATCH],
      ["file-input000", GATEWAY_BATCH],
      ["batch_native1", GATEWAY_BATCH],
    ]);
  });
});

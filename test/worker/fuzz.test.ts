/**
 * Hostile input, property-based (fast-check): whatever a client sends, the answer is a 4xx
 * Anthropic error (never a 5xx), and nothing reaches a provider.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { call, GATEWAY } from "./support/gateway";
import { twoRequests } from "./support/requests";
import { SELF } from "cloudflare:test";
import { useFakes } from "./support/upstream";

const fakes = useFakes();
const RUNS = 100;

function upstreamCalls(): number {
  return fakes.anthropic.calls.length + fakes.openai.calls.length + fakes.gemini.calls.length + fakes.bedrock.calls.length;
}

/** A 4xx with Anthropic's error body and a request-id, and no upstream call. */
async function expectRefused(res: Response): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBeGreaterThanOrEqual(400);
  expect(res.status, text).toBeLessThan(500);
  const body = JSON.parse(text) as { type: string; error: { type: string; message: string }; request_id: string };
  expect(body.type).toBe("error");
  expect(typeof body.error.type).toBe("string");
  expect(typeof body.error.message).toBe("string");
  expect(body.request_id).toBe(res.headers.get("request-id"));
  expect(upstreamCalls()).toBe(0);
}

const PROVIDERS = ["anthropic", "openai", "gemini", "bedrock"];
const valid = { requests: twoRequests() };

/** A valid body with one thing broken. */
const brokenBody = fc.oneof(
  // Truncated JSON.
  fc.nat({ max: JSON.stringify(valid).length - 2 }).map((n) => JSON.stringify(valid).slice(0, n + 1)),
  // Wrong types where the schema wants something else.
  fc.tuple(fc.constantFrom("custom_id", "params", "model", "max_tokens", "messages", "role", "content"), fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.double())).map(([field, value]) => {
    const body = structuredClone(valid) as { requests: Record<string, unknown>[] };
    const request = body.requests[0] as { custom_id: unknown; params: Record<string, unknown> };
    const params = request.params as { model: unknown; max_tokens: unknown; messages: { role: unknown; content: unknown }[] };
    if (field === "custom_id") request.custom_id = typeof value === "string" ? `${value} bad` : value;
    else if (field === "params") request.params = value as never;
    else if (field === "role") params.messages[0]!.role = value;
    else if (field === "content") params.messages[0]!.content = typeof value === "string" ? 5 : value;
    // 0 is valid (Anthropic's prompt-cache pre-warm): only a negative integer is broken everywhere.
    else if (field === "max_tokens") params.max_tokens = typeof value === "number" && Number.isInteger(value) && value >= 0 ? -1 : value;
    else (params as Record<string, unknown>)[field] = value;
    return JSON.stringify(body);
  }),
  // Huge and odd custom_ids.
  fc.string({ minLength: 65, maxLength: 5000 }).map((id) => JSON.stringify({ requests: [{ ...valid.requests[0], custom_id: id }] })),
  fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !/^[a-zA-Z0-9_-]+$/.test(s)).map((id) => JSON.stringify({ requests: [{ ...valid.requests[0], custom_id: id }] })),
  // Deep nesting inside params and at the top.
  fc.integer({ min: 70, max: 20_000 }).map((depth) => JSON.stringify({ requests: [{ custom_id: "a", params: { ...valid.requests[0]!.params, messages: [{ role: "user", content: [{ type: "text", text: "x", extra: JSON.parse("[".repeat(Math.min(depth, 5000)) + "]".repeat(Math.min(depth, 5000))) }] }] } }] })),
  fc.integer({ min: 1000, max: 100_000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
  fc.integer({ min: 1000, max: 100_000 }).map((depth) => `{"requests":[${"[".repeat(depth)}${"]".repeat(depth)}]}`),
  // Any JSON at all that is not an object with requests.
  fc.jsonValue({ maxDepth: 4 }).filter((v) => !(v && typeof v === "object" && !Array.isArray(v) && "requests" in v)).map((v) => JSON.stringify(v)),
  // Unknown fields.
  fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !["custom_id", "params", "__proto__"].includes(k)).map((key) => JSON.stringify({ requests: [{ ...valid.requests[0], [key]: 1 }] })),
);

describe("batch create bodies", () => {
  it("refuses every broken body with a 4xx Anthropic error and no upstream call, on every provider", async () => {
    await fc.assert(
      fc.asyncProperty(brokenBody, fc.constantFrom(...PROVIDERS), async (body, provider) => {
        await expectRefused(await call("/anthropic/v1/messages/batches", { method: "POST", body, provider, headers: { "content-type": "application/json" } }));
      }),
      { numRuns: RUNS * 4 },
    );
    // CPU-bound property testing (bodies nested up to 100,000 deep, parsed on every provider):
    // about 3 s alone, past vitest's 5 s default when the machine's CPUs are busy. The runs
    // are not cut; only the wall-clock limit is longer.
  }, 30_000);

  it("refuses invalid UTF-8", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 8 }).map((bytes) => bytes.map((b) => b | 0x80)), async (bad) => {
        const prefix = new TextEncoder().encode('{"requests":[{"custom_id":"a","params":{"model":"');
        const suffix = new TextEncoder().encode('","max_tokens":5,"messages":[{"role":"user","content":"x"}]}}]}');
        const bytes = new Uint8Array([...prefix, 0xff, ...bad, ...suffix]);
        const res = await SELF.fetch(`${GATEWAY}/anthropic/v1/messages/batches`, { method: "POST", headers: { "x-api-key": "k", "content-type": "application/json" }, body: bytes });
        await expectRefused(res);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("IDs, queries and headers", () => {
  const oddId = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.constantFrom("../../etc/passwd", "..%2F..%2F", "%2e%2e%2f", "file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD%2F..", "msgbatch_", "file_", "null", "%00", "file_01JDQ8Z3K4T5V6W7X8Y9Z0ABC%0A"),
    fc.string({ minLength: 26, maxLength: 26 }).map((s) => `file_${s}`),
    fc.string({ minLength: 26, maxLength: 26 }).map((s) => `msgbatch_${s}`),
  );
  const idRoutes: [string, (id: string) => string][] = [
    ["GET", (id) => `/anthropic/v1/files/${id}`],
    ["GET", (id) => `/anthropic/v1/files/${id}/content`],
    ["DELETE", (id) => `/anthropic/v1/files/${id}`],
    ["GET", (id) => `/anthropic/v1/messages/batches/${id}`],
    ["GET", (id) => `/anthropic/v1/messages/batches/${id}/results`],
    ["POST", (id) => `/anthropic/v1/messages/batches/${id}/cancel`],
    ["DELETE", (id) => `/anthropic/v1/messages/batches/${id}`],
  ];

  it("answers odd IDs on every ID route with a 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(oddId, fc.constantFrom(...idRoutes), async (id, [method, path]) => {
        await expectRefused(await call(path(encodeURIComponent(id)), { method }));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("answers odd list queries with a 200 or a 4xx, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/anthropic/v1/files", "/anthropic/v1/messages/batches"),
        fc.dictionary(fc.constantFrom("limit", "before_id", "after_id", "page", "ids", "ids[]", "beta"), fc.string({ maxLength: 40 }), { maxKeys: 4 }),
        async (path, query) => {
          const res = await call(`${path}?${new URLSearchParams(query)}`);
          if (res.status === 200) {
            const body = (await res.json()) as { data: unknown[] };
            expect(body.data).toEqual([]);
          } else await expectRefused(res);
          expect(upstreamCalls()).toBe(0);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it("answers odd headers with a 4xx or an empty list", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 30 }).filter((s) => /^[\t\x20-\x7e]*$/.test(s)),
        fc.string({ maxLength: 60 }).filter((s) => /^[\t\x20-\x7e]*$/.test(s)),
        fc.constantFrom("x-api-key", "authorization"),
        async (provider, key, keyHeader) => {
          const headers: Record<string, string> = { "x-model-provider": provider, "anthropic-beta": key, [keyHeader]: key };
          const res = await SELF.fetch(`${GATEWAY}/anthropic/v1/files`, { headers });
          if (res.status === 200) expect(((await res.json()) as { data: unknown[] }).data).toEqual([]);
          else await expectRefused(res);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});

describe("uploads", () => {
  it("refuses broken multipart bodies with a 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }),
          fc.string({ maxLength: 500 }).map((s) => new TextEncoder().encode(`--XYZ\r\n${s}`)),
          // Cut anywhere before the file part is complete.
          fc.nat({ max: 103 }).map((n) => new TextEncoder().encode(`--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XYZ--\r\n`.slice(0, n))),
        ),
        fc.constantFrom("multipart/form-data; boundary=XYZ", "multipart/form-data", "text/plain", "application/json", "multipart/form-data; boundary="),
        fc.constantFrom("anthropic", "openai", "gemini"),
        async (bytes, contentType, provider) => {
          const res = await SELF.fetch(`${GATEWAY}/anthropic/v1/files`, { method: "POST", headers: { "x-api-key": "k", "content-type": contentType, "x-model-provider": provider }, body: bytes });
          await expectRefused(res);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it("refuses a filename* that is not valid percent-encoded UTF-8 with a 400, not a 500", async () => {
    for (const filename of ["UTF-8''%ZZ", "UTF-8''%E2%82", "UTF-8''%", "utf-8''a%C3", "UTF-8''%FF%FE"]) {
      const res = await SELF.fetch(`${GATEWAY}/anthropic/v1/files`, {
        method: "POST",
        headers: { "x-api-key": "k", "content-type": "multipart/form-data; boundary=XYZ" },
        body: `--XYZ\r\nContent-Disposition: form-data; name="file"; filename*=${filename}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XYZ--\r\n`,
      });
      expect(res.status, filename).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        "A part of the multipart body has a malformed Content-Disposition: its filename* is not valid percent-encoded UTF-8.",
      );
    }
    expect(upstreamCalls()).toBe(0);
  });

  it("answers fuzzed part headers (Content-Disposition, filename, filename*, Content-Type) with a 200 or a 4xx, never a 5xx", async () => {
    const token = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("file", "a.txt", "", "\"", ";", "=", "\\", "é", "\u0000", "%", "''"));
    const percent = fc.array(fc.oneof(fc.constantFrom("%ZZ", "%", "%E2", "%E2%82", "%C3%A9", "%FF", "%00", "%0D%0A", "a", "''", "%2"), fc.string({ maxLength: 4 })), { maxLength: 6 }).map((parts) => parts.join(""));
    const disposition = fc
      .tuple(
        fc.constantFrom("form-data", "attachment", "", "form-data ", "FORM-DATA"),
        fc.option(token.map((v) => `name="${v}"`), { nil: undefined }),
        fc.option(fc.constantFrom('name="file"', "name=file", 'name="file', "name*=UTF-8''file"), { nil: undefined }),
        fc.option(token.map((v) => `filename="${v}"`), { nil: undefined }),
        fc.option(fc.tuple(fc.constantFrom("UTF-8", "utf-8", "ISO-8859-1", "", "x"), fc.constantFrom("''", "'en'", "'", ""), percent).map(([charset, lang, value]) => `filename*=${charset}${lang}${value}`), { nil: undefined }),
      )
      .map(([kind, name1, name2, filename, filenameStar]) => [kind, name1, name2, filename, filenameStar].filter((part) => part !== undefined).join("; "));
    const contentType = fc.oneof(fc.constantFrom("text/plain", "", "application/octet-stream; charset=utf-8", "text/plain; charset=\"", "/", ";;;", "image/png"), fc.string({ maxLength: 30 }));
    const rawHeader = fc.string({ maxLength: 60 }).map((v) => v.replace(/[\r\n]/g, ""));
    await fc.assert(
      fc.asyncProperty(disposition, contentType, fc.option(rawHeader, { nil: undefined }), fc.constantFrom("anthropic", "openai"), async (cd, ct, extra, provider) => {
        const headers = [`Content-Disposition: ${cd}`, `Content-Type: ${ct}`, ...(extra === undefined ? [] : [extra])].join("\r\n");
        const body = new TextEncoder().encode(`--XYZ\r\n${headers}\r\n\r\nhello\r\n--XYZ--\r\n`);
        const res = await SELF.fetch(`${GATEWAY}/anthropic/v1/files`, { method: "POST", headers: { "x-api-key": "k", "content-type": "multipart/form-data; boundary=XYZ", "x-model-provider": provider }, body });
        const text = await res.text();
        expect(res.status, `${headers}\n${text}`).toBeLessThan(500);
        const parsed = JSON.parse(text) as { type: string; error?: { type: string; message: string } };
        if (res.status >= 400) expect(parsed.type, text).toBe("error");
        else expect(parsed.type, text).toBe("file");
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

/**
 * Every route on the default provider, on real local D1, with the strict Anthropic fake as
 * the upstream: what the client gets and what Anthropic received.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/api/app";
import { ADAPTERS } from "../../src/providers/index";
import { batchClient } from "./support/batches";
import { fileForm, uploadFile } from "./support/files";
import { call, errorOf, GATEWAY } from "./support/gateway";
import { twoRequests } from "./support/requests";
import { json } from "./support/responses";
import { failNext, useFakes } from "./support/upstream";

const fakes = useFakes();
const { create } = batchClient();

describe("files", () => {
  it("uploads as Anthropic FileMetadata with a gateway ID, streaming the part to Anthropic with the files beta", async () => {
    const res = await call("/anthropic/v1/files?beta=true", {
      method: "POST",
      body: fileForm("test_upload.txt", "This is a test file for Files API integration."),
      headers: { "anthropic-beta": "pdfs-2024-09-25" },
    });
    const file = await json<Record<string, unknown>>(res);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    expect(file).toEqual({
      id: expect.stringMatching(/^file_[0-9A-Z]{26}$/),
      type: "file",
      filename: "test_upload.txt",
      mime_type: "text/plain",
      size_bytes: 46,
      size: 46,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      downloadable: false,
      expires_at: null,
      scope: null,
    });
    const [upstream] = fakes.anthropic.calls.filter((c) => c.path === "/v1/files" && c.method === "POST");
    expect(upstream?.headers["anthropic-beta"]).toBe("pdfs-2024-09-25,files-api-2025-04-14");
    expect(upstream?.headers["x-api-key"]).toBe("test-anthropic-key");
    expect(upstream?.headers["anthropic-version"]).toBe("2023-06-01");
    expect(upstream?.multipart).toEqual([{ name: "file", filename: "test_upload.txt", contentType: "text/plain", size: 46 }]);
  });

  it("retrieves metadata and deletes upstream then locally", async () => {
    const file = await uploadFile("a.txt", "hello");
    const metadata = await json(await call(`/anthropic/v1/files/${file.id}`));
    expect(metadata).toMatchObject({ id: file.id, filename: "a.txt", size_bytes: 5 });

    const deleted = await json(await call(`/anthropic/v1/files/${file.id}`, { method: "DELETE" }));
    expect(deleted).toEqual({ id: file.id, type: "file_deleted" });
    expect(fakes.anthropic.calls.some((c) => c.method === "DELETE" && c.path.startsWith("/v1/files/"))).toBe(true);
    expect(await errorOf(await call(`/anthropic/v1/files/${file.id}`))).toMatchObject({ status: 404, type: "not_found_error" });
  });

  it("answers Anthropic's error for downloading an uploaded file, without asking upstream", async () => {
    const file = await uploadFile("a.txt", "hello");
    const before = fakes.anthropic.calls.length;
    const error = await errorOf(await call(`/anthropic/v1/files/${file.id}/content`));
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error", message: `File ${file.id} is not downloadable: only files a provider generated (such as batch output) can be downloaded` });
    expect(fakes.anthropic.calls.length).toBe(before);
  });

  it("pages newest first with after_id, before_id and page tokens, each file exactly once", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await uploadFile(`f${i}.txt`, `file ${i}`)).id);
    const newestFirst = [...ids].reverse();

    const first = await json<{ data: { id: string }[]; has_more: boolean; first_id: string; last_id: string; next_page: string | null }>(
      await call("/anthropic/v1/files?limit=2"),
    );
    expect(first.data.map((f) => f.id)).toEqual(newestFirst.slice(0, 2));
    expect(first).toMatchObject({ has_more: true, first_id: newestFirst[0], last_id: newestFirst[1] });
    expect(first.next_page).toMatch(/^page_/);

    const walk = async (next: (page: { last_id: string; first_id: string; next_page: string | null }) => string | null, start: string) => {
      const seen: string[] = [];
      let path: string | null = start;
      while (path) {
        const page: { data: { id: string }[]; has_more: boolean; first_id: string; last_id: string; next_page: string | null } = await json(await call(path));
        seen.push(...page.data.map((f) => f.id));
        path = page.has_more || page.next_page ? next(page) : null;
      }
      return seen;
    };
    expect(await walk((p) => `/anthropic/v1/files?limit=2&after_id=${p.last_id}`, "/anthropic/v1/files?limit=2")).toEqual(newestFirst);
    expect(await walk((p) => (p.next_page ? `/anthropic/v1/files?limit=2&page=${p.next_page}` : null), "/anthropic/v1/files?limit=2")).toEqual(newestFirst);
    const backwards = await walk((p) => `/anthropic/v1/files?limit=2&before_id=${p.first_id}`, `/anthropic/v1/files?limit=2&before_id=${ids[0]}`);
    expect(backwards).toEqual(newestFirst.slice(0, 4).reverse().reduce<string[][]>((pages, id, i) => {
      if (i % 2 === 0) pages.push([]);
      pages[pages.length - 1]!.push(id);
      return pages;
    }, []).map((page) => page.reverse()).flat());

    const byIds = await json<{ data: { id: string }[]; next_page: null }>(await call(`/anthropic/v1/files?ids[]=${ids[1]}&ids[]=${ids[3]}&ids[]=file_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD`));
    expect(byIds.data.map((f) => f.id)).toEqual([ids[3], ids[1]]);
    expect(byIds.next_page).toBeNull();
  });

  it("lists only the named provider's files with the header, and every provider's without it", async () => {
    const mine = await uploadFile("a.txt", "hello");
    const openaiFile = await uploadFile("b.txt", "hello", { provider: "openai" });
    const anthropicOnly = await json<{ data: { id: string }[] }>(await call("/anthropic/v1/files", { provider: "anthropic" }));
    expect(anthropicOnly.data.map((f) => f.id)).toEqual([mine.id]);
    const all = await json<{ data: { id: string }[] }>(await call("/anthropic/v1/files"));
    expect(all.data.map((f) => f.id)).toEqual([openaiFile.id, mine.id]);
  });

  it("turns an upstream failure into an Anthropic error naming the provider, and records nothing", async () => {
    await failNext(fakes.anthropic, { status: 529, message: "Overloaded" });
    const error = await errorOf(await call("/anthropic/v1/files", { method: "POST", body: fileForm("x.txt", "x") }));
    expect(error).toMatchObject({ status: 529, type: "overloaded_error", message: "anthropic upstream error (HTTP 529): Overloaded" });
    const list = await json<{ data: unknown[] }>(await call("/anthropic/v1/files"));
    expect(list.data).toEqual([]);
  });

  it("refuses a multipart body without a file field", async () => {
    const form = new FormData();
    form.append("purpose", "batch");
    const error = await errorOf(await call("/anthropic/v1/files", { method: "POST", body: form }));
    expect(error).toMatchObject({ status: 400, message: "file: Field required (the multipart body has no file part named file)" });
    expect(fakes.anthropic.calls).toEqual([]);
  });

  it("refuses a body that is not multipart", async () => {
    const error = await errorOf(await call("/anthropic/v1/files", { method: "POST", body: { file: "x" } }));
    expect(error).toMatchObject({ status: 400, message: "The upload must be multipart/form-data with a boundary, holding the file in a field named file." });
  });
});

describe("batches", () => {
  it("creates one Anthropic batch with the requests forwarded, answering a MessageBatch with a gateway ID", async () => {
    const batch = await create();
    expect(batch).toEqual({
      id: expect.stringMatching(/^msgbatch_[0-9A-Z]{26}$/),
      type: "message_batch",
      processing_status: "in_progress",
      request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      created_at: expect.any(String),
      expires_at: expect.any(String),
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    });
    const created = batch as unknown as { created_at: string; expires_at: string };
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(24 * 3600 * 1000);
    const upstream = fakes.anthropic.calls.find((c) => c.method === "POST" && c.path === "/v1/messages/batches");
    expect(upstream?.headers["anthropic-version"]).toBe("2023-06-01");
    expect(upstream?.body ? JSON.parse(upstream.body) : null).toEqual({ requests: twoRequests() });
  });

  it("forwards every Messages param unchanged (max_tokens 0 and system turns included) with the client's betas, and drops only null params", async () => {
    // See docs/sources/anthropic.md § Messages params pass through, § max_tokens 0, § null values.
    const params = {
      model: "claude-opus-4-6",
      max_tokens: 1024,
      system: [{ type: "text", text: "Long shared prefix", cache_control: { type: "ephemeral" } }],
      messages: [
        { role: "user", content: "Extract the fields" },
        { role: "system", content: "Answer in JSON only." },
        { role: "user", content: "Invoice 42, 10 EUR" },
      ],
      output_config: { effort: "low", format: { type: "json_schema", schema: { type: "object", properties: { id: { type: "integer" } }, required: ["id"], additionalProperties: false } } },
      output_format: { type: "json_schema", schema: { type: "object" } },
      context_management: { edits: [{ type: "clear_tool_uses_20250919" }] },
      container: "container_011",
      mcp_servers: [{ type: "url", url: "https://mcp.example.com/sse", name: "m" }],
      tools: [{ type: "mcp_toolset", mcp_server_name: "m" }],
      service_tier: "standard_only",
      thinking: { type: "adaptive" },
      metadata: { user_id: null },
      inference_geo: "us",
    };
    // A prompt-cache pre-warm: max_tokens 0, which Anthropic takes without thinking or structured outputs.
    const warm = { model: "claude-opus-4-6", max_tokens: 0, system: params.system, messages: [{ role: "user", content: "warm" }] };
    const betas = "structured-outputs-2025-11-13, context-management-2025-06-27, mcp-client-2025-11-20";
    const res = await call("/anthropic/v1/messages/batches", {
      method: "POST",
      body: {
        requests: [
          { custom_id: "all", params: { ...params, temperature: null, top_p: null, stop_sequences: null, speed: null } },
          { custom_id: "warm", params: { ...warm, tools: null } },
        ],
      },
      headers: { "anthropic-beta": betas },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const upstream = fakes.anthropic.calls.find((c) => c.method === "POST" && c.path === "/v1/messages/batches");
    expect(upstream?.headers["anthropic-beta"]).toBe("structured-outputs-2025-11-13,context-management-2025-06-27,mcp-client-2025-11-20");
    expect(JSON.parse(upstream!.body!)).toEqual({ requests: [{ custom_id: "all", params }, { custom_id: "warm", params: warm }] });
  });

  it("replaces gateway file IDs with Anthropic's own in forwarded requests", async () => {
    const file = await uploadFile("doc.txt", "some text");
    const requests = [
      {
        custom_id: "with-file",
        params: {
          model: "claude-3-5-haiku-20241022",
          max_tokens: 10,
          messages: [{ role: "user", content: [{ type: "text", text: "Summarise" }, { type: "document", source: { type: "file", file_id: file.id } }] }],
        },
      },
    ];
    await create(requests);
    const upstream = fakes.anthropic.calls.find((c) => c.method === "POST" && c.path === "/v1/messages/batches");
    const sent = JSON.parse(upstream!.body!) as { requests: { params: { messages: { content: { source?: { file_id: string } }[] }[] } }[] };
    const fileId = sent.requests[0]!.params.messages[0]!.content[1]!.source!.file_id;
    expect(fileId).not.toBe(file.id);
    expect(fileId).toMatch(/^file_/);
  });

  it("refreshes from upstream until ended, then serves results with every custom_id once", async () => {
    const batch = await create();
    let current = batch;
    for (let i = 0; i < 5 && current.processing_status !== "ended"; i++) {
      current = await json(await call(`/anthropic/v1/messages/batches/${batch.id}`));
    }
    expect(current).toMatchObject({
      processing_status: "ended",
      request_counts: { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 },
      results_url: `${GATEWAY}/anthropic/v1/messages/batches/${batch.id}/results`,
    });
    const gets = fakes.anthropic.calls.filter((c) => c.method === "GET" && c.path.startsWith("/v1/messages/batches/")).length;
    // Once ended, the record answers without asking upstream.
    await call(`/anthropic/v1/messages/batches/${batch.id}`);
    expect(fakes.anthropic.calls.filter((c) => c.method === "GET" && c.path.startsWith("/v1/messages/batches/")).length).toBe(gets);

    const res = await call(`/anthropic/v1/messages/batches/${batch.id}/results`);
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split("\n").map((line) => JSON.parse(line) as { custom_id: string; result: { type: string; message?: { content: { text: string }[] } } });
    expect(lines.map((l) => l.custom_id).sort()).toEqual(["geography-question", "math-question"]);
    const math = lines.find((l) => l.custom_id === "math-question")!;
    expect(math.result.type).toBe("succeeded");
    expect(math.result.message?.content[0]?.text).toBe("echo: What is 15 * 7?");
  });

  it("reports a failed request as errored", async () => {
    const requests = [...twoRequests(), { custom_id: "bad", params: { model: "claude-3-5-haiku-20241022", max_tokens: 5, messages: [{ role: "user", content: "FAIL_REQUEST please" }] } }];
    const batch = await create(requests);
    for (let i = 0; i < 5; i++) await call(`/anthropic/v1/messages/batches/${batch.id}`);
    const ended = await json<{ request_counts: Record<string, number> }>(await call(`/anthropic/v1/messages/batches/${batch.id}`));
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 1, canceled: 0, expired: 0 });
    const text = await (await call(`/anthropic/v1/messages/batches/${batch.id}/results`)).text();
    const bad = text.trim().split("\n").map((l) => JSON.parse(l) as { custom_id: string; result: { type: string } }).find((l) => l.custom_id === "bad");
    expect(bad?.result.type).toBe("errored");
  });

  it("cancels: canceling at once, then ended with canceled results", async () => {
    const batch = await create();
    const canceling = await json<{ processing_status: string; cancel_initiated_at: string | null }>(
      await call(`/anthropic/v1/messages/batches/${batch.id}/cancel?beta=true`, { method: "POST" }),
    );
    expect(canceling.processing_status).toBe("canceling");
    expect(canceling.cancel_initiated_at).not.toBeNull();
    expect(fakes.anthropic.calls.some((c) => c.method === "POST" && c.path.endsWith("/cancel"))).toBe(true);
    let current = await json<{ processing_status: string; request_counts: Record<string, number> }>(await call(`/anthropic/v1/messages/batches/${batch.id}`));
    for (let i = 0; i < 5 && current.processing_status !== "ended"; i++) current = await json(await call(`/anthropic/v1/messages/batches/${batch.id}`));
    expect(current).toMatchObject({ processing_status: "ended", request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 2, expired: 0 } });
    const lines = (await (await call(`/anthropic/v1/messages/batches/${batch.id}/results`)).text()).trim().split("\n");
    expect(lines.map((l) => JSON.parse(l) as { result: { type: string } }).map((l) => l.result.type)).toEqual(["canceled", "canceled"]);
  });

  it("cancels a batch that ended upstream since the last poll: canceling, then ended, no error", async () => {
    const batch = await create();
    // The batch ends upstream just before the cancel reaches Anthropic, which then refuses it (400).
    const inner = globalThis.fetch;
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const cancel = /^\/v1\/messages\/batches\/([^/]+)\/cancel$/.exec(new URL(request.url).pathname);
      if (cancel && request.method === "POST") await fakes.anthropic.fetch(new Request(`https://anthropic.fake/__fake/batches/${cancel[1]}/expire`, { method: "POST" }));
      return inner(request);
    });
    const res = await call(`/anthropic/v1/messages/batches/${batch.id}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ id: batch.id, processing_status: "canceling" });
    let current = await json<{ processing_status: string; request_counts: Record<string, number> }>(await call(`/anthropic/v1/messages/batches/${batch.id}`));
    for (let i = 0; i < 5 && current.processing_status !== "ended"; i++) current = await json(await call(`/anthropic/v1/messages/batches/${batch.id}`));
    expect(current).toMatchObject({ processing_status: "ended", request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 2 } });
  });

  it("refuses results and delete while processing; deletes upstream and locally once ended", async () => {
    const other = await create();
    const early = await errorOf(await call(`/anthropic/v1/messages/batches/${other.id}/results`));
    expect(early).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(early.message).toMatch(/has not finished processing/);
    const batch = await create();
    const refused = await errorOf(await call(`/anthropic/v1/messages/batches/${batch.id}`, { method: "DELETE" }));
    expect(refused).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(refused.message).toMatch(/still processing/);
    for (let i = 0; i < 3; i++) await call(`/anthropic/v1/messages/batches/${batch.id}`);
    const deleted = await json(await call(`/anthropic/v1/messages/batches/${batch.id}`, { method: "DELETE" }));
    expect(deleted).toEqual({ id: batch.id, type: "message_batch_deleted" });
    expect(fakes.anthropic.calls.some((c) => c.method === "DELETE" && c.path.startsWith("/v1/messages/batches/"))).toBe(true);
    expect(await errorOf(await call(`/anthropic/v1/messages/batches/${batch.id}`))).toMatchObject({ status: 404 });
  });

  it("lists newest first and pages with after_id and before_id", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create()).id);
    const newestFirst = [...ids].reverse();
    const first = await json<{ data: { id: string }[]; has_more: boolean; first_id: string; last_id: string }>(await call("/anthropic/v1/messages/batches?limit=2"));
    expect(first.data.map((b) => b.id)).toEqual(newestFirst.slice(0, 2));
    expect(first).toMatchObject({ has_more: true, first_id: newestFirst[0], last_id: newestFirst[1] });
    const second = await json<{ data: { id: string }[]; has_more: boolean }>(await call(`/anthropic/v1/messages/batches?limit=2&after_id=${first.last_id}`));
    expect(second).toMatchObject({ has_more: false });
    expect(second.data.map((b) => b.id)).toEqual(newestFirst.slice(2));
    const newer = await json<{ data: { id: string }[]; has_more: boolean }>(await call(`/anthropic/v1/messages/batches?limit=1&before_id=${ids[0]}`));
    expect(newer.data.map((b) => b.id)).toEqual([ids[1]]);
    expect(newer.has_more).toBe(true);
  });

  it("returns the same batch for a retried Idempotency-Key", async () => {
    const first = await create(twoRequests(), { "idempotency-key": "retry-1" });
    const again = await create(twoRequests(), { "idempotency-key": "retry-1" });
    expect(again.id).toBe(first.id);
    expect(fakes.anthropic.calls.filter((c) => c.method === "POST" && c.path === "/v1/messages/batches")).toHaveLength(1);
  });

  it("lets only one of two simultaneous creates with one Idempotency-Key through", async () => {
    const send = () => call("/anthropic/v1/messages/batches", { method: "POST", body: { requests: twoRequests() }, headers: { "idempotency-key": "same" } });
    const responses = await Promise.all([send(), send()]);
    const statuses = responses.map((r) => r.status).sort();
    expect([[200, 200], [200, 409]]).toContainEqual(statuses);
    const conflict = responses.find((r) => r.status === 409);
    if (conflict) expect(await errorOf(conflict)).toMatchObject({ type: "conflict_error" });
    expect(fakes.anthropic.calls.filter((c) => c.method === "POST" && c.path === "/v1/messages/batches")).toHaveLength(1);
  });

  it("turns an upstream 429 on create into a rate_limit_error naming anthropic, and leaves no batch behind", async () => {
    await failNext(fakes.anthropic, { status: 429, message: "Number of request tokens has exceeded your rate limit" });
    const error = await errorOf(await call("/anthropic/v1/messages/batches", { method: "POST", body: { requests: twoRequests() } }));
    expect(error).toMatchObject({ status: 429, type: "rate_limit_error", message: "anthropic upstream error (HTTP 429): Number of request tokens has exceeded your rate limit" });
    const list = await json<{ data: unknown[] }>(await call("/anthropic/v1/messages/batches"));
    expect(list.data).toEqual([]);
  });

  it("says which secret to set when ANTHROPIC_API_KEY is missing, without calling upstream", async () => {
    const app = createApp({ adapters: ADAPTERS });
    const res = await app.fetch(
      new Request(`${GATEWAY}/anthropic/v1/messages/batches`, { method: "POST", headers: { "x-api-key": "k", "content-type": "application/json" }, body: JSON.stringify({ requests: twoRequests() }) }),
      { ...env, ANTHROPIC_API_KEY: undefined },
    );
    const error = await errorOf(res);
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/ANTHROPIC_API_KEY/);
    expect(fakes.anthropic.calls).toEqual([]);
  });

  it("streams a large body (over 4 MiB) upstream, and a late bad request rolls everything back", async () => {
    const padding = "x".repeat(2000);
    const requests = Array.from({ length: 3000 }, (_, i) => ({ custom_id: `r${i}`, params: { model: "claude-3-5-haiku-20241022", max_tokens: 5, messages: [{ role: "user", content: `${i} ${padding}` }] } }));
    const ok = await create(requests);
    expect(ok.request_counts.processing).toBe(3000);
    requests.push({ custom_id: "r0", params: requests[0]!.params });
    const error = await errorOf(await call("/anthropic/v1/messages/batches", { method: "POST", body: { requests } }));
    expect(error).toMatchObject({ status: 400, message: 'requests.3000.custom_id: duplicate custom_id "r0"; each custom_id must be unique within the batch' });
    const list = await json<{ data: { id: string }[] }>(await call("/anthropic/v1/messages/batches"));
    expect(list.data.map((b) => b.id)).toEqual([ok.id]);
  });
});

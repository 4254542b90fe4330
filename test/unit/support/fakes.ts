/**
 * Driving a provider's fake directly, as a test (not the adapter) would: seeding files and
 * batches, injecting failures, reading what the fake stored. Each takes the provider's harness.
 */
import type { BatchRequest } from "../../../src/domain/batch-request";
import type { ProviderHarness } from "./harness";
import { bodyText } from "./helpers";

// ─── Anthropic ──────────────────────────────────────────────────────────────────────────────

/**
 * Queues an injected failure on the Anthropic fake (its `/__fake/fail-next` control route).
 *
 * @example
 * await failNext(h, { status: 529, times: 3 });
 */
export async function failNext(h: ProviderHarness<"anthropic">, failure: { status: number; message?: string; body?: string; times?: number }): Promise<void> {
  await h.call("POST", "/__fake/fail-next", { body: JSON.stringify(failure) });
}

// ─── OpenAI ─────────────────────────────────────────────────────────────────────────────────

/**
 * A JSON POST to the OpenAI fake.
 *
 * @example
 * await postJson(h, "/v1/batches", { input_file_id, endpoint: "/v1/chat/completions", completion_window: "24h" });
 */
export function postJson(h: ProviderHarness<"openai">, path: string, body: unknown): Promise<Response> {
  return h.call("POST", path, { headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

/**
 * Uploads a file to the OpenAI fake as the OpenAI SDK does (multipart).
 *
 * @example
 * const file = await uploadFile(h, { filename: "a.txt", purpose: "user_data", content: "hi" });
 */
export async function uploadFile(
  h: ProviderHarness<"openai">,
  file: { filename: string; purpose: string; content: string; type?: string },
): Promise<Record<string, unknown>> {
  const form = new FormData();
  form.append("purpose", file.purpose);
  form.append("file", new File([file.content], file.filename, { type: file.type ?? "application/octet-stream" }));
  const response = await h.call("POST", "/v1/files", { body: form });
  if (response.status !== 200) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/**
 * A JSONL batch input line for `/v1/chat/completions`.
 *
 * @example
 * chatLine("a", { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
 */
export function chatLine(customId: string, body: Record<string, unknown>): string {
  return JSON.stringify({ custom_id: customId, method: "POST", url: "/v1/chat/completions", body });
}

/**
 * Creates an OpenAI batch over `lines` on the fake and returns its ID.
 *
 * @example
 * const id = await createBatchFrom(h, [chatLine("a", body)]);
 */
export async function createBatchFrom(h: ProviderHarness<"openai">, lines: string[]): Promise<string> {
  const file = await uploadFile(h, { filename: "input.jsonl", purpose: "batch", content: `${lines.join("\n")}\n` });
  const response = await postJson(h, "/v1/batches", {
    input_file_id: file.id,
    endpoint: "/v1/chat/completions",
    completion_window: "24h",
  });
  if (response.status !== 200) throw new Error(`batch create failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/**
 * GETs an OpenAI batch (one lifecycle step of the fake) and returns it.
 *
 * @example
 * const batch = await getBatch(h, id);
 */
export async function getBatch(h: ProviderHarness<"openai">, id: string): Promise<Record<string, any>> {
  return (await (await h.call("GET", `/v1/batches/${id}`)).json()) as Record<string, any>;
}

/**
 * The parsed lines of a file stored on the OpenAI fake.
 *
 * @example
 * const lines = await fileLines(h, batch.output_file_id);
 */
export async function fileLines(h: ProviderHarness<"openai">, fileId: string): Promise<any[]> {
  const text = await bodyText(await h.call("GET", `/v1/files/${fileId}/content`));
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line));
}

/**
 * An OpenAI error body, as a Response.
 *
 * @example
 * openaiError(429, "Rate limit reached", "rate_limit_exceeded")
 */
export function openaiError(status: number, message: string, code: string | null = null): Response {
  return new Response(JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code } }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

// ─── Bedrock ────────────────────────────────────────────────────────────────────────────────

/** Bedrock model IDs the fake knows. */
export const HAIKU = "anthropic.claude-3-haiku-20240307-v1:0";
export const SONNET = "anthropic.claude-3-5-sonnet-20241022-v2:0";

/**
 * The JSONL record the Bedrock adapter must write for a request.
 *
 * @example
 * expectedRecord(messageRequest("a", "claude-3-haiku-20240307", "hi"))
 */
export function expectedRecord(item: BatchRequest): string {
  const { model: _model, ...rest } = item.params;
  return JSON.stringify({ recordId: item.custom_id, modelInput: { anthropic_version: "bedrock-2023-05-31", ...rest } });
}

/**
 * Shared helpers for the OpenAI tests: talking to the fake directly, and a ProviderContext
 * that points the adapter at it.
 */
import { type FakeOpenAI, createFakeOpenAI } from "../../fakes/openai/index.ts";
import type { ProviderContext } from "../../../src/providers/types";

export const KEY = "test-openai-key";
export const BASE = "https://openai.fake";
/** Unix seconds of every timestamp the fake writes: 2024-04-24T23:06:40Z. */
export const NOW = 1714000000;

export function newFake(): FakeOpenAI {
  return createFakeOpenAI({ apiKey: KEY, now: () => NOW });
}

/** A request to the fake with the right key (unless `headers` says otherwise). */
export function send(fake: FakeOpenAI, method: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${KEY}`);
  return fake.fetch(new Request(`${BASE}${path}`, { ...init, method, headers }));
}

/** A JSON POST to the fake. */
export function postJson(fake: FakeOpenAI, path: string, body: unknown): Promise<Response> {
  return send(fake, "POST", path, { headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

/** Uploads a file to the fake as the OpenAI SDK does (multipart). */
export async function uploadFile(
  fake: FakeOpenAI,
  file: { filename: string; purpose: string; content: string; type?: string },
): Promise<Record<string, unknown>> {
  const form = new FormData();
  form.append("purpose", file.purpose);
  form.append("file", new File([file.content], file.filename, { type: file.type ?? "application/octet-stream" }));
  const response = await send(fake, "POST", "/v1/files", { body: form });
  if (response.status !== 200) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** A JSONL batch input line for `/v1/chat/completions`. */
export function chatLine(customId: string, body: Record<string, unknown>): string {
  return JSON.stringify({ custom_id: customId, method: "POST", url: "/v1/chat/completions", body });
}

/** Creates a batch over `lines` and returns its ID. */
export async function createBatchFrom(fake: FakeOpenAI, lines: string[]): Promise<string> {
  const file = await uploadFile(fake, { filename: "input.jsonl", purpose: "batch", content: `${lines.join("\n")}\n` });
  const response = await postJson(fake, "/v1/batches", {
    input_file_id: file.id,
    endpoint: "/v1/chat/completions",
    completion_window: "24h",
  });
  if (response.status !== 200) throw new Error(`batch create failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** GETs a batch (one lifecycle step) and returns it. */
export async function getBatch(fake: FakeOpenAI, id: string): Promise<Record<string, any>> {
  return (await (await send(fake, "GET", `/v1/batches/${id}`)).json()) as Record<string, any>;
}

/** The parsed lines of a stored file. */
export async function fileLines(fake: FakeOpenAI, fileId: string): Promise<any[]> {
  const text = await bodyText(await send(fake, "GET", `/v1/files/${fileId}/content`));
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line));
}

/** A ProviderContext whose upstream is the fake. */
export function contextFor(fake: FakeOpenAI, env: Record<string, string> = {}): ProviderContext {
  return {
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${BASE}/v1`, ...env },
    fetch: ((input: RequestInfo | URL, init?: RequestInit) => fake.fetch(new Request(input, init))) as typeof fetch,
    clientBetas: [],
  };
}

/** An OpenAI error body, as a Response. */
export function openaiError(status: number, message: string, code: string | null = null): Response {
  return new Response(JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code } }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** A body as text, whatever its content type (`.text()` warns on octet-stream in workerd). */
export async function bodyText(response: Response): Promise<string> {
  return new TextDecoder().decode(await response.arrayBuffer());
}

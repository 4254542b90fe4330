/**
 * Reading the gateway's answers in worker tests.
 */
import { expect } from "vitest";

/**
 * The JSON body of an answer that must be a 200 (the test fails, showing the body, otherwise).
 *
 * @example
 * const file = await json<WireFile>(await call(`/anthropic/v1/files/${id}`));
 */
export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

/**
 * The body as UTF-8 (workerd warns when `.text()` reads a body whose type is not text).
 *
 * @example
 * const text = await bodyText(await call(`/anthropic/v1/files/${id}/content`));
 */
export async function bodyText(res: Response): Promise<string> {
  return new TextDecoder().decode(await res.arrayBuffer());
}

/**
 * Each line of a JSONL text, parsed (a trailing newline is fine).
 *
 * @example
 * jsonLines('{"a":1}\n{"a":2}\n'); // [{ a: 1 }, { a: 2 }]
 */
export function jsonLines(text: string): unknown[] {
  return text.trim().split("\n").map((line) => JSON.parse(line) as unknown);
}

/**
 * What the gateway recorded in its local D1, read directly.
 */
import { env } from "cloudflare:test";

/**
 * How many rows a table holds (-1 if the count cannot be read).
 *
 * @example
 * expect(await countRows("batches")).toBe(0);
 */
export async function countRows(table: "files" | "batches" | "batch_jobs" | "batch_artifacts" | "batch_usage" | "virtual_keys"): Promise<number> {
  return (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())?.n ?? -1;
}

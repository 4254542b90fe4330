/**
 * `GET /admin/usage?from=&to=`: usage and cost over the batches that ended in the range
 * (RFC 3339, both optional), one row per key, provider and model. Mounted under the admin
 * API, behind its token.
 */
import { Hono } from "../lib/hono-app";
import { GatewayError } from "../lib/errors";
import type { AppEnv } from "./env";

export const adminUsage = new Hono<AppEnv>();

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

adminUsage.get("/", async (c) => {
  const from = timestamp(c.req.query("from"), "from");
  const to = timestamp(c.req.query("to"), "to");
  const rows = await c.var.services.usage.summary(from, to);
  return c.json({
    data: rows.map((row) => ({
      key_id: row.key_id,
      key_name: row.key_name,
      provider: row.provider,
      model: row.model,
      batches: row.batches,
      requests: row.requests,
      input_tokens: row.input_tokens,
      output_tokens: row.output_tokens,
      cache_creation_input_tokens: row.cache_creation_input_tokens,
      cache_read_input_tokens: row.cache_read_input_tokens,
      cost_usd: row.cost_usd,
    })),
  });
});

/** An RFC 3339 timestamp, normalised to UTC; absent: null; anything else: 400. */
function timestamp(value: string | undefined, name: string): string | null {
  if (value === undefined || value === "") return null;
  const ms = Date.parse(value);
  if (!RFC3339.test(value) || Number.isNaN(ms)) {
    throw GatewayError.invalid(`${name}: must be an RFC 3339 timestamp, like 2026-12-01T00:00:00Z`);
  }
  return new Date(ms).toISOString();
}

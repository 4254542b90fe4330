/**
 * `GET /v1/messages/batches/{id}/usage`: tokens and cost of an ended batch, per model.
 */
import { Hono } from "../lib/hono-app";
import type { AppEnv } from "./env";

export const batchUsageRoutes = new Hono<AppEnv>();

batchUsageRoutes.get("/:id/usage", async (c) => {
  const usage = await c.var.services.batches.usage(c.var.owner, c.req.param("id"));
  return c.json({
    type: "message_batch_usage",
    id: usage.id,
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens,
    cost_usd: usage.cost_usd,
    by_model: usage.by_model.map((row) => ({
      provider: row.provider,
      model: row.model,
      requests: row.requests,
      input_tokens: row.input_tokens,
      output_tokens: row.output_tokens,
      cache_creation_input_tokens: row.cache_creation_input_tokens,
      cache_read_input_tokens: row.cache_read_input_tokens,
      cost_usd: row.cost_usd,
    })),
  });
});

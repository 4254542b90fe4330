/**
 * `/admin/keys`: virtual keys, their limits and webhooks, and `/admin/webhooks/deliveries`,
 * managed with `Authorization: Bearer <ADMIN_TOKEN>`. Without `ADMIN_TOKEN` the admin API does not exist (404); with one shorter
 * than 32 characters every admin call is refused (500, and a log line) until a longer one is
 * set. Every admin call counts against a per-client-address rate limit, before the token is
 * checked, so that the token cannot be guessed at speed.
 */
import { Hono } from "../lib/hono-app";
import * as z from "zod/mini";
import { coerceNumber } from "../lib/zod-coerce";
import { adminToken, MIN_ADMIN_TOKEN_LENGTH } from "../core/admin-token";
import { RPM_TIERS } from "../core/limits";
import { secretsEqual } from "../lib/crypto";
import { GatewayError, RateLimitedError } from "../lib/errors";
import "../lib/zod-english";
import { PROVIDER_NAMES } from "../domain/provider-name";
import type { KeyLimits, VirtualKey } from "../domain/virtual-key";
import type { WebhookDelivery } from "../domain/webhook-delivery";
import { adminUsage } from "./admin-usage";
import type { AppEnv } from "./env";

export const admin = new Hono<AppEnv>();

/** Admin calls per client address per minute (the ADMIN_RATE_LIMIT binding's own limit, in wrangler.toml). */
const ADMIN_RATE_PERIOD_SECONDS = 60;

const limitFields = {
  requests_per_minute: z.optional(
    z.nullable(
      z.number().check(
        z.int(),
        // A check rather than z.refine, which would bundle zod's custom schema type for this one use.
        z.check<number>((payload) => {
          if (!(RPM_TIERS as readonly number[]).includes(payload.value)) {
            payload.issues.push({ code: "custom", message: `must be one of ${RPM_TIERS.join(", ")} (or null for no limit)`, input: payload.value });
          }
        }),
      ),
    ),
  ),
  max_batches_in_progress: z.optional(z.nullable(z.number().check(z.int(), z.gte(1), z.lte(100_000)))),
  monthly_budget_usd: z.optional(z.nullable(z.number().check(z.positive(), z.lte(1e9)))),
};

/** What a key's webhook may be set to: a URL (checked by the keys service), or null to remove it. */
const webhookUrlField = z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(2000))));

export const newKeyBody = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  providers: z.optional(z.nullable(z.array(z.enum(PROVIDER_NAMES)).check(z.minLength(1)))),
  models: z.optional(z.nullable(z.array(z.string().check(z.minLength(1), z.maxLength(200))).check(z.minLength(1)))),
  ...limitFields,
  webhook_url: webhookUrlField,
});

/** The fields `PATCH /admin/keys/{id}` may change; each one absent is left as it is. */
export const keyUpdateBody = z.strictObject({ ...limitFields, webhook_url: webhookUrlField });

export const deliveriesQuery = z.strictObject({
  limit: z.optional(coerceNumber().check(z.int(), z.gte(1), z.lte(1000))),
});

interface RateLimiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

admin.use(async (c, next) => {
  const token = adminToken(c.env);
  if (token.state === "unset") throw GatewayError.notFound(`Not found: ${c.req.method} ${new URL(c.req.url).pathname}`);
  const limiter = c.env.ADMIN_RATE_LIMIT as RateLimiter | undefined;
  if (limiter) {
    // Cloudflare sets CF-Connecting-IP on every request it serves (see
    // docs/sources/cloudflare.md § CF-Connecting-IP); locally it may be absent.
    const client = c.req.header("cf-connecting-ip") ?? "unknown";
    const { success } = await limiter.limit({ key: client });
    if (!success) throw new RateLimitedError("Too many admin API calls from this address; retry in a minute.", ADMIN_RATE_PERIOD_SECONDS);
  }
  if (token.state === "weak") {
    // Refused on every call, whoever asks: a guessable token must never authorize anything.
    // 500: the fault is the deployment's, not the caller's (and no token would be right).
    console.error(`ADMIN_TOKEN is ${token.length} characters long; at least ${MIN_ADMIN_TOKEN_LENGTH} are required. The admin API refuses every call until it is replaced.`);
    throw new GatewayError(
      500,
      "api_error",
      `The admin API is disabled: ADMIN_TOKEN is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters. Set a longer one (for example \`openssl rand -hex 32\`).`,
    );
  }
  const presented = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? "";
  if (!(await secretsEqual(presented, token.token))) {
    throw new GatewayError(401, "authentication_error", "The admin API needs Authorization: Bearer <ADMIN_TOKEN>.");
  }
  await next();
});

admin.post("/keys", async (c) => {
  const body = parseBody(newKeyBody, await jsonBody(c.req.raw));
  // The service checks the webhook URL before the key exists, so that a bad URL creates nothing.
  const { key, secret, webhookSecret } = await c.var.services.keys.create({
    name: body.name,
    providers: body.providers ?? null,
    models: body.models ?? null,
    limits: limitsOf(body),
    webhookUrl: body.webhook_url ?? null,
  });
  if (!body.webhook_url) return c.json({ ...keyToWire(key), key: secret });
  return c.json({ ...keyToWire(key), key: secret, webhook_secret: webhookSecret });
});

admin.get("/keys", async (c) => {
  const keys = await c.var.services.keys.list();
  return c.json({ data: keys.map(keyToWire) });
});

admin.patch("/keys/:id", async (c) => {
  const id = c.req.param("id");
  const body = parseBody(keyUpdateBody, await jsonBody(c.req.raw));
  // 404 for an unknown key, 400 for a revoked one or a bad URL, before anything changes.
  const change = body.webhook_url === undefined ? { limits: limitsOf(body) } : { limits: limitsOf(body), webhookUrl: body.webhook_url };
  const { key, webhookSecret } = await c.var.services.keys.update(id, change);
  return c.json({ ...keyToWire(key), ...(webhookSecret ? { webhook_secret: webhookSecret } : {}) });
});

admin.get("/webhooks/deliveries", async (c) => {
  const query = parseBody(deliveriesQuery, c.req.query());
  const deliveries = await c.var.services.webhooks.recent(query.limit ?? 100);
  return c.json({ data: deliveries.map(deliveryToWire) });
});

admin.delete("/keys/:id", async (c) => {
  const id = c.req.param("id");
  await c.var.services.keys.revoke(id);
  return c.json({ id, type: "virtual_key_revoked" });
});

async function jsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw GatewayError.invalid("The request body is not valid JSON.");
  }
}

function parseBody<T>(schema: z.ZodMiniType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw GatewayError.invalid(`${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** The limits a body sets (absent fields are left out, null clears a limit). */
function limitsOf(body: { requests_per_minute?: number | null; max_batches_in_progress?: number | null; monthly_budget_usd?: number | null }): Partial<KeyLimits> {
  const limits: Partial<KeyLimits> = {};
  if (body.requests_per_minute !== undefined) limits.requestsPerMinute = body.requests_per_minute;
  if (body.max_batches_in_progress !== undefined) limits.maxBatchesInProgress = body.max_batches_in_progress;
  if (body.monthly_budget_usd !== undefined) limits.monthlyBudgetUsd = body.monthly_budget_usd;
  return limits;
}

function keyToWire(key: VirtualKey) {
  return {
    id: key.id,
    name: key.name,
    providers: key.providers,
    models: key.models,
    requests_per_minute: key.limits.requestsPerMinute,
    max_batches_in_progress: key.limits.maxBatchesInProgress,
    monthly_budget_usd: key.limits.monthlyBudgetUsd,
    created_at: key.createdAt,
    revoked_at: key.revokedAt,
    webhook_url: key.webhookUrl ?? null,
  };
}

/** A delivery as the admin API lists it: never its secret. */
function deliveryToWire(delivery: WebhookDelivery) {
  return {
    id: delivery.id,
    type: "webhook_delivery" as const,
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    batch_id: delivery.batchId,
    destination: delivery.destination,
    url: delivery.url,
    status: delivery.state,
    tries: delivery.tries,
    last_response_status: delivery.lastStatus,
    last_error: delivery.lastError,
    last_attempt_at: delivery.lastAttemptAt,
    next_attempt_at: delivery.state === "pending" ? delivery.nextAttemptAt : null,
    created_at: delivery.createdAt,
  };
}

// Usage and cost (src/api/admin-usage.ts), behind the same token.
admin.route("/usage", adminUsage);

/**
 * `/admin/keys`: virtual keys, and `/admin/webhooks/deliveries`, managed with
 * `Authorization: Bearer <ADMIN_TOKEN>`. Without `ADMIN_TOKEN` the admin API does not exist (404).
 */
import { Hono } from "hono";
import { z } from "zod";
import { createKey, revokeKey, type KeyCache } from "../core/keys";
import { checkWebhookUrl } from "../core/webhook-config";
import { setKeyWebhook } from "../core/webhooks";
import { secretsEqual } from "../lib/crypto";
import { GatewayError } from "../lib/errors";
import { PROVIDER_NAMES } from "../providers/types";
import { KeyStore, type VirtualKey } from "../store/keys";
import { WebhookStore, type WebhookDelivery } from "../store/webhooks";
import type { AppEnv } from "./env";

export const admin = new Hono<AppEnv>();

/** What a key's webhook may be set to: a URL (checked by setKeyWebhook), or null to remove it. */
const webhookUrlField = z.string().min(1).max(2000).nullable().optional();

const newKeyBody = z.strictObject({
  name: z.string().min(1).max(200),
  providers: z.array(z.enum(PROVIDER_NAMES)).min(1).nullable().optional(),
  models: z.array(z.string().min(1).max(200)).min(1).nullable().optional(),
  webhook_url: webhookUrlField,
});

/** The fields `PATCH /admin/keys/{id}` may change; each one absent is left as it is. */
const keyUpdateFields = {
  webhook_url: webhookUrlField,
};
const keyUpdateBody = z.strictObject(keyUpdateFields);

const deliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

admin.use(async (c, next) => {
  const token = typeof c.env.ADMIN_TOKEN === "string" ? c.env.ADMIN_TOKEN : "";
  if (!token) throw GatewayError.notFound(`Not found: ${c.req.method} ${new URL(c.req.url).pathname}`);
  const presented = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? "";
  if (!(await secretsEqual(presented, token))) {
    throw new GatewayError(401, "authentication_error", "The admin API needs Authorization: Bearer <ADMIN_TOKEN>.");
  }
  await next();
});

admin.post("/keys", async (c) => {
  const body = parse(newKeyBody, await jsonBody(c.req.raw));
  // Checked before the key exists, so that a bad URL creates nothing.
  if (body.webhook_url) checkWebhookUrl(body.webhook_url, "webhook_url");
  const keys = store(c.env.DB);
  const { key, secret } = await createKey(keys, cache(c.env), {
    name: body.name,
    providers: body.providers ?? null,
    models: body.models ?? null,
  });
  if (!body.webhook_url) return c.json({ ...keyToWire(key), key: secret });
  const webhook = await setKeyWebhook(keys, c.env, key.id, body.webhook_url);
  return c.json({ ...keyToWire((await keys.get(key.id)) ?? key), key: secret, webhook_secret: webhook.secret });
});

admin.patch("/keys/:id", async (c) => {
  const id = c.req.param("id");
  const body = parse(keyUpdateBody, await jsonBody(c.req.raw));
  const keys = store(c.env.DB);
  const existing = await keys.get(id);
  if (!existing) throw GatewayError.notFound(`Virtual key not found: ${id}`);
  if (existing.revokedAt) throw GatewayError.invalid(`Virtual key ${id} is revoked and can no longer be changed.`);
  const extra: { webhook_secret?: string } = {};
  if (body.webhook_url !== undefined) {
    const webhook = await setKeyWebhook(keys, c.env, id, body.webhook_url);
    if (webhook.secret) extra.webhook_secret = webhook.secret;
  }
  return c.json({ ...keyToWire((await keys.get(id)) ?? existing), ...extra });
});

admin.get("/webhooks/deliveries", async (c) => {
  const query = parse(deliveriesQuery, c.req.query());
  const deliveries = await new WebhookStore(c.env.DB).recent(query.limit ?? 100);
  return c.json({ data: deliveries.map(deliveryToWire) });
});

admin.get("/keys", async (c) => {
  const keys = await store(c.env.DB).list();
  return c.json({ data: keys.map(keyToWire) });
});

admin.delete("/keys/:id", async (c) => {
  const id = c.req.param("id");
  await revokeKey(store(c.env.DB), cache(c.env), id);
  return c.json({ id, type: "virtual_key_revoked" });
});

function keyToWire(key: VirtualKey) {
  return {
    id: key.id,
    name: key.name,
    providers: key.providers,
    models: key.models,
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

async function jsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw GatewayError.invalid("The request body is not valid JSON.");
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw GatewayError.invalid(`${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

function store(db: D1Database): KeyStore {
  return new KeyStore(db);
}

function cache(env: AppEnv["Bindings"]): KeyCache | null {
  return (env.AUTH_CACHE as KeyCache | undefined) ?? null;
}

/**
 * `/admin/keys`: virtual keys, managed with `Authorization: Bearer <ADMIN_TOKEN>`. Without
 * `ADMIN_TOKEN` the admin API does not exist (404).
 */
import { Hono } from "hono";
import { z } from "zod";
import { createKey, revokeKey, type KeyCache } from "../core/keys";
import { secretsEqual } from "../lib/crypto";
import { GatewayError } from "../lib/errors";
import { PROVIDER_NAMES } from "../providers/types";
import { KeyStore, type VirtualKey } from "../store/keys";
import { adminUsage } from "./admin-usage";
import type { AppEnv } from "./env";

export const admin = new Hono<AppEnv>();

const newKeyBody = z.strictObject({
  name: z.string().min(1).max(200),
  providers: z.array(z.enum(PROVIDER_NAMES)).min(1).nullable().optional(),
  models: z.array(z.string().min(1).max(200)).min(1).nullable().optional(),
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
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw GatewayError.invalid("The request body is not valid JSON.");
  }
  const parsed = newKeyBody.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw GatewayError.invalid(`${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
  }
  const { key, secret } = await createKey(store(c.env.DB), cache(c.env), {
    name: parsed.data.name,
    providers: parsed.data.providers ?? null,
    models: parsed.data.models ?? null,
  });
  return c.json({ ...keyToWire(key), key: secret });
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
  return { id: key.id, name: key.name, providers: key.providers, models: key.models, created_at: key.createdAt, revoked_at: key.revokedAt };
}

function store(db: D1Database): KeyStore {
  return new KeyStore(db);
}

function cache(env: AppEnv["Bindings"]): KeyCache | null {
  return (env.AUTH_CACHE as KeyCache | undefined) ?? null;
}

// Usage and cost (src/api/admin-usage.ts), behind the same token.
admin.route("/usage", adminUsage);

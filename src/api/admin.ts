/**
 * `/admin/keys`: virtual keys and their limits, managed with `Authorization: Bearer
 * <ADMIN_TOKEN>`. Without `ADMIN_TOKEN` the admin API does not exist (404); with one shorter
 * than 32 characters every admin call is refused (500, and a log line) until a longer one is
 * set. Every admin call counts against a per-client-address rate limit, before the token is
 * checked, so that the token cannot be guessed at speed.
 */
import { Hono } from "hono";
import { z } from "zod";
import { adminToken, MIN_ADMIN_TOKEN_LENGTH } from "../core/admin-token";
import { createKey, revokeKey, updateKeyLimits, type KeyCache } from "../core/keys";
import { RPM_TIERS } from "../core/limits";
import { secretsEqual } from "../lib/crypto";
import { GatewayError, RateLimitedError } from "../lib/errors";
import { PROVIDER_NAMES } from "../providers/types";
import { KeyStore, NO_LIMITS, type KeyLimits, type VirtualKey } from "../store/keys";
import type { AppEnv } from "./env";

export const admin = new Hono<AppEnv>();

/** Admin calls per client address per minute (the ADMIN_RATE_LIMIT binding's own limit, in wrangler.toml). */
const ADMIN_RATE_PERIOD_SECONDS = 60;

const limitFields = {
  requests_per_minute: z
    .number()
    .int()
    .refine((value) => (RPM_TIERS as readonly number[]).includes(value), { message: `must be one of ${RPM_TIERS.join(", ")} (or null for no limit)` })
    .nullable()
    .optional(),
  max_batches_in_progress: z.number().int().min(1).max(100_000).nullable().optional(),
  monthly_budget_usd: z.number().positive().max(1e9).nullable().optional(),
};

export const newKeyBody = z.strictObject({
  name: z.string().min(1).max(200),
  providers: z.array(z.enum(PROVIDER_NAMES)).min(1).nullable().optional(),
  models: z.array(z.string().min(1).max(200)).min(1).nullable().optional(),
  ...limitFields,
});

export const keyLimitsBody = z.strictObject(limitFields);

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
  const { key, secret } = await createKey(store(c.env.DB), {
    name: body.name,
    providers: body.providers ?? null,
    models: body.models ?? null,
    limits: { ...NO_LIMITS, ...limitsOf(body) },
  });
  return c.json({ ...keyToWire(key), key: secret });
});

admin.get("/keys", async (c) => {
  const keys = await store(c.env.DB).list();
  return c.json({ data: keys.map(keyToWire) });
});

admin.patch("/keys/:id", async (c) => {
  const body = parseBody(keyLimitsBody, await jsonBody(c.req.raw));
  const key = await updateKeyLimits(store(c.env.DB), cache(c.env), c.req.param("id"), limitsOf(body));
  return c.json(keyToWire(key));
});

admin.delete("/keys/:id", async (c) => {
  const id = c.req.param("id");
  await revokeKey(store(c.env.DB), cache(c.env), id);
  return c.json({ id, type: "virtual_key_revoked" });
});

async function jsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw GatewayError.invalid("The request body is not valid JSON.");
  }
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
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
  };
}

function store(db: D1Database): KeyStore {
  return new KeyStore(db);
}

function cache(env: AppEnv["Bindings"]): KeyCache | null {
  return (env.AUTH_CACHE as KeyCache | undefined) ?? null;
}

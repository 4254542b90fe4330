/**
 * Requires a key (`x-api-key` or `Authorization: Bearer`) and sets the caller. Without
 * virtual keys every key is accepted and all callers share one owner; once one exists, only
 * virtual keys are, and each key owns what it creates.
 *
 * @example
 * api.use(auth());
 */
import type { MiddlewareHandler } from "hono";
import { identify, type KeyCache } from "../../core/keys";
import { GatewayError } from "../../lib/errors";
import { KeyStore } from "../../store/keys";
import type { AppEnv } from "../env";

export function presentedKey(headers: Headers): string | null {
  const apiKey = headers.get("x-api-key");
  if (apiKey && apiKey.trim()) return apiKey.trim();
  const authorization = headers.get("authorization");
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  return bearer || null;
}

export function auth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const presented = presentedKey(c.req.raw.headers);
    if (presented === null) {
      throw new GatewayError(401, "authentication_error", "x-api-key header is required (or Authorization: Bearer <key>)");
    }
    const caller = await identify(new KeyStore(c.env.DB), (c.env.AUTH_CACHE as KeyCache | undefined) ?? null, presented);
    c.set("caller", caller);
    c.set("owner", caller.owner);
    await next();
  };
}

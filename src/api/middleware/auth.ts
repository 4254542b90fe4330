/**
 * Requires a key (`x-api-key` or `Authorization: Bearer`) and sets the caller. Without
 * `ADMIN_TOKEN` every key is accepted and all callers share one owner; with it, only virtual
 * keys are, from the first request, and each key owns what it creates. Each request counts
 * against the key's requests-per-minute limit. Both go through the keys service.
 *
 * @example
 * api.use(auth());
 */
import type { MiddlewareHandler } from "hono";
import { GatewayError } from "../../lib/errors";
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
    // `c.get`, not `c.var`: Hono builds a fresh object of every variable on each `c.var` read.
    const keys = c.get("services").keys;
    const caller = await keys.identify(presented);
    await keys.charge(caller);
    c.set("caller", caller);
    c.set("owner", caller.owner);
    await next();
  };
}

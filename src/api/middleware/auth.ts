/**
 * Requires a key (`x-api-key` or `Authorization: Bearer`) and sets the caller's owner.
 * Without virtual keys every key is accepted and all callers share one owner.
 *
 * @example
 * api.use(auth());
 */
import type { MiddlewareHandler } from "hono";
import { GatewayError } from "../../lib/errors";
import type { AppEnv } from "../env";

export const SHARED_OWNER = "shared";

export function presentedKey(headers: Headers): string | null {
  const apiKey = headers.get("x-api-key");
  if (apiKey && apiKey.trim()) return apiKey.trim();
  const authorization = headers.get("authorization");
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  return bearer || null;
}

export function auth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (presentedKey(c.req.raw.headers) === null) {
      throw new GatewayError(401, "authentication_error", "x-api-key header is required (or Authorization: Bearer <key>)");
    }
    c.set("owner", SHARED_OWNER);
    await next();
  };
}

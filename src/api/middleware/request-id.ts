/**
 * Gives every response a `request-id` header shaped like Anthropic's (`req_…`).
 *
 * @example
 * app.use(requestId());
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

export function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let id = "req_";
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}

export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = newRequestId();
    c.set("requestId", id);
    await next();
    c.res.headers.set("request-id", id);
  };
}

/**
 * Reads `x-model-provider` (absent: null, meaning anthropic for creates and every provider
 * for lists). An unknown value is a 400 that names the valid ones.
 *
 * @example
 * api.use(provider());
 */
import type { MiddlewareHandler } from "hono";
import { GatewayError } from "../../lib/errors";
import { PROVIDER_NAMES, type ProviderName } from "../../domain/provider-name";
import type { AppEnv } from "../env";

export function parseProvider(value: string | undefined): ProviderName | null {
  if (value === undefined || value.trim() === "") return null;
  const name = value.trim().toLowerCase();
  if ((PROVIDER_NAMES as readonly string[]).includes(name)) return name as ProviderName;
  throw GatewayError.invalid(`x-model-provider: unknown provider "${value}"; valid values are ${PROVIDER_NAMES.join(", ")}`);
}

export function provider(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("provider", parseProvider(c.req.header("x-model-provider")));
    await next();
  };
}

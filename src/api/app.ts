/**
 * The HTTP surface: `/health`, the Anthropic Files and Message Batches APIs under
 * `/anthropic/v1`, the admin API and the dashboard. Middleware runs in order: request ID,
 * errors, services, then (under `/anthropic`) auth and provider. Every handler reaches the
 * gateway's state through the services object (src/core/services.ts) and nothing else: this
 * layer imports neither the store nor a provider; the composition root (src/index.ts) hands
 * the adapters in.
 */
import type { MiddlewareHandler } from "hono";
import { Hono } from "../lib/hono-app";
import { createServices, type Services, type ServicesOptions } from "../core/services";
import { dashboard } from "../dashboard/routes";
import { admin } from "./admin";
import { batchUsageRoutes } from "./batch-usage";
import { batches } from "./batches";
import type { AppEnv } from "./env";
import { files } from "./files";
import { auth } from "./middleware/auth";
import { notFound, onError } from "./middleware/errors";
import { provider } from "./middleware/provider";
import { requestId } from "./middleware/request-id";
import { openApi } from "./openapi/routes";

/** What the services are built with besides the bindings: the adapters, and optionally an upstream fetch. */
export type AppOptions = Omit<ServicesOptions, "env" | "clientBetas">;

/**
 * @example
 * export default { fetch: createApp({ adapters: ADAPTERS }).fetch };
 */
export function createApp(options: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.onError(onError);
  app.notFound(notFound);

  // `npm run dev` sets BATCHBRIDGE_SIMULATORS when it runs the gateway against local
  // simulators (no provider key set), so that a client can tell it is not talking to providers.
  app.get("/health", (c) => c.json(c.env.BATCHBRIDGE_SIMULATORS === "true" ? { status: "ok", simulators: true } : { status: "ok" }));
  // The OpenAPI document and the API reference: /openapi.json, /docs.
  app.route("/", openApi);
  // Built before auth: the auth middleware identifies the caller through the keys service.
  app.use(services(options));
  app.route("/admin", admin);
  app.route("/dashboard", dashboard());

  const api = new Hono<AppEnv>();
  api.use(auth());
  api.use(provider());
  api.route("/v1/files", files);
  api.route("/v1/messages/batches", batchUsageRoutes);
  api.route("/v1/messages/batches", batches);
  app.route("/anthropic", api);
  return app;
}

/**
 * Sets the request's services; only the Anthropic API forwards the client's `anthropic-beta`.
 * The services hold no state of a request but the betas: the services built over one env (the
 * Worker's env is one object per isolate) and one `anthropic-beta` value serve every request
 * that has both. SDK clients send the same value on every call (the Files API's beta), so
 * building them once per value saves each hot request a few dozen objects; the values kept
 * per env are bounded (BETA_VALUES_KEPT, the oldest dropped), since a client picks them.
 */
function services(options: AppOptions): MiddlewareHandler<AppEnv> {
  const byEnv = new WeakMap<object, Map<string, Services>>();
  return async (c, next) => {
    const betas = c.req.path.startsWith("/anthropic/") ? (c.req.header("anthropic-beta") ?? "") : "";
    let built = byEnv.get(c.env);
    if (built === undefined) byEnv.set(c.env, (built = new Map()));
    let services = built.get(betas);
    if (services === undefined) {
      services = createServices({ ...options, env: c.env, clientBetas: splitBetas(betas) });
      if (built.size >= BETA_VALUES_KEPT) built.delete(built.keys().next().value!);
      built.set(betas, services);
    }
    c.set("services", services);
    await next();
  };
}

const BETA_VALUES_KEPT = 32;

function splitBetas(header: string | undefined): string[] {
  return (header ?? "")
    .split(",")
    .map((beta) => beta.trim())
    .filter(Boolean);
}

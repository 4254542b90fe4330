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
 * The services hold no state of a request but the betas: without betas, the services built
 * over one env (the Worker's env is one object per isolate) serve every request that has it.
 */
function services(options: AppOptions): MiddlewareHandler<AppEnv> {
  const withoutBetas = new WeakMap<object, Services>();
  return async (c, next) => {
    const clientBetas = c.req.path.startsWith("/anthropic/") ? splitBetas(c.req.header("anthropic-beta")) : [];
    let built = clientBetas.length === 0 ? withoutBetas.get(c.env) : undefined;
    if (built === undefined) {
      built = createServices({ ...options, env: c.env, clientBetas });
      if (clientBetas.length === 0) withoutBetas.set(c.env, built);
    }
    c.set("services", built);
    await next();
  };
}

function splitBetas(header: string | undefined): string[] {
  return (header ?? "")
    .split(",")
    .map((beta) => beta.trim())
    .filter(Boolean);
}

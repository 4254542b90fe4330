/**
 * The HTTP surface: `/health`, and the Anthropic Files and Message Batches APIs under
 * `/anthropic/v1`. Middleware runs in order: request ID, errors, auth, provider, gateway.
 */
import { Hono } from "hono";
import { createGateway } from "../core/gateway";
import { dashboard } from "../dashboard/routes";
import type { ProviderAdapter } from "../providers/types";
import type { ProviderName } from "../domain/provider-name";
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

export interface AppOptions {
  adapters: Readonly<Record<ProviderName, ProviderAdapter>>;
}

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
  app.route("/admin", admin);
  app.route("/dashboard", dashboard(options.adapters));

  const api = new Hono<AppEnv>();
  api.use(auth());
  api.use(provider());
  api.use(async (c, next) => {
    c.set(
      "gateway",
      createGateway({
        db: c.env.DB,
        env: c.env,
        clientBetas: splitBetas(c.req.header("anthropic-beta")),
        adapters: options.adapters,
      }),
    );
    await next();
  });
  api.route("/v1/files", files);
  api.route("/v1/messages/batches", batchUsageRoutes);
  api.route("/v1/messages/batches", batches);
  app.route("/anthropic", api);
  return app;
}

function splitBetas(header: string | undefined): string[] {
  return (header ?? "")
    .split(",")
    .map((beta) => beta.trim())
    .filter(Boolean);
}

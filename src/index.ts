/**
 * batchbridge: the Anthropic Files and Message Batches APIs, on Anthropic, OpenAI, Gemini
 * or Bedrock, from one Worker.
 */
import { createApp } from "./api/app";
import type { Bindings } from "./api/env";
import { createGateway } from "./core/gateway";
import { reconcile } from "./core/reconcile";
import { ADAPTERS } from "./providers/index";

const app = createApp({ adapters: ADAPTERS });

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    const gateway = createGateway({ db: env.DB, env, clientBetas: [], adapters: ADAPTERS });
    ctx.waitUntil(
      reconcile(gateway, Date.now()).then((report) => {
        if (report.batchesRolledBack || report.batchesLeft || report.filesForgotten) console.log("reconciled", JSON.stringify(report));
      }),
    );
  },
} satisfies ExportedHandler<Bindings>;

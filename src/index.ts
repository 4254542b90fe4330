/**
 * batchbridge: the Anthropic Files and Message Batches APIs, on Anthropic, OpenAI, Gemini
 * or Bedrock, from one Worker.
 */
import { env as startupEnv } from "cloudflare:workers";
import { createApp } from "./api/app";
import type { Bindings } from "./api/env";
import { createGateway } from "./core/gateway";
import type { JobMessage } from "./core/jobs";
import { reconcile } from "./core/reconcile";
import { describeGatewayWebhook } from "./core/webhook-config";
import { deliverWebhook, requeueOverdueDeliveries } from "./core/webhook-delivery";
import { ADAPTERS } from "./providers/index";

const app = createApp({ adapters: ADAPTERS });

// Checked once as each isolate starts, so that a WEBHOOK_URL that cannot be used is in the log.
const webhookConfig = describeGatewayWebhook(startupEnv as unknown as Record<string, unknown>);
console[webhookConfig.level](webhookConfig.message);

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    const gateway = createGateway({ db: env.DB, env, clientBetas: [], adapters: ADAPTERS });
    ctx.waitUntil(
      reconcile(gateway, Date.now()).then((report) => {
        if (report.batchesRolledBack || report.batchesLeft || report.filesForgotten) console.log("reconciled", JSON.stringify(report));
      }),
    );
    ctx.waitUntil(
      requeueOverdueDeliveries(gateway, Date.now()).then((requeued) => {
        if (requeued) console.log("webhooks: queued again", requeued, "overdue deliveries");
      }),
    );
  },
  /** Background work from the `JOBS` queue, each message handled by the module of its kind. */
  async queue(batch, env) {
    const gateway = createGateway({ db: env.DB, env, clientBetas: [], adapters: ADAPTERS });
    await Promise.all(
      batch.messages.map(async (message) => {
        const body = message.body;
        try {
          switch (body.kind) {
            case "webhook":
              await deliverWebhook(gateway, body.deliveryId);
              break;
            default:
              console.error("jobs: unknown message kind", (body as { kind?: unknown }).kind);
          }
          message.ack();
        } catch (error) {
          console.error("jobs: failed, will retry", body.kind, error instanceof Error ? error.name : "error");
          message.retry();
        }
      }),
    );
  },
} satisfies ExportedHandler<Bindings, JobMessage>;

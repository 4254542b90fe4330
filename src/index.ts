/**
 * batchbridge: the Anthropic Files and Message Batches APIs, on Anthropic, OpenAI, Gemini
 * or Bedrock, from one Worker.
 */
import { env as startupEnv } from "cloudflare:workers";
import { createApp } from "./api/app";
import type { Bindings } from "./api/env";
import { createGateway, type Gateway } from "./core/gateway";
import { handleJob } from "./core/job-handlers";
import { isJobMessage } from "./core/queue-messages";
import { reconcile } from "./core/reconcile";
import { sweep } from "./core/sweep";
import { describeGatewayWebhook } from "./core/webhook-config";
import { requeueOverdueDeliveries } from "./core/webhook-delivery";
import { ADAPTERS } from "./providers/index";

const app = createApp({ adapters: ADAPTERS });

// Checked once as each isolate starts, so that a WEBHOOK_URL that cannot be used is in the log.
const webhookConfig = describeGatewayWebhook(startupEnv as unknown as Record<string, unknown>);
console[webhookConfig.level](webhookConfig.message);

/** Whether this isolate has run the safety net once (see src/core/sweep.ts). */
let sweptAtStart = false;

export default {
  fetch(request, env, ctx) {
    if (!sweptAtStart) {
      sweptAtStart = true;
      ctx.waitUntil(runSweep(backgroundGateway(env)));
    }
    return app.fetch(request, env, ctx);
  },
  async scheduled(_controller, env, ctx) {
    const gateway = backgroundGateway(env);
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
    ctx.waitUntil(runSweep(gateway));
  },
  /** Background work: each message is handled by its kind; a failure is retried by the queue. */
  async queue(batch, env) {
    const gateway = backgroundGateway(env);
    for (const message of batch.messages) {
      if (!isJobMessage(message.body)) {
        console.error("dropped a queue message that is not a job", JSON.stringify(message.body));
        message.ack();
        continue;
      }
      try {
        await handleJob(gateway, message.body);
        message.ack();
      } catch (error) {
        console.error("queue job failed; retrying", message.body.kind, error instanceof Error ? error.message : String(error));
        message.retry({ delaySeconds: Math.min(600, 5 * 2 ** Math.min(message.attempts, 7)) });
      }
    }
  },
} satisfies ExportedHandler<Bindings>;

function backgroundGateway(env: Bindings): Gateway {
  return createGateway({ db: env.DB, env, clientBetas: [], adapters: ADAPTERS });
}

async function runSweep(gateway: Gateway): Promise<void> {
  try {
    const report = await sweep(gateway, Date.now());
    if (report.pollsRequeued || report.vaultsRequeued || report.resultsPurged) console.log("swept", JSON.stringify(report));
  } catch (error) {
    console.error("sweep failed", error instanceof Error ? error.message : String(error));
  }
}

/**
 * batchbridge: the Anthropic Files and Message Batches APIs, on Anthropic, OpenAI, Gemini
 * or Bedrock, from one Worker.
 *
 * The composition root: the one module that may import every layer. It hands the provider
 * registry to the app and to the background services; the fetch, cron and queue handlers
 * reach the gateway's state through the services object (src/core/services.ts) only.
 */
import { env as startupEnv } from "cloudflare:workers";
import { createApp } from "./api/app";
import type { Bindings } from "./api/env";
import { isJobMessage } from "./core/queue-messages";
import { createServices, type BackgroundService } from "./core/services";
import { describeGatewayWebhook } from "./core/webhook-config";
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
      ctx.waitUntil(runSweep(background(env)));
    }
    return app.fetch(request, env, ctx);
  },
  async scheduled(_controller, env, ctx) {
    const work = background(env);
    ctx.waitUntil(
      work.reconcile(Date.now()).then((report) => {
        if (report.batchesRolledBack || report.batchesLeft || report.filesForgotten) console.log("reconciled", JSON.stringify(report));
      }),
    );
    ctx.waitUntil(
      work.requeueOverdueDeliveries(Date.now()).then((requeued) => {
        if (requeued) console.log("webhooks: queued again", requeued, "overdue deliveries");
      }),
    );
    ctx.waitUntil(runSweep(work));
  },
  /** Background work: each message is handled by its kind; a failure is retried by the queue. */
  async queue(batch, env) {
    const work = background(env);
    for (const message of batch.messages) {
      if (!isJobMessage(message.body)) {
        console.error("dropped a queue message that is not a job", JSON.stringify(message.body));
        message.ack();
        continue;
      }
      try {
        await work.handle(message.body);
        message.ack();
      } catch (error) {
        console.error("queue job failed; retrying", message.body.kind, error instanceof Error ? error.message : String(error));
        message.retry({ delaySeconds: Math.min(600, 5 * 2 ** Math.min(message.attempts, 7)) });
      }
    }
  },
} satisfies ExportedHandler<Bindings>;

function background(env: Bindings): BackgroundService {
  return createServices({ env, adapters: ADAPTERS }).background;
}

async function runSweep(work: BackgroundService): Promise<void> {
  try {
    const report = await work.sweep(Date.now());
    if (report.pollsRequeued || report.vaultsRequeued || report.resultsPurged) console.log("swept", JSON.stringify(report));
  } catch (error) {
    console.error("sweep failed", error instanceof Error ? error.message : String(error));
  }
}

/**
 * What the queue consumer does with each kind of message (src/core/queue-messages.ts): one
 * handler per kind. A handler that throws has its message retried by the queue.
 */
import { advanceBatch } from "./batch-refresh";
import type { Gateway } from "./gateway";
import { hasGatewayJobs, stepGatewayJobs, type GatewayWork } from "./gateway-jobs";
import { pollNow, schedulePoll } from "./progress";
import type { JobMessage, PollMessage, VaultMessage, WebhookMessage } from "./queue-messages";
import { deliverWebhook } from "./webhook-delivery";
import { vaultBatch } from "./vault";

/**
 * The poll interval recorded while a step of the gateway's own requests runs, so that the safety
 * net leaves it alone for twice that: 15 minutes, a queue consumer's longest run (see
 * docs/sources/cloudflare.md § Queues: a consumer runs at most 15 minutes).
 */
const STEP_GUARD_SECONDS = 450;

type Handlers = { [K in JobMessage["kind"]]: (gateway: Gateway, message: Extract<JobMessage, { kind: K }>) => Promise<void> };

/**
 * @example
 * await JOB_HANDLERS[message.kind](gateway, message as never);
 */
export const JOB_HANDLERS: Handlers = {
  poll: pollBatch,
  vault: vaultQueued,
  webhook: deliverQueued,
};

/**
 * Runs one message's handler; an unknown kind is dropped (logged).
 *
 * @example
 * await handleJob(gateway, { kind: "poll", batchId, due });
 */
export async function handleJob(gateway: Gateway, message: JobMessage): Promise<void> {
  const handler = (JOB_HANDLERS as Record<string, ((gateway: Gateway, message: JobMessage) => Promise<void>) | undefined>)[message.kind];
  if (!handler) {
    console.error("dropped a queue message of unknown kind", message.kind);
    return;
  }
  await handler(gateway, message);
}

/**
 * Polls a running batch (vaulting it once every job has ended) and schedules the next poll,
 * backing off. A batch with jobs the gateway runs itself first has one step of them run
 * (src/core/gateway-jobs.ts), and is polled again at once while they have requests to start
 * (after the backoff when the provider throttles). A message for a poll the batch no longer
 * expects is stale and dropped; an upstream failure is logged and the chain goes on.
 */
async function pollBatch(gateway: Gateway, message: PollMessage): Promise<void> {
  const found = await gateway.batches.getForWork(message.batchId);
  if (!found || found.schedule.nextPollAt !== message.due) return;
  const { batch, jobs, schedule } = found;
  if (batch.state === "vaulting") return vaultQueued(gateway, { kind: "vault", batchId: batch.id });
  if (batch.state !== "in_progress" && batch.state !== "canceling") return;
  let state = batch.state as string;
  let work: GatewayWork = "none";
  const stepping = hasGatewayJobs(gateway, batch, jobs);
  if (stepping) {
    try {
      // A step lasts as long as its slowest request: the safety net, which re-polls a batch not
      // polled for twice its interval, is held off meanwhile (the poll expected stays this one).
      await gateway.batches.schedulePoll(batch.id, STEP_GUARD_SECONDS, message.due);
      work = await stepGatewayJobs(gateway, batch, jobs);
    } catch (error) {
      work = "later";
      console.error("a step of the gateway's own requests failed", batch.id, error instanceof Error ? error.message : String(error));
    }
  }
  try {
    const current = stepping ? await gateway.batches.jobs(batch.id) : jobs;
    state = (await advanceBatch(gateway, batch, current)).state;
  } catch (error) {
    console.error("background poll failed", batch.id, error instanceof Error ? error.message : String(error));
  }
  if (state !== "in_progress" && state !== "canceling") return;
  if (work === "now") await pollNow(gateway, batch.id, 0);
  else await schedulePoll(gateway, batch.id, schedule.pollInterval);
}

/**
 * Vaults a batch whose jobs have all ended; a failure throws, for the queue to retry. While
 * another worker holds the batch's lease, this message is done: that worker finishes, or its
 * lease lapses and the safety net queues the batch again (so duplicates die out).
 */
async function vaultQueued(gateway: Gateway, message: VaultMessage): Promise<void> {
  const found = await gateway.batches.getForWork(message.batchId);
  if (!found || found.batch.state !== "vaulting") return;
  await vaultBatch(gateway, found.batch);
}

/** Sends one webhook delivery; a failed attempt schedules its own retry (src/core/webhook-delivery.ts). */
async function deliverQueued(gateway: Gateway, message: WebhookMessage): Promise<void> {
  await deliverWebhook(gateway, message.deliveryId);
}

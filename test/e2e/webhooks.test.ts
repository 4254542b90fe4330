/**
 * Signed webhooks under `npm run dev`: a local receiver checks every signature with the
 * `standardwebhooks` library. This file runs its own gateway (its settings differ from the
 * shared one's): a gateway-wide WEBHOOK_URL, retries after 1 s, and an admin token (so the
 * gateway is closed: clients use virtual keys). No test reads its batch while it waits: the
 * gateway polls batches in the background, and the webhook arrives on its own.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./support/stack.ts";
import { twoRequests } from "./support/requests.ts";
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from "./support/webhook-receiver.ts";

const GATEWAY_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef-0123456789";

let receiver: WebhookReceiver;
let stack: Stack;
/** A virtual key without a webhook of its own: its batches' events go to WEBHOOK_URL only. */
let plainKey: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  receiver.setSecret("/all", GATEWAY_SECRET);
  stack = await startStack({
    vars: { WEBHOOK_URL: `${receiver.url}/all`, WEBHOOK_SECRET: GATEWAY_SECRET, WEBHOOK_RETRY_BASE_SECONDS: "1", ADMIN_TOKEN },
    verbose: process.env.E2E_VERBOSE === "1",
  });
  plainKey = (await newKey({ name: "plain" })).key;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

function client(apiKey = plainKey): Anthropic {
  return new Anthropic({ baseURL: `${stack.gatewayUrl}/anthropic`, apiKey, maxRetries: 0 });
}

async function newKey(body: Record<string, unknown>): Promise<{ key: string; webhook_url: string | null; webhook_secret?: string }> {
  const response = await fetch(`${stack.gatewayUrl}/admin/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { key: string; webhook_url: string | null; webhook_secret?: string };
}

function about(batchId: string, path: string) {
  return (received: ReceivedWebhook) => received.path === path && received.body.includes(batchId);
}

/**
 * Waits for the batch's webhooks on `path`, reading nothing from the gateway meanwhile: the
 * background poller ends the batch and the webhook follows, with no client polling.
 */
async function webhooksOf(batchId: string, path: string, count: number) {
  return receiver.waitFor(about(batchId, path), count);
}

describe("signed webhooks", () => {
  it("POSTs message_batch.ended after the batch ends, signed, with the batch as retrieve returns it", async () => {
    const sdk = client();
    const created = await sdk.beta.messages.batches.create({ requests: twoRequests("claude-3-5-haiku-20241022") });
    const [webhook] = await webhooksOf(created.id, "/all", 1);
    const ended = await sdk.beta.messages.batches.retrieve(created.id);

    expect(webhook!.verifyError).toBeNull();
    expect(webhook!.headers["webhook-id"]).toMatch(/^msg_[0-9A-Z]{26}$/);
    expect(webhook!.headers["content-type"]).toBe("application/json");
    expect(webhook!.event).toEqual({ type: "message_batch.ended", timestamp: expect.any(String), data: JSON.parse(JSON.stringify(ended)) });
    expect(ended.processing_status).toBe("ended");
    expect(ended.results_url).toBe(`${stack.gatewayUrl}/anthropic/v1/messages/batches/${created.id}/results`);
    expect(Date.parse(webhook!.event!.timestamp)).toBeGreaterThanOrEqual(Date.parse(ended.ended_at!));
    expect(webhook!.at).toBeGreaterThanOrEqual(Date.parse(webhook!.event!.timestamp));
    // The figure the README's lifecycle section quotes: from the upstream end (the provider's
    // ended_at, as the background poll saw it) to the signed delivery's arrival.
    console.log(`webhook latency: ${webhook!.at - Date.parse(ended.ended_at!)} ms from the upstream end to delivery`);

    // Reading the ended batch again sends nothing more.
    await sdk.beta.messages.batches.retrieve(created.id);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(receiver.received.filter(about(created.id, "/all"))).toHaveLength(1);
  });

  it("retries a receiver that fails twice, with the same webhook-id, until it succeeds", async () => {
    const sdk = client();
    receiver.failNext("/all", 2, 503);
    const created = await sdk.beta.messages.batches.create({ requests: twoRequests("claude-3-5-haiku-20241022") });
    const attempts = await webhooksOf(created.id, "/all", 3);

    expect(attempts.map((attempt) => attempt.answered)).toEqual([503, 503, 204]);
    expect(attempts.map((attempt) => attempt.verifyError)).toEqual([null, null, null]);
    expect(new Set(attempts.map((attempt) => attempt.headers["webhook-id"])).size).toBe(1);
    expect(new Set(attempts.map((attempt) => attempt.body)).size).toBe(1);
    // Delayed queue messages: 1 s (WEBHOOK_RETRY_BASE_SECONDS), then 2 s.
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(900);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(1900);

    const listed = async () =>
      (await (await fetch(`${stack.gatewayUrl}/admin/webhooks/deliveries`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
        data: { batch_id: string; url: string; status: string; tries: number; last_response_status: number }[];
      };
    // The gateway records the answer just after the receiver gave it.
    await expect
      .poll(async () => (await listed()).data.find((delivery) => delivery.batch_id === created.id), { timeout: 10_000 })
      .toMatchObject({ url: `${receiver.url}/all`, status: "delivered", tries: 3, last_response_status: 204 });
    expect(JSON.stringify(await listed())).not.toContain(GATEWAY_SECRET.slice(6));
  });

  it("sends a key's batches to the key's own webhook too, signed with the key's secret", async () => {
    const key = await newKey({ name: "tenant", webhook_url: `${receiver.url}/tenant` });
    expect(key.webhook_url).toBe(`${receiver.url}/tenant`);
    receiver.setSecret("/tenant", key.webhook_secret!);

    const sdk = client(key.key);
    const created = await sdk.beta.messages.batches.create({ requests: twoRequests("claude-3-5-haiku-20241022") });
    const [toTenant] = await webhooksOf(created.id, "/tenant", 1);
    const [toAll] = await webhooksOf(created.id, "/all", 1);
    expect(toTenant!.verifyError).toBeNull();
    expect(toAll!.verifyError).toBeNull();
    expect(toTenant!.headers["webhook-id"]).toBe(toAll!.headers["webhook-id"]);
    expect(toTenant!.event).toEqual(toAll!.event);
    expect(toTenant!.headers["webhook-signature"]).not.toBe(toAll!.headers["webhook-signature"]);
  });
});

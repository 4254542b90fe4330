/**
 * Managing virtual keys, for the admin API and the dashboard's keys page alike (both reach it
 * through the services object, src/core/services.ts): create with a webhook, change limits
 * and webhook, revoke, list. Built on src/core/keys.ts and src/core/webhooks.ts.
 */
import { GatewayError } from "../lib/errors";
import type { ProviderName } from "../domain/provider-name";
import { NO_LIMITS, type KeyLimits, type VirtualKey } from "../domain/virtual-key";
import type { Gateway } from "./gateway";
import { createKey, revokeKey, updateKeyLimits } from "./keys";
import { checkWebhookUrl } from "./webhook-config";
import { setKeyWebhook } from "./webhooks";

export interface NewKeyInput {
  name: string;
  providers: ProviderName[] | null;
  models: string[] | null;
  limits: Partial<KeyLimits>;
  webhookUrl: string | null;
}

/**
 * Every key, newest first, revoked ones included.
 *
 * @example
 * const keys = await listKeys(gateway);
 */
export async function listKeys(gateway: Gateway): Promise<VirtualKey[]> {
  return gateway.keys.list();
}

/**
 * Creates a key, and its webhook when a URL is given; both secrets are in the answer only.
 * A URL that may not receive webhooks is refused before the key exists.
 *
 * @example
 * const { key, secret } = await createKeyWith(gateway, { name: "team-a", providers: null, models: null, limits: {}, webhookUrl: null });
 */
export async function createKeyWith(gateway: Gateway, input: NewKeyInput): Promise<{ key: VirtualKey; secret: string; webhookSecret: string | null }> {
  if (input.webhookUrl) checkWebhookUrl(input.webhookUrl, "webhook_url");
  const keys = gateway.keys;
  const { key, secret } = await createKey(keys, { name: input.name, providers: input.providers, models: input.models, limits: { ...NO_LIMITS, ...input.limits } });
  if (!input.webhookUrl) return { key, secret, webhookSecret: null };
  const webhook = await setKeyWebhook(gateway, key.id, input.webhookUrl);
  return { key: (await keys.get(key.id)) ?? key, secret, webhookSecret: webhook.secret };
}

/**
 * Changes a key's limits (those given) and its webhook (a URL sets it with a new secret,
 * returned only here; null removes it; undefined leaves it). 404 for an unknown key, 400 for
 * a revoked one, as the admin API's PATCH answers.
 *
 * @example
 * const { webhookSecret } = await updateKey(gateway, "vkey_01…", { limits: {}, webhookUrl: "https://hooks.example.com/b" });
 */
export async function updateKey(
  gateway: Gateway,
  id: string,
  change: { limits: Partial<KeyLimits>; webhookUrl?: string | null },
): Promise<{ key: VirtualKey; webhookSecret: string | null }> {
  const keys = gateway.keys;
  const existing = await keys.get(id);
  if (!existing) throw GatewayError.notFound(`Virtual key not found: ${id}`);
  if (existing.revokedAt) throw GatewayError.invalid(`Virtual key ${id} is revoked and can no longer be changed.`);
  if (change.webhookUrl) checkWebhookUrl(change.webhookUrl, "webhook_url");
  let key = await updateKeyLimits(keys, gateway.keyCache, id, change.limits);
  let webhookSecret: string | null = null;
  if (change.webhookUrl !== undefined) {
    webhookSecret = (await setKeyWebhook(gateway, id, change.webhookUrl)).secret;
    key = (await keys.get(id)) ?? key;
  }
  return { key, webhookSecret };
}

/**
 * Revokes a key (404 for an unknown one).
 *
 * @example
 * await revokeKeyById(gateway, "vkey_01…");
 */
export async function revokeKeyById(gateway: Gateway, id: string): Promise<void> {
  await revokeKey(gateway.keys, gateway.keyCache, id);
}

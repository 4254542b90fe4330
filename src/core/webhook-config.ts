/**
 * Webhook settings: which URLs may receive events, the `whsec_…` secrets that sign them,
 * the gateway-wide destination (`WEBHOOK_URL`, `WEBHOOK_SECRET`) and the retry schedule.
 */
import { GatewayError } from "../lib/errors";
import { sealingKey } from "../lib/seal";

/** Hosts that may be reached over plain http (local development). */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * The URL as it will be called, or a 400 `invalid_request_error` naming `field`: https, or
 * http to a loopback host; no credentials in it.
 *
 * @example
 * checkWebhookUrl("https://hooks.example.com/batches", "webhook_url") // "https://hooks.example.com/batches"
 * checkWebhookUrl("http://hooks.example.com/", "webhook_url") // throws 400
 */
export function checkWebhookUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw GatewayError.invalid(`${field}: not a URL`);
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw GatewayError.invalid(`${field}: must be an https:// URL (http:// only for 127.0.0.1, localhost or [::1])`);
  }
  if (url.username || url.password) throw GatewayError.invalid(`${field}: must not carry credentials`);
  return url.href;
}

/**
 * A new signing secret: `whsec_` and 32 random bytes in base64 (the Standard Webhooks form).
 *
 * @example
 * newWebhookSecret() // "whsec_Zm9vYmFy…"
 */
export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `whsec_${btoa(binary)}`;
}

/**
 * Whether `secret` is a usable `whsec_…` secret: base64 of at least 16 bytes.
 *
 * @example
 * isWebhookSecret(newWebhookSecret()) // true
 */
export function isWebhookSecret(secret: string): boolean {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  if (!match) return false;
  try {
    return atob(match[1]!).length >= 16;
  } catch {
    return false;
  }
}

export type GatewayWebhook = { url: string; secret: string; problem?: undefined } | { url: null; problem: string | null };

/**
 * The gateway-wide destination: `WEBHOOK_URL` signed with `WEBHOOK_SECRET`, or why there is
 * none (`problem` null when webhooks are simply not configured).
 *
 * @example
 * const hook = gatewayWebhook(env);
 * if (hook.url) send(hook.url, hook.secret);
 */
export function gatewayWebhook(env: Record<string, unknown>): GatewayWebhook {
  const url = typeof env.WEBHOOK_URL === "string" ? env.WEBHOOK_URL.trim() : "";
  const secret = typeof env.WEBHOOK_SECRET === "string" ? env.WEBHOOK_SECRET.trim() : "";
  if (!url) return { url: null, problem: secret ? "WEBHOOK_SECRET is set without WEBHOOK_URL" : null };
  let checked: string;
  try {
    checked = checkWebhookUrl(url, "WEBHOOK_URL");
  } catch (error) {
    return { url: null, problem: error instanceof Error ? error.message : "WEBHOOK_URL: invalid" };
  }
  if (!isWebhookSecret(secret)) return { url: null, problem: "WEBHOOK_SECRET must be set to a whsec_… secret (base64 of at least 16 bytes) to use WEBHOOK_URL" };
  return { url: checked, secret };
}

/**
 * The line logged when an isolate starts: where gateway-wide events go, or why nowhere.
 *
 * @example
 * console.log(describeGatewayWebhook(env)); // "webhooks: every batch's events go to https://…"
 */
export function describeGatewayWebhook(env: Record<string, unknown>): { level: "info" | "error"; message: string } {
  const hook = gatewayWebhook(env);
  // The query is left out: some receivers take a token there.
  if (hook.url) return { level: "info", message: `webhooks: every batch's events go to ${new URL(hook.url).origin}${new URL(hook.url).pathname}` };
  if (hook.problem) return { level: "error", message: `webhooks: the gateway-wide webhook is off: ${hook.problem}` };
  return { level: "info", message: "webhooks: no gateway-wide WEBHOOK_URL; only virtual keys' own webhooks are sent" };
}

/** Seconds before the first retry of a failed delivery (`WEBHOOK_RETRY_BASE_SECONDS`, default 30). */
export function retryBaseSeconds(env: Record<string, unknown>): number {
  const value = Number(env.WEBHOOK_RETRY_BASE_SECONDS ?? 30);
  return Number.isFinite(value) && value > 0 ? value : 30;
}

/**
 * The key that seals virtual keys' webhook secrets at rest: from `WEBHOOK_ENCRYPTION_KEY`,
 * else from `ADMIN_TOKEN` (both Worker secrets, never in D1); null when neither is set.
 *
 * @example
 * const key = await webhookSealingKey(env);
 */
export async function webhookSealingKey(env: Record<string, unknown>): Promise<CryptoKey | null> {
  const material = [env.WEBHOOK_ENCRYPTION_KEY, env.ADMIN_TOKEN].find((value): value is string => typeof value === "string" && value.length > 0);
  return material ? sealingKey(material, "batchbridge webhook secrets v1") : null;
}

/**
 * Virtual keys: who a presented key is, and what it may use. Lookups are cached in KV for a
 * minute (KV's shortest expiry), so auth costs no D1 read on most requests and a revoked
 * key stops working within a minute.
 */
import { GatewayError } from "../lib/errors";
import { randomToken, sha256Hex } from "../lib/crypto";
import type { ProviderName } from "../providers/types";
import type { KeyStore, VirtualKey } from "../store/keys";
import { monotonicFactory } from "ulid";

const nextUlid = monotonicFactory();
const CACHE_SECONDS = 60;
const ANY_KEYS = "vk:any";

/** Everyone shares this owner while no virtual key exists. */
export const SHARED_OWNER = "shared";

export interface Caller {
  owner: string;
  /** The caller's virtual key, or null while the gateway runs without virtual keys. */
  key: VirtualKey | null;
}

export interface KeyCache {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options: { expirationTtl: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * The caller behind `presented`: the shared owner while no virtual key exists, else its key.
 * Any other key is a 401.
 *
 * @example
 * const caller = await identify(new KeyStore(env.DB), env.AUTH_CACHE ?? null, "bbk_…");
 */
export async function identify(store: KeyStore, cache: KeyCache | null, presented: string): Promise<Caller> {
  if (!(await anyKeys(store, cache))) return { owner: SHARED_OWNER, key: null };
  const hash = await sha256Hex(presented);
  const cacheKey = `vk:${hash}`;
  const cached = await cacheGet(cache, cacheKey);
  let key: VirtualKey | null;
  if (cached !== null) {
    key = JSON.parse(cached) as VirtualKey;
  } else {
    // Unknown keys are not cached: anyone could fill the cache (and its write quota) with them.
    key = await store.findActive(hash);
    if (key) await cachePut(cache, cacheKey, JSON.stringify(key));
  }
  if (!key) throw new GatewayError(401, "authentication_error", "invalid x-api-key");
  return { owner: key.id, key };
}

async function anyKeys(store: KeyStore, cache: KeyCache | null): Promise<boolean> {
  const cached = await cacheGet(cache, ANY_KEYS);
  if (cached === "1" || cached === "0") return cached === "1";
  const any = await store.anyCreated();
  await cachePut(cache, ANY_KEYS, any ? "1" : "0");
  return any;
}

// The cache only saves D1 reads: when KV fails, auth goes on without it.
async function cacheGet(cache: KeyCache | null, key: string): Promise<string | null> {
  try {
    return (await cache?.get(key)) ?? null;
  } catch {
    return null;
  }
}

async function cachePut(cache: KeyCache | null, key: string, value: string): Promise<void> {
  try {
    await cache?.put(key, value, { expirationTtl: CACHE_SECONDS });
  } catch {
    // best effort, as above
  }
}

/**
 * Refuses a provider the caller's key may not use (403 `permission_error`).
 *
 * @example
 * assertProviderAllowed(caller, "openai");
 */
export function assertProviderAllowed(caller: Caller, provider: ProviderName): void {
  const allowed = caller.key?.providers;
  if (allowed && !allowed.includes(provider)) {
    throw new GatewayError(403, "permission_error", `This API key may not use provider ${provider} (allowed: ${allowed.join(", ")}).`);
  }
}

/**
 * Refuses a model the caller's key may not use (403 `permission_error`).
 *
 * @example
 * assertModelAllowed(caller, "gpt-4o", "requests.0.params.model");
 */
export function assertModelAllowed(caller: Caller, model: string, where: string): void {
  const allowed = caller.key?.models;
  if (allowed && !allowed.includes(model)) {
    throw new GatewayError(403, "permission_error", `${where}: this API key may not use model ${model} (allowed: ${allowed.join(", ")}).`);
  }
}

export interface NewKey {
  name: string;
  providers: ProviderName[] | null;
  models: string[] | null;
}

/**
 * Creates a key; the secret is returned only here, and only its hash is kept.
 *
 * @example
 * const { key, secret } = await createKey(store, cache, { name: "team-a", providers: ["openai"], models: null });
 */
export async function createKey(store: KeyStore, cache: KeyCache | null, input: NewKey): Promise<{ key: VirtualKey; secret: string }> {
  const secret = randomToken("bbk_", 40);
  const key: VirtualKey = { id: `vkey_${nextUlid()}`, ...input, createdAt: new Date().toISOString(), revokedAt: null };
  await store.insert(key, await sha256Hex(secret));
  await cachePut(cache, ANY_KEYS, "1");
  return { key, secret };
}

/**
 * Revokes a key and drops it from the cache (other locations see it within a minute).
 *
 * @example
 * await revokeKey(store, cache, "vkey_01…");
 */
export async function revokeKey(store: KeyStore, cache: KeyCache | null, id: string): Promise<void> {
  const hash = await store.revoke(id, new Date().toISOString());
  if (hash === null) throw GatewayError.notFound(`Virtual key not found: ${id}`);
  await cache?.delete(`vk:${hash}`).catch(() => {});
}

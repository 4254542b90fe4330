/**
 * Virtual keys: who a presented key is, and what it may use. Lookups are cached in KV for a
 * minute (KV's shortest expiry), so auth costs no D1 read on most requests and a revoked
 * key stops working within a minute. Only positive answers are cached: an unknown key, or
 * "no key exists yet", is never cached.
 */
import { GatewayError } from "../lib/errors";
import { randomToken, sha256Hex } from "../lib/crypto";
import type { ProviderName } from "../domain/provider-name";
import type { KeyStore } from "../store/keys";
import { NO_LIMITS, type KeyLimits, type VirtualKey } from "../domain/virtual-key";
import { monotonicFactory } from "ulid";

const nextUlid = monotonicFactory();
const CACHE_SECONDS = 60;

/** Everyone shares this owner when the gateway runs without `ADMIN_TOKEN`. */
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
 * The caller behind `presented`. An open gateway (no `ADMIN_TOKEN`) answers the shared owner
 * for any key; a closed one accepts only an active virtual key, and any other key is a 401.
 *
 * A lookup that misses the cache reads D1, writes the cache, then reads D1 again: if the key
 * was revoked or changed in between (a revocation racing this lookup), the entry it wrote is
 * dropped, so a revocation always wins over a lookup in flight.
 *
 * @example
 * const caller = await identify(new KeyStore(env.DB), env.AUTH_CACHE ?? null, "bbk_…", closedGateway(env));
 */
export async function identify(store: KeyStore, cache: KeyCache | null, presented: string, closed: boolean): Promise<Caller> {
  if (!closed) return { owner: SHARED_OWNER, key: null };
  const hash = await sha256Hex(presented);
  const cacheKey = `vk:${hash}`;
  const cached = await cacheGet(cache, cacheKey);
  let key: VirtualKey | null;
  if (cached !== null) {
    key = withDefaults(JSON.parse(cached) as VirtualKey);
  } else {
    // Unknown keys are not cached: anyone could fill the cache (and its write quota) with them.
    key = await store.findActive(hash);
    if (key) {
      const entry = JSON.stringify(key);
      await cachePut(cache, cacheKey, entry);
      // Confirms what was cached: a revocation (or a change of limits) that landed between
      // the read and the write has already deleted the cache entry, and would be undone.
      const confirmed = await store.findActive(hash);
      if (confirmed === null || JSON.stringify(confirmed) !== entry) {
        await cacheDelete(cache, cacheKey);
        key = confirmed;
      }
    }
  }
  if (!key) throw new GatewayError(401, "authentication_error", "invalid x-api-key");
  return { owner: key.id, key };
}

// Entries cached by an earlier version have no limits.
function withDefaults(key: VirtualKey): VirtualKey {
  return key.limits ? key : { ...key, limits: NO_LIMITS };
}

// The cache only saves D1 reads: when KV fails, auth goes on without it.
async function cacheGet(cache: KeyCache | null, key: string): Promise<string | null> {
  try {
    return (await cache?.get(key)) ?? null;
  } catch {
    return null;
  }
}

async function cacheDelete(cache: KeyCache | null, key: string): Promise<void> {
  try {
    await cache?.delete(key);
  } catch {
    // best effort, as above
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
  limits: KeyLimits;
}

/**
 * Creates a key; the secret is returned only here, and only its hash is kept.
 *
 * @example
 * const { key, secret } = await createKey(store, { name: "team-a", providers: ["openai"], models: null, limits: NO_LIMITS });
 */
export async function createKey(store: KeyStore, input: NewKey): Promise<{ key: VirtualKey; secret: string }> {
  const secret = randomToken("bbk_", 40);
  const key: VirtualKey = { id: `vkey_${nextUlid()}`, ...input, createdAt: new Date().toISOString(), revokedAt: null };
  await store.insert(key, await sha256Hex(secret));
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
  await cacheDelete(cache, `vk:${hash}`);
}

/**
 * Changes a key's limits (only those given) and drops it from the cache here (other
 * locations see the change within a minute).
 *
 * @example
 * const key = await updateKeyLimits(store, cache, "vkey_01…", { maxBatchesInProgress: 3 });
 */
export async function updateKeyLimits(store: KeyStore, cache: KeyCache | null, id: string, limits: Partial<KeyLimits>): Promise<VirtualKey> {
  const updated = await store.updateLimits(id, limits);
  if (updated === null) throw GatewayError.notFound(`Virtual key not found: ${id}`);
  await cacheDelete(cache, `vk:${updated.keyHash}`);
  return updated.key;
}

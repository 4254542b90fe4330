/**
 * Virtual keys as the dashboard's keys page manages them: the same services the admin API
 * calls (src/core/keys.ts), over the same store.
 */
import type { ProviderName } from "../providers/types";
import { KeyStore, type VirtualKey } from "../store/keys";
import { createKey, revokeKey, type KeyCache } from "./keys";

/**
 * Every key, newest first, revoked ones included.
 *
 * @example
 * const keys = await listKeys(env.DB);
 */
export async function listKeys(db: D1Database): Promise<VirtualKey[]> {
  return new KeyStore(db).list();
}

/**
 * Creates a key; its secret is in the answer only.
 *
 * @example
 * const { key, secret } = await createKeyNamed(env.DB, env.AUTH_CACHE, { name: "team-a", providers: null, models: null });
 */
export async function createKeyNamed(
  db: D1Database,
  cache: KeyCache | null,
  input: { name: string; providers: ProviderName[] | null; models: string[] | null },
): Promise<{ key: VirtualKey; secret: string }> {
  return createKey(new KeyStore(db), cache, input);
}

/**
 * Revokes a key (404 for an unknown one).
 *
 * @example
 * await revokeKeyById(env.DB, env.AUTH_CACHE, "vkey_01…");
 */
export async function revokeKeyById(db: D1Database, cache: KeyCache | null, id: string): Promise<void> {
  await revokeKey(new KeyStore(db), cache, id);
}

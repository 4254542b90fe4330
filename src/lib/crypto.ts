/** Hashing and comparison for secrets. */

/**
 * Hex SHA-256 of a string.
 *
 * @example
 * await sha256Hex("bbk_…") // "9f86d0…"
 */
export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Compares two secrets in constant time (over their SHA-256 digests, so lengths leak nothing).
 *
 * @example
 * await secretsEqual(presented, env.ADMIN_TOKEN) // true or false, in the same time
 */
export async function secretsEqual(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [left, right] = await Promise.all([crypto.subtle.digest("SHA-256", encoder.encode(a)), crypto.subtle.digest("SHA-256", encoder.encode(b))]);
  return crypto.subtle.timingSafeEqual(left, right);
}

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/**
 * A random token of `length` base58 characters with `prefix`.
 *
 * @example
 * randomToken("bbk_", 40) // "bbk_5Hq…"
 */
export function randomToken(prefix: string, length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let token = prefix;
  for (const byte of bytes) token += BASE58[byte % BASE58.length];
  return token;
}

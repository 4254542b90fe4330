/**
 * Sealing of secrets the gateway must read back (it cannot hash them): AES-256-GCM under a
 * key derived with HKDF-SHA256 from a Worker secret, bound to the record it belongs to
 * (additional data), so a copy of the database alone reveals nothing and a sealed value
 * moved to another record does not open.
 */

const ENCODER = new TextEncoder();

/**
 * The AES-GCM key for one purpose, derived from `material` (a Worker secret).
 *
 * @example
 * const key = await sealingKey(env.WEBHOOK_ENCRYPTION_KEY, "webhook-secrets");
 */
export async function sealingKey(material: string, purpose: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", ENCODER.encode(material), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: ENCODER.encode("batchbridge"), info: ENCODER.encode(purpose) },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/**
 * `plaintext` sealed as `v1.<iv>.<ciphertext>` (base64url), bound to `boundTo`.
 *
 * @example
 * const sealed = await seal(key, "whsec_…", "vkey_01…");
 */
export async function seal(key: CryptoKey, plaintext: string, boundTo: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: ENCODER.encode(boundTo) }, key, ENCODER.encode(plaintext));
  return `v1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

/**
 * The plaintext of a sealed value, or null when it does not open (another key, another
 * record, or tampered with).
 *
 * @example
 * const secret = await unseal(key, sealed, "vkey_01…");
 */
export async function unseal(key: CryptoKey, sealed: string, boundTo: string): Promise<string | null> {
  const [version, iv, data] = sealed.split(".");
  if (version !== "v1" || !iv || !data) return null;
  try {
    const opened = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64Url(iv), additionalData: ENCODER.encode(boundTo) }, key, fromBase64Url(data));
    return new TextDecoder().decode(opened);
  } catch {
    return null;
  }
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

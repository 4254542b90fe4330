/**
 * The Standard Webhooks signature, with the runtime's WebCrypto: `v1,` and the base64
 * HMAC-SHA256 of `<id>.<timestamp>.<body>`, keyed by the secret's base64 part after `whsec_`.
 * The `standardwebhooks` package computes the same with its own SHA-256 and base64 code
 * (about 4 KiB of the gzip bundle); it stays the tests' verifier
 * (test/unit/lib/webhook-signature.test.ts, test/worker/support/webhooks.ts). See
 * docs/sources/standard-webhooks.md § Signing with WebCrypto.
 */

const SECRET_PREFIX = "whsec_";

/**
 * @example
 * await webhookSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_01…", new Date(), body) // "v1,K5oZ…"
 */
export async function webhookSignature(secret: string, eventId: string, at: Date, payload: string): Promise<string> {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const keyBytes = Uint8Array.from(atob(encoded), (char) => char.charCodeAt(0));
  if (keyBytes.length === 0) throw new Error("Secret can't be empty.");
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signed = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${eventId}.${Math.floor(at.getTime() / 1000)}.${payload}`)));
  let binary = "";
  for (const byte of signed) binary += String.fromCharCode(byte);
  return `v1,${btoa(binary)}`;
}

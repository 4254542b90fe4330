/**
 * Secrets out of provider messages: a provider may quote the key it was sent (OpenAI's 401
 * does, partly masked), and a misconfigured base URL may echo request headers back.
 */

/** Shorter fragments would match ordinary words. */
const MIN_FRAGMENT = 8;

/** Shapes of provider keys, whoever's they are (OpenAI/Anthropic `sk-…`, Google `AIza…`, AWS key IDs). */
const KEY_SHAPES = /\b(?:sk-[A-Za-z0-9_-]{8,}|AIza[A-Za-z0-9_-]{12,}|(?:AKIA|ASIA)[A-Z0-9]{12,})/g;

/**
 * `text` with every secret of `secrets` removed, whole or as any fragment of 8 characters or
 * more (a masked or truncated quote is a leak too), and anything shaped like a provider key.
 *
 * @example
 * scrubSecrets("bad key sk-ant-abc…wxyz1234", ["sk-ant-abcdefgh-wxyz1234"]) // "bad key [key]…[key]"
 */
export function scrubSecrets(text: string, secrets: readonly (string | null | undefined)[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_FRAGMENT) continue;
    scrubbed = scrubbed.split(secret).join("[key]");
    // Fragments: each window of the secret that still appears is cut out.
    for (let i = 0; i + MIN_FRAGMENT <= secret.length; i++) {
      const fragment = secret.slice(i, i + MIN_FRAGMENT);
      if (scrubbed.includes(fragment)) scrubbed = scrubbed.split(fragment).join("[key]");
    }
  }
  return scrubbed.replace(KEY_SHAPES, "[key]").replace(/(?:\[key\][^\s[]{0,7})+\[key\]/g, "[key]");
}

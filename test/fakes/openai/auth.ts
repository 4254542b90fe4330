/**
 * OpenAI's bearer-key check, with its real 401 bodies.
 */
import { errorResponse } from "./http.ts";

/**
 * `null` when `Authorization: Bearer <apiKey>` is present and right; else OpenAI's 401.
 *
 * Bodies as OpenAI answers them (confirmed in public reports, e.g. openai/openai-node#73 for a
 * missing key and chatanywhere/GPT_API_free#427 for a wrong one): both have type
 * `invalid_request_error`; a wrong key has code `invalid_api_key`, a missing one `null`.
 */
export function checkAuth(request: Request, apiKey: string): Response | null {
  const header = request.headers.get("authorization");
  const match = header === null ? null : /^Bearer\s+(.*)$/i.exec(header.trim());
  if (!match) {
    return errorResponse(401, {
      message:
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
    });
  }
  const given = match[1] ?? "";
  if (given === apiKey) return null;
  return errorResponse(401, {
    message: `Incorrect API key provided: ${maskKey(given)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    code: "invalid_api_key",
  });
}

/**
 * The key as OpenAI quotes it: the first 8 and last 4 characters, stars between
 * (`sk-v3s3w***************************************bfcr` for a 51-character key,
 * `key_8Tjw********rtUb` for 20; The-Vibe-Company/quivr#1400, continuedev/continue#12651).
 * Short keys are quoted whole (`hello`, continuedev/continue#12768); where OpenAI starts
 * masking is unconfirmed, the fake masks from 13 characters.
 */
export function maskKey(key: string): string {
  if (key.length <= 12) return key;
  return `${key.slice(0, 8)}${"*".repeat(key.length - 12)}${key.slice(-4)}`;
}

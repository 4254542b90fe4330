/**
 * The one rule of access: with `ADMIN_TOKEN` set, only virtual keys are accepted (from the
 * first request); without it, any key is accepted and all callers share one owner. A token
 * shorter than 32 characters still closes the gateway, but is never used to authorize an
 * admin call: a short token could be guessed.
 */

/** Fewer characters than this could be guessed; such a token is refused. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

export type AdminToken =
  /** No `ADMIN_TOKEN`: open gateway, no admin API. */
  | { state: "unset" }
  /** Set but too short: closed gateway, admin API refused. */
  | { state: "weak"; length: number }
  | { state: "ok"; token: string };

/**
 * What `ADMIN_TOKEN` in `env` means.
 *
 * @example
 * adminToken({}) // { state: "unset" }
 * adminToken({ ADMIN_TOKEN: "short" }) // { state: "weak", length: 5 }
 */
export function adminToken(env: Record<string, unknown>): AdminToken {
  const value = env.ADMIN_TOKEN;
  if (typeof value !== "string" || value.length === 0) return { state: "unset" };
  if (value.length < MIN_ADMIN_TOKEN_LENGTH) return { state: "weak", length: value.length };
  return { state: "ok", token: value };
}

/**
 * Whether only virtual keys are accepted: whenever `ADMIN_TOKEN` is set at all.
 *
 * @example
 * closedGateway({ ADMIN_TOKEN: "…32+ characters…" }) // true
 */
export function closedGateway(env: Record<string, unknown>): boolean {
  return adminToken(env).state !== "unset";
}

/**
 * The session cookie: the session's random ID and nothing else, HttpOnly (no script reads
 * it), SameSite=Strict (no other site's page sends it), Secure except on loopback (where
 * `npm run dev` serves plain http, and some browsers drop Secure cookies there: see
 * docs/sources/dashboard.md § Secure cookies on http://localhost), and scoped to `/dashboard`.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { SESSION_SECONDS } from "../core/sessions";

export const SESSION_COOKIE = "bb_session";
/** The sign-in form's own CSRF token (double-submitted: cookie and form field). */
export const SIGN_IN_COOKIE = "bb_sign_in";
const PATH = "/dashboard";

/**
 * Whether the request came to a loopback address over plain http (the only place the
 * cookie goes without Secure).
 *
 * @example
 * isLoopback("http://127.0.0.1:8787/dashboard") // true
 */
export function isLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === "http:" && (hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]");
}

/**
 * @example
 * setSessionCookie(c, id);
 */
export function setSessionCookie(c: Context, id: string): void {
  setCookie(c, SESSION_COOKIE, id, { path: PATH, httpOnly: true, secure: !isLoopback(c.req.url), sameSite: "Strict", maxAge: SESSION_SECONDS });
}

/** @example const id = sessionCookie(c); */
export function sessionCookie(c: Context): string | null {
  return getCookie(c, SESSION_COOKIE) ?? null;
}

/** @example clearSessionCookie(c); */
export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: PATH, httpOnly: true, secure: !isLoopback(c.req.url), sameSite: "Strict" });
}

/** @example setSignInCookie(c, token); */
export function setSignInCookie(c: Context, token: string): void {
  setCookie(c, SIGN_IN_COOKIE, token, { path: PATH, httpOnly: true, secure: !isLoopback(c.req.url), sameSite: "Strict", maxAge: 60 * 60 });
}

/** @example const token = signInCookie(c); */
export function signInCookie(c: Context): string | null {
  return getCookie(c, SIGN_IN_COOKIE) ?? null;
}

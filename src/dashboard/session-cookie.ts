/**
 * The session cookie: the session's random ID and nothing else, HttpOnly (no script reads
 * it), SameSite=Strict (no other site's page sends it), Secure except on loopback (where
 * `npm run dev` serves plain http, and some browsers drop Secure cookies there: see
 * docs/sources/dashboard.md § Secure cookies on http://localhost), and scoped to `/dashboard`.
 *
 * Read and written here as hono/cookie's getCookie/setCookie/deleteCookie did, to the byte,
 * for just these two cookies and these attributes: hono/cookie's general serializer (its
 * prefixes, Domain, Expires, Priority, Partitioned and their checks) was 1 KiB of the gzip
 * bundle (see docs/sources/dashboard.md § The dashboard's cookies).
 */
import type { Context } from "hono";
import { tryDecodeURIComponent } from "hono/utils/url";
import { SESSION_SECONDS } from "../core/sessions";

export const SESSION_COOKIE = "bb_session";
/** The sign-in form's own CSRF token (double-submitted: cookie and form field). */
export const SIGN_IN_COOKIE = "bb_sign_in";
const PATH = "/dashboard";
/** The characters a cookie value may hold (RFC 6265 `cookie-octet`, and space), as hono/cookie checks them. */
const COOKIE_VALUE = /^[ !#-:<-[\]-~]*$/;

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
  setCookie(c, SESSION_COOKIE, id, SESSION_SECONDS);
}

/** @example const id = sessionCookie(c); */
export function sessionCookie(c: Context): string | null {
  return getCookie(c, SESSION_COOKIE);
}

/** @example clearSessionCookie(c); */
export function clearSessionCookie(c: Context): void {
  setCookie(c, SESSION_COOKIE, "", 0);
}

/** @example setSignInCookie(c, token); */
export function setSignInCookie(c: Context, token: string): void {
  setCookie(c, SIGN_IN_COOKIE, token, 60 * 60);
}

/** @example const token = signInCookie(c); */
export function signInCookie(c: Context): string | null {
  return getCookie(c, SIGN_IN_COOKIE);
}

/** Appends `name=value; Max-Age=…; Path=/dashboard; HttpOnly; Secure; SameSite=Strict` (no Secure on loopback). */
function setCookie(c: Context, name: string, value: string, maxAge: number): void {
  const secure = isLoopback(c.req.url) ? "" : "; Secure";
  c.header("Set-Cookie", `${name}=${encodeURIComponent(value)}; Max-Age=${maxAge}; Path=${PATH}; HttpOnly${secure}; SameSite=Strict`, { append: true });
}

/** The first `name=` pair's value that is a valid cookie value, unquoted and percent-decoded; null without one. */
function getCookie(c: Context, name: string): string | null {
  const header = c.req.raw.headers.get("Cookie");
  if (!header?.includes(name)) return null;
  for (const pair of header.split(";")) {
    const at = pair.indexOf("=");
    if (at === -1 || trim(pair.slice(0, at)) !== name) continue;
    let value = trim(pair.slice(at + 1));
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (COOKIE_VALUE.test(value)) return tryDecodeURIComponent(value);
  }
  return null;
}

/** Without the spaces and tabs around it (only those, as a Cookie header's grammar has). */
function trim(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, "");
}

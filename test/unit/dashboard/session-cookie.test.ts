/**
 * The dashboard's cookies (src/dashboard/session-cookie.ts) are read and written as
 * hono/cookie's getCookie/setCookie/deleteCookie did with the same options: each case is run
 * through both and must give the same value or the same Set-Cookie lines.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { describe, expect, it } from "vitest";
import { SESSION_SECONDS } from "../../../src/core/sessions";
import { clearSessionCookie, sessionCookie, setSessionCookie, setSignInCookie, signInCookie } from "../../../src/dashboard/session-cookie";

/** Just what the cookie functions use of a Context: the request, and the headers set. */
function context(url: string, cookie?: string): { c: Context; setCookies: string[] } {
  const setCookies: string[] = [];
  const raw = new Request(url, cookie === undefined ? {} : { headers: { cookie } });
  const c = {
    req: { raw, url },
    header(name: string, value: string, options?: { append?: boolean }) {
      expect(name.toLowerCase()).toBe("set-cookie");
      expect(options).toEqual({ append: true });
      setCookies.push(value);
    },
  } as unknown as Context;
  return { c, setCookies };
}

const HTTPS = "https://gateway.example/dashboard";
const LOOPBACK = "http://127.0.0.1:8787/dashboard";

describe("reading the dashboard's cookies, as hono/cookie read them", () => {
  const headers: Array<string | undefined> = [
    undefined,
    "",
    "bb_session=abc",
    "a=1; bb_session=abc; b=2",
    "  bb_session\t=\t abc \t; other=1",
    'bb_session="quoted-id"',
    'bb_session="',
    "bb_session=abc%20def%2Fx",
    "bb_session=%E0%A4%A; bb_sign_in=%ZZok%41",
    "bb_session=has,comma",
    "bb_session=bad;value; bb_session=second",
    'bb_session=bad"quote; bb_session=good',
    "bb_session=bad\\slash; bb_session=next",
    "bb_session; bb_session=after-bare-name",
    "xbb_session=no; bb_sessionx=no",
    "bb_session=first; bb_session=second",
    "bb_session==equals=in=value",
    "bb_session=",
    "bb_sign_in=token123; bb_session=sess456",
    "BB_SESSION=upper",
  ];
  it.each(headers.map((header) => [header]))("Cookie: %j", (header) => {
    for (const [name, read] of [
      ["bb_session", sessionCookie],
      ["bb_sign_in", signInCookie],
    ] as const) {
      const ours = read(context(HTTPS, header).c);
      const hono = getCookie(context(HTTPS, header).c, name) ?? null;
      expect(ours).toBe(hono);
    }
  });

  it("reads the session ID back", () => {
    expect(sessionCookie(context(HTTPS, "a=1; bb_session=s3ss10n").c)).toBe("s3ss10n");
    expect(sessionCookie(context(HTTPS).c)).toBeNull();
  });
});

describe("writing the dashboard's cookies, as hono/cookie wrote them", () => {
  const options = (url: string) => ({ path: "/dashboard", httpOnly: true, secure: !url.startsWith("http://127.0.0.1"), sameSite: "Strict" as const });

  it.each([HTTPS, LOOPBACK])("on %s", (url) => {
    for (const value of ["01JABCDEF", "a b/c;d=e\u00e9"]) {
      const ours = context(url);
      const hono = context(url);
      setSessionCookie(ours.c, value);
      setCookie(hono.c, "bb_session", value, { ...options(url), maxAge: SESSION_SECONDS });
      setSignInCookie(ours.c, value);
      setCookie(hono.c, "bb_sign_in", value, { ...options(url), maxAge: 60 * 60 });
      clearSessionCookie(ours.c);
      deleteCookie(hono.c, "bb_session", options(url));
      expect(ours.setCookies).toEqual(hono.setCookies);
    }
  });

  it("writes Secure, HttpOnly, SameSite=Strict and the path, and Max-Age=0 to clear", () => {
    const { c, setCookies } = context(HTTPS);
    setSessionCookie(c, "id1");
    clearSessionCookie(c);
    expect(setCookies).toEqual([
      `bb_session=id1; Max-Age=${SESSION_SECONDS}; Path=/dashboard; HttpOnly; Secure; SameSite=Strict`,
      "bb_session=; Max-Age=0; Path=/dashboard; HttpOnly; Secure; SameSite=Strict",
    ]);
  });
});

/**
 * The dashboard as a browser uses it, over the Worker: a cookie jar, redirects not followed
 * (tests look at them), forms posted urlencoded with the Origin a browser sends.
 */
import { SELF } from "cloudflare:test";

export interface Page {
  status: number;
  headers: Headers;
  html: string;
  /** The raw `set-cookie` header lines of this answer. */
  setCookies: string[];
}

/** A browser with its own cookies, at `origin` (not loopback by default: cookies must be Secure there). */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(readonly origin = "https://gateway.test") {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.send(path, { method: "GET", headers });
  }

  /** Posts a form as the browser would (Origin: this origin, unless `headers` says otherwise). */
  async post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Page> {
    return this.send(path, {
      method: "POST",
      body: new URLSearchParams(fields).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", origin: this.origin, ...headers },
    });
  }

  /** Signs in with `key` through the sign-in form; the answer to the form's POST. */
  async signIn(key: string): Promise<Page> {
    const form = await this.get("/dashboard/sign-in");
    return this.post("/dashboard/sign-in", { csrf: hiddenCsrf(form.html), key });
  }

  private async send(path: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<Page> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    const response = await SELF.fetch(`${this.origin}${path}`, { method: init.method, headers, body: init.body, redirect: "manual" });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute)) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: response.status, headers: response.headers, html: await response.text(), setCookies };
  }
}

/**
 * The CSRF token of the first form on a page.
 *
 * @example
 * await browser.post("/dashboard/keys", { csrf: hiddenCsrf(page.html), name: "team-a" });
 */
export function hiddenCsrf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`no CSRF field on the page:\n${html.slice(0, 500)}`);
  return match[1];
}

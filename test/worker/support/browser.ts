/**
 * The dashboard as a browser uses it, over the Worker: a cookie jar, redirects not followed
 * (tests look at them), forms posted urlencoded with the Origin a browser sends.
 */
import { env } from "cloudflare:test";
import { createApp } from "../../../src/api/app";
import { ADAPTERS } from "../../../src/providers/index";
import { ADMIN_TOKEN } from "./gateway";

export interface Page {
  status: number;
  headers: Headers;
  html: string;
  /** The raw `set-cookie` header lines of this answer. */
  setCookies: string[];
}

export interface BrowserOptions {
  /** Where the gateway is (default https://gateway.test: not loopback, so cookies must be Secure). */
  origin?: string;
  /** The Worker's settings over vitest.config.ts's (default: a closed gateway, with ADMIN_TOKEN). */
  env?: Record<string, string | undefined>;
}

/** A browser with its own cookies and its own client address (the sign-in rate limit counts per address). */
export class Browser {
  readonly cookies = new Map<string, string>();
  readonly origin: string;
  private readonly overrides: Record<string, string | undefined>;
  private readonly address = `198.51.100.${Math.floor(Math.random() * 250) + 1}-${crypto.randomUUID()}`;

  constructor(options: BrowserOptions = {}) {
    this.origin = options.origin ?? "https://gateway.test";
    this.overrides = options.env ?? { ADMIN_TOKEN };
  }

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
    headers.set("cf-connecting-ip", this.address);
    const app = createApp({ adapters: ADAPTERS });
    const request = new Request(`${this.origin}${path}`, { method: init.method, headers, body: init.body, redirect: "manual" });
    const response = await app.fetch(request, { ...env, ...this.overrides });
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

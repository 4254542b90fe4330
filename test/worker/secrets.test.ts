/**
 * Secrets never leave: provider keys, virtual keys and the admin token appear in no response
 * body, header or log line, even when a provider quotes the key back in its error.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/api/app";
import { ADAPTERS } from "../../src/providers/index";
import { ADMIN_TOKEN, GATEWAY } from "./support/gateway";
import { twoRequests } from "./support/requests";
import { useFakes } from "./support/upstream";

useFakes();

const WRONG = {
  ANTHROPIC_API_KEY: "sk-ant-wrong-secret-000111222333",
  OPENAI_API_KEY: "sk-proj-wrong-secret-444555666777",
  GEMINI_API_KEY: "AIzaWrongSecret888999000111222333",
  AWS_SECRET_ACCESS_KEY: "wrong/aws+secret/key/000999888777",
};
// Distinctive secrets are matched by any 8-character fragment (a masked quote is a leak too);
// the test config's own keys ("test-anthropic-key") share words with every message, so they
// are matched whole.
const SECRETS = [...Object.values(WRONG), ADMIN_TOKEN];
const WHOLE = [env.OPENAI_API_KEY, env.ANTHROPIC_API_KEY, env.GEMINI_API_KEY, env.AWS_SECRET_ACCESS_KEY] as string[];

let logged: string[] = [];
beforeEach(() => {
  logged = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map((arg) => (arg instanceof Error ? `${arg.message} ${arg.stack}` : typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "));
    });
  }
});
afterEach(() => vi.restoreAllMocks());

/** Every fragment of 8 characters of a secret: a masked or truncated quote is a leak too. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const secret of SECRETS) {
    for (let i = 0; i + 8 <= secret.length; i++) {
      const fragment = secret.slice(i, i + 8);
      if (text.includes(fragment)) {
        found.push(fragment);
        break;
      }
    }
  }
  for (const secret of WHOLE) if (text.includes(secret)) found.push(secret);
  return found;
}

async function everything(res: Response): Promise<string> {
  return `${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`;
}

describe("secrets", () => {
  it("keeps every wrong provider key out of errors and logs", async () => {
    const app = createApp({ adapters: ADAPTERS });
    const wrongEnv = { ...env, ...WRONG };
    const seen: string[] = [];
    for (const provider of ["anthropic", "openai", "gemini", "bedrock"]) {
      const requests = provider === "openai" ? twoRequests("gpt-4o-mini") : provider === "gemini" ? twoRequests("gemini-1.5-flash") : twoRequests();
      const res = await app.fetch(
        new Request(`${GATEWAY}/anthropic/v1/messages/batches`, { method: "POST", headers: { "x-api-key": "k", "x-model-provider": provider, "content-type": "application/json" }, body: JSON.stringify({ requests }) }),
        wrongEnv,
      );
      expect(res.status, provider).toBeGreaterThanOrEqual(400);
      seen.push(await everything(res));
      if (provider !== "bedrock") {
        const form = new FormData();
        form.append("file", new File(["x"], "x.txt", { type: "text/plain" }));
        const upload = await app.fetch(new Request(`${GATEWAY}/anthropic/v1/files`, { method: "POST", headers: { "x-api-key": "k", "x-model-provider": provider }, body: form }), wrongEnv);
        expect(upload.status, provider).toBeGreaterThanOrEqual(400);
        seen.push(await everything(upload));
      }
    }
    expect(leaks(seen.join("\n"))).toEqual([]);
    expect(leaks(logged.join("\n"))).toEqual([]);
  });

  it("shows a virtual key only when it is created, and never the admin token", async () => {
    const app = createApp({ adapters: ADAPTERS });
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
    const closed = { ...env, ADMIN_TOKEN };
    const created = await app.fetch(new Request(`${GATEWAY}/admin/keys`, { method: "POST", headers: admin, body: JSON.stringify({ name: "k" }) }), closed);
    const { key, id } = (await created.json()) as { key: string; id: string };
    const seen: string[] = [];
    seen.push(await everything(await app.fetch(new Request(`${GATEWAY}/admin/keys`, { headers: admin }), closed)));
    seen.push(await everything(await app.fetch(new Request(`${GATEWAY}/anthropic/v1/messages/batches`, { headers: { "x-api-key": key } }), closed)));
    seen.push(await everything(await app.fetch(new Request(`${GATEWAY}/anthropic/v1/messages/batches`, { headers: { "x-api-key": `${key}x` } }), closed)));
    seen.push(await everything(await app.fetch(new Request(`${GATEWAY}/admin/keys/${id}`, { method: "DELETE", headers: admin }), closed)));
    seen.push(await everything(await app.fetch(new Request(`${GATEWAY}/anthropic/v1/files`, { headers: { "x-api-key": key } }), closed)));
    const all = seen.join("\n") + logged.join("\n");
    expect(all).not.toContain(key);
    expect(leaks(all)).toEqual([]);
  });

  it("scrubs every provider's error message of its keys, and never passes on an error body that is not JSON", async () => {
    const app = createApp({ adapters: ADAPTERS });
    const keys = { ...env, ...WRONG };
    const secretOf: Record<string, string> = {
      anthropic: WRONG.ANTHROPIC_API_KEY,
      openai: WRONG.OPENAI_API_KEY,
      gemini: WRONG.GEMINI_API_KEY,
      bedrock: WRONG.AWS_SECRET_ACCESS_KEY,
    };
    for (const provider of ["anthropic", "openai", "gemini", "bedrock"]) {
      const secret = secretOf[provider]!;
      for (const answer of ["json", "html"] as const) {
        // The provider quotes the key whole and masked, in every error shape the adapters read;
        // or a proxy answers an HTML page that echoes the request's headers.
        const quoted = `bad credentials ${secret} (${secret.slice(0, 10)}***${secret.slice(-10)})`;
        vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
          const request = new Request(input, init);
          if (answer === "html") return new Response(`<html>echo: ${JSON.stringify([...request.headers])} ${quoted}</html>`, { status: 502 });
          const error = { type: "authentication_error", message: quoted, code: 401, status: "UNAUTHENTICATED" };
          return new Response(JSON.stringify({ type: "error", error, message: quoted }), { status: 401, headers: { "content-type": "application/json", "x-amzn-errortype": "UnrecognizedClientException" } });
        });
        const requests = provider === "openai" ? twoRequests("gpt-4o-mini") : provider === "gemini" ? twoRequests("gemini-1.5-flash") : twoRequests();
        const res = await app.fetch(
          new Request(`${GATEWAY}/anthropic/v1/messages/batches`, { method: "POST", headers: { "x-api-key": "k", "x-model-provider": provider, "content-type": "application/json" }, body: JSON.stringify({ requests }) }),
          keys,
        );
        const text = await everything(res);
        expect(leaks(text), `${provider} ${answer}: ${text}`).toEqual([]);
        const body = JSON.parse(text.slice(text.indexOf("{"))) as { error: { message: string } };
        if (answer === "html") {
          expect(body.error.message, provider).toBe(`${provider} upstream error (HTTP 502): the error body was not JSON (not passed on)`);
        } else {
          expect(res.status, provider).toBe(401);
          expect(body.error.message, provider).toMatch(new RegExp(`^${provider} upstream error \\(HTTP 401\\): .*bad credentials \\[key\\]`));
        }
      }
    }
    expect(leaks(logged.join("\n"))).toEqual([]);
  });
});

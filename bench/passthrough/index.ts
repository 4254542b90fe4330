/**
 * A bare pass-through Worker: what any gateway costs at the least under the same runtime.
 * `/anthropic/v1/…` is forwarded to `UPSTREAM_URL/v1/…` with the upstream key, bodies streamed
 * both ways; nothing is parsed, checked or stored. The overhead case runs it under
 * `wrangler dev` exactly as it runs the gateway, so that the local runtime's own hops cost
 * both the same.
 */
interface Env {
  UPSTREAM_URL: string;
  UPSTREAM_KEY: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    const headers = new Headers(request.headers);
    headers.delete("host");
    headers.delete("authorization");
    headers.set("x-api-key", env.UPSTREAM_KEY);
    if (!headers.has("anthropic-version")) headers.set("anthropic-version", "2023-06-01");
    const target = `${env.UPSTREAM_URL}${url.pathname.replace(/^\/anthropic/, "")}${url.search}`;
    return fetch(target, { method: request.method, headers, body: request.body });
  },
};

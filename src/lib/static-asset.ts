/**
 * Files of the Worker's static assets (wrangler.toml `[assets]`: the public/ folder), read
 * through the ASSETS binding. They are not part of the Worker's bundle, which is why they are
 * there: the OpenAPI document, the dashboard's stylesheet and script, Swagger UI's files.
 * Every request runs the Worker first, so a file is served only by a route that reads it
 * here (see docs/sources/openapi.md § Workers static assets).
 */
import { GatewayError } from "./errors";

/**
 * The asset at `path` (from the root of public/), or a 500 that says what is missing.
 *
 * @example
 * const answer = await staticAsset(c.env.ASSETS, "/dashboard/app.css", c.req.url);
 * const css = await answer.text();
 */
export async function staticAsset(assets: unknown, path: string, requestUrl: string): Promise<Response> {
  if (!assets) throw new GatewayError(500, "api_error", `The Worker has no ASSETS binding (wrangler.toml [assets]), so it cannot serve ${path}.`);
  const answer = await (assets as Fetcher).fetch(new Request(new URL(path, requestUrl)));
  if (!answer.ok) {
    // Swagger UI's files are copied into public/docs by `npm install` (scripts/copy-swagger-ui.mjs).
    await answer.body?.cancel();
    throw new GatewayError(500, "api_error", `The Worker's static assets have no ${path} (run \`npm install\`, which copies Swagger UI's files into public/).`);
  }
  return answer;
}

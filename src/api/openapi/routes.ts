/**
 * `GET /openapi.json` (the OpenAPI 3.1 document) and `GET /docs` (an API reference: Swagger
 * UI). The document is public/openapi.json, a static asset: built from the routes' zod schemas
 * by document.ts and committed (`npm run openapi`; test/unit/api/openapi-document.test.ts fails
 * when it differs from what the schemas build), so that the Worker's bundle holds neither the
 * document nor zod-openapi nor zod's JSON Schema code. Swagger UI's files are the Worker's own static assets, not a CDN's, so `/docs` works
 * with no network (under `npm run dev` offline too). Neither needs a key: they describe the
 * API, and hold nothing of anyone's.
 */
import { Hono } from "../../lib/hono-app";
import { staticAsset } from "../../lib/static-asset";
import type { AppEnv } from "../env";

/**
 * @example
 * app.route("/", openApi); // GET /openapi.json, GET /docs
 */
export const openApi = new Hono<AppEnv>();

// The page runs only scripts from this origin (its own init script included): no inline code.
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; frame-ancestors 'none'";

// Parsed and serialized again: the committed file is indented for review, and the answer is
// the compact JSON it has always been.
openApi.get("/openapi.json", async (c) => c.json(await (await staticAsset(c.env.ASSETS, "/openapi.json", c.req.url)).json<object>()));

// The page and its init script are static assets (public/api-docs/), out of the bundle; read
// whole, so that each answer is the same string body, with these headers, as ever. The init
// script sets validatorUrl null: Swagger UI would otherwise send the document's URL to
// validator.swagger.io (see docs/sources/openapi.md § Swagger UI's validator badge); the CSP
// forbids it anyway.
openApi.get("/docs", async (c) => {
  const page = await (await staticAsset(c.env.ASSETS, "/api-docs/docs.html", c.req.url)).text();
  c.header("content-security-policy", DOCS_CSP);
  return c.html(page);
});

openApi.get("/docs/init.js", async (c) => {
  const script = await (await staticAsset(c.env.ASSETS, "/api-docs/init.js", c.req.url)).text();
  return new Response(script, { headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=3600" } });
});

// Swagger UI's own files, from the Worker's static assets (wrangler.toml [assets]: public/docs,
// copied from the swagger-ui-dist package by `npm install`). Only these two: nothing else is
// served unasked, since every request runs the Worker first (see docs/sources/openapi.md
// § Workers static assets).
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  openApi.get(`/docs/${file}`, async (c) => {
    const answer = await staticAsset(c.env.ASSETS, `/docs/${file}`, c.req.url);
    // A fresh Response: the assets binding answers with immutable headers, and request-id is added to every answer.
    return new Response(answer.body, answer);
  });
}

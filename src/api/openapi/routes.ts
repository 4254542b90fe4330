/**
 * `GET /openapi.json` (the OpenAPI 3.1 document) and `GET /docs` (an API reference: Swagger
 * UI). Swagger UI's files are served by the Worker itself, not a CDN, so `/docs` works with
 * no network (under `npm run dev` offline too). Neither needs a key: they describe the API,
 * and hold nothing of anyone's.
 */
import { Hono } from "hono";
import swaggerUiBundle from "swagger-ui-dist/swagger-ui-bundle.js";
import swaggerUiCss from "swagger-ui-dist/swagger-ui.css";
import type { AppEnv } from "../env";
import { openApiDocument } from "./document";

export const openApi = new Hono<AppEnv>();

// The page runs only scripts from this origin (its own init script included): no inline code.
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; frame-ancestors 'none'";

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>batchbridge API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null });\n`;

openApi.get("/openapi.json", (c) => c.json(openApiDocument()));

openApi.get("/docs", (c) => {
  c.header("content-security-policy", DOCS_CSP);
  return c.html(DOCS_PAGE);
});

openApi.get("/docs/init.js", (c) => asset(INIT_SCRIPT, "text/javascript; charset=utf-8"));
openApi.get("/docs/swagger-ui-bundle.js", () => asset(swaggerUiBundle, "text/javascript; charset=utf-8"));
openApi.get("/docs/swagger-ui.css", () => asset(swaggerUiCss, "text/css; charset=utf-8"));

function asset(body: string, contentType: string): Response {
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "public, max-age=3600" } });
}

/**
 * `/openapi.json` and `/docs` under `npm run dev` (wrangler dev with wrangler.toml's
 * `[assets]`): the document validates as OpenAPI 3.1, and the API reference page loads
 * Swagger UI from the gateway itself, never from another origin.
 */
import { validate } from "@readme/openapi-parser";
import { describe, expect, inject, it } from "vitest";

const gateway = () => inject("gatewayUrl");

describe("the OpenAPI document and the API reference under npm run dev", () => {
  it("serves /openapi.json, valid OpenAPI 3.1, without a key", async () => {
    const response = await fetch(`${gateway()}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toContain("/anthropic/v1/messages/batches");
    const result = await validate(document as never);
    expect(result.valid ? [] : result.errors.map((error) => error.message)).toEqual([]);
  });

  it("serves /docs and every file it loads from the gateway's own origin", async () => {
    const page = await fetch(`${gateway()}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(urls.length).toBe(3);
    for (const url of urls) {
      expect(url, "a path on this origin").toMatch(/^\/docs\//);
      const file = await fetch(`${gateway()}${url}`);
      expect(file.status, url).toBe(200);
      expect((await file.text()).length, url).toBeGreaterThan(50);
    }
    const bundle = await (await fetch(`${gateway()}/docs/swagger-ui-bundle.js`)).text();
    expect(bundle).toContain("SwaggerUIBundle");
    // Only /docs's own files are served from the assets folder: not the rest of swagger-ui-dist.
    expect((await fetch(`${gateway()}/index.html`)).status).toBe(404);
    expect((await fetch(`${gateway()}/swagger-ui-bundle.js`)).status).toBe(404);
  });
});

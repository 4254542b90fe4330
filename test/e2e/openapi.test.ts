/**
 * `/openapi.json` and `/docs` under `npm run dev` (wrangler dev with wrangler.toml's
 * `[assets]`): the document validates as OpenAPI 3.1, and the API reference page loads
 * Swagger UI from the gateway itself, never from another origin.
 */
import { validate } from "@readme/openapi-parser";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";

const gateway = () => inject("gatewayUrl");

/** The Debian `chromium` package (installed by .ci/run where the dashboard tests need it). */
const CHROMIUM = "/usr/bin/chromium";

/**
 * The page as headless Chromium renders it, with every host but 127.0.0.1 unresolvable: what
 * a machine without network shows.
 */
async function renderedOffline(url: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), "batchbridge-docs-"));
  try {
    const { stdout } = await promisify(execFile)(
      CHROMIUM,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        `--user-data-dir=${profile}`,
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--virtual-time-budget=15000",
        "--dump-dom",
        url,
      ],
      { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    return stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

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

  it.skipIf(!existsSync(CHROMIUM))("renders every documented path in Chromium with no network but the gateway", async () => {
    const document = (await (await fetch(`${gateway()}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    const dom = await renderedOffline(`${gateway()}/docs`);
    const rendered = new Set([...dom.matchAll(/class="opblock-summary-path" data-path="([^"]+)"/g)].map((match) => match[1]));
    expect([...rendered].sort()).toEqual(expect.arrayContaining(Object.keys(document.paths).sort()));
    expect(dom).toContain("batchbridge");
  }, 90_000);
});

/**
 * The OpenAPI document the Worker serves is public/openapi.json, a committed static asset, so
 * that the deployed bundle carries neither zod-openapi nor zod's JSON Schema code (about a third of
 * the bundle's gzip size). This test builds the document again from the zod schemas the routes
 * validate with (src/api/openapi/document.ts) and fails when the committed file differs, so the
 * two can never drift apart. After changing a schema or a path, regenerate it with
 * `npm run openapi` (this test with `--update`) and commit the file.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/app";
import { openApiDocument } from "../../../src/api/openapi/document";
import { ADAPTERS } from "../../../src/providers/index";

describe("public/openapi.json", () => {
  it("is the document the routes' zod schemas build, byte for byte (npm run openapi regenerates it)", async () => {
    await expect(`${JSON.stringify(openApiDocument(), null, 2)}\n`).toMatchFileSnapshot("../../../public/openapi.json");
  });

  it("is served at /openapi.json as the compact JSON of that document", async () => {
    const res = await createApp({ adapters: ADAPTERS }).request("/openapi.json", {}, env);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.text()).toBe(JSON.stringify(openApiDocument()));
  });
});

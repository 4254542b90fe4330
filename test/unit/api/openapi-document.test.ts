/**
 * The OpenAPI document the Worker serves is src/api/openapi/openapi.json, committed, so that
 * the deployed bundle carries neither zod-openapi nor zod's JSON Schema code (about a third of
 * the bundle's gzip size). This test builds the document again from the zod schemas the routes
 * validate with (src/api/openapi/document.ts) and fails when the committed file differs, so the
 * two can never drift apart. After changing a schema or a path, regenerate it with
 * `npm run openapi` (this test with `--update`) and commit the file.
 */
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../../src/api/openapi/document";
import committed from "../../../src/api/openapi/openapi.json";

describe("src/api/openapi/openapi.json", () => {
  it("is the document the routes' zod schemas build, byte for byte (npm run openapi regenerates it)", async () => {
    await expect(`${JSON.stringify(openApiDocument(), null, 2)}\n`).toMatchFileSnapshot("../../../src/api/openapi/openapi.json");
  });

  it("is served as that document: the same JSON once parsed, keys in the same order", () => {
    expect(JSON.stringify(committed)).toBe(JSON.stringify(openApiDocument()));
  });
});

/**
 * The OpenAPI 3.1 document of every route the gateway serves, built by zod-openapi from the
 * zod schemas the routes validate with. Not part of the Worker: `npm run openapi` writes it to
 * public/openapi.json, which the Worker serves as a static asset (routes.ts), and
 * test/unit/api/openapi-document.test.ts fails when that file differs from what this builds.
 */
import { createDocument, type ZodOpenApiOverrideContext, type ZodOpenApiPathsObject } from "zod-openapi";
import packageJson from "../../../package.json";
import { adminPaths } from "./admin-paths";
import { anthropicPaths } from "./anthropic-paths";
import { Health } from "./objects";
import { json } from "./responses";
import { webhookEvents } from "./webhooks";

const healthPaths: ZodOpenApiPathsObject = {
  "/health": {
    get: {
      tags: ["Gateway"],
      operationId: "health",
      summary: "Health",
      security: [],
      responses: { 200: json(Health, "The gateway is up") },
    },
  },
};

let built: ReturnType<typeof createDocument> | null = null;

/**
 * @example
 * app.get("/openapi.json", (c) => c.json(openApiDocument()));
 */
export function openApiDocument(): ReturnType<typeof createDocument> {
  built ??= createDocument({
    openapi: "3.1.0",
    info: {
      title: "batchbridge",
      version: packageJson.version,
      description:
        "The Anthropic Files and Message Batches APIs on Anthropic, OpenAI, Gemini or Bedrock (`x-model-provider`). " +
        "Point an official Anthropic SDK's base URL at `/anthropic`. Every error is Anthropic's error body with Anthropic's status; " +
        "`?beta=true`, as the SDKs add it, is accepted and ignored.",
    },
    tags: [
      { name: "Files", description: "Anthropic's Files API" },
      { name: "Message Batches", description: "Anthropic's Message Batches API" },
      { name: "Admin", description: "Virtual keys and webhook deliveries (exists only when ADMIN_TOKEN is set)" },
      { name: "Webhooks", description: "Events the gateway sends (Standard Webhooks signatures)" },
      { name: "Gateway" },
    ],
    paths: { ...anthropicPaths, ...adminPaths, ...healthPaths },
    webhooks: webhookEvents,
    components: {
      securitySchemes: {
        apiKey: { type: "apiKey", in: "header", name: "x-api-key", description: "Any key when ADMIN_TOKEN is not set; else a virtual key" },
        bearerKey: { type: "http", scheme: "bearer", description: "The same key as `Authorization: Bearer <key>`" },
        adminToken: { type: "http", scheme: "bearer", description: "`Authorization: Bearer <ADMIN_TOKEN>`" },
      },
    },
  }, { override: withoutZodNoise });
  return built;
}

/**
 * Leaves out what zod adds that says nothing to a reader: the safe-integer bounds of every
 * `.int()` (Swagger UI shows them as example values) and the long pattern beside
 * `format: date-time`.
 */
function withoutZodNoise({ jsonSchema }: ZodOpenApiOverrideContext): void {
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  if (jsonSchema.format === "date-time") delete jsonSchema.pattern;
}

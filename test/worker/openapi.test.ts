/**
 * The OpenAPI document at /openapi.json and the API reference at /docs: the document is valid
 * OpenAPI 3.1, names exactly the routes the app serves, and real responses match its schemas.
 * The validator is @readme/openapi-parser, which runs inside workerd (see docs/sources/openapi.md
 * § Validating OpenAPI 3.1 inside workerd).
 */
import { validate } from "@readme/openapi-parser";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { createApp } from "../../src/api/app";
import {
  CreatedVirtualKey,
  ErrorResponse,
  FileDeleted,
  FileList,
  FileMetadata,
  Health,
  MessageBatch,
  MessageBatchDeleted,
  MessageBatchList,
  MessageBatchEndedEvent,
  MessageBatchResult,
  MessageBatchUsage,
  UpdatedVirtualKey,
  UsageSummary,
  VirtualKeyList,
  VirtualKeyRevoked,
  WebhookDeliveryList,
} from "../../src/api/openapi/objects";
import { createGateway } from "../../src/core/gateway";
import { deliverWebhook } from "../../src/core/webhook-delivery";
import { ADAPTERS } from "../../src/providers/index";
import { batchClient, BATCHES } from "./support/batches";
import { fileForm } from "./support/files";
import { ADMIN, ADMIN_TOKEN, call, useClosedGateway } from "./support/gateway";
import { RECEIVER, useReceiver } from "./support/receiver";
import { twoRequests } from "./support/requests";
import { bodyText, json } from "./support/responses";
import { useFakes } from "./support/upstream";

interface Document {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
}

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/**
 * Routes the app serves that the document leaves out, each with its reason. Only pages for
 * people and the document's own files belong here, never an API route.
 */
const NOT_API: Record<string, string> = {
  "GET /openapi.json": "the document itself",
  "GET /docs": "the API reference page (HTML) that renders the document",
  "GET /docs/init.js": "a file of the API reference page",
  "GET /docs/swagger-ui-bundle.js": "a file of the API reference page",
  "GET /docs/swagger-ui.css": "a file of the API reference page",
};

/**
 * Prefixes whose routes the document leaves out, each with its reason: the dashboard's pages
 * and forms are for people in a browser (a session cookie, CSRF-checked forms, HTML answers),
 * not an API a client is written against.
 */
const NOT_API_PREFIXES: Record<string, string> = {
  "/dashboard": "the dashboard: HTML pages and form posts for people, signed in by a session cookie",
};

function isApi(route: string): boolean {
  if (route in NOT_API) return false;
  const path = route.slice(route.indexOf(" ") + 1);
  return !Object.keys(NOT_API_PREFIXES).some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

async function servedDocument(): Promise<Document> {
  const res = await call("/openapi.json", { key: null });
  expect(res.status).toBe(200);
  return json<Document>(res);
}

/**
 * `METHOD /path/{param}` for every route of the Hono app. Middleware (`use`) is registered for
 * every method on a path ending in `*`, and left out; a route for every method (`all`) is not.
 */
function appRoutes(): string[] {
  const app = createApp({ adapters: ADAPTERS });
  const routes = app.routes.filter((route) => !(route.method === "ALL" && route.path.endsWith("*"))).map((route) => `${route.method} ${route.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`);
  return [...new Set(routes)].sort();
}

function documentRoutes(document: Document): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((key) => HTTP_METHODS.includes(key)).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

describe("/openapi.json", () => {
  it("is served without a key, as JSON, and validates as OpenAPI 3.1", async () => {
    const res = await call("/openapi.json", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const document = await json<Document>(res);
    expect(document.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(document) as never);
    expect(result.valid ? [] : result.errors.map((error) => error.message)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("is refused by the validator when broken (the validation can fail)", async () => {
    const document = await servedDocument();
    const broken = structuredClone(document);
    delete (broken.paths["/anthropic/v1/files"]!.get!.responses as Record<string, unknown>)["200"];
    (broken.paths["/anthropic/v1/files"]!.get!.responses as Record<string, unknown>)["200"] = { content: {} };
    const result = await validate(broken as never);
    expect(result.valid).toBe(false);
  });

  it("names every route the app serves, and no other", async () => {
    const document = await servedDocument();
    const served = appRoutes().filter(isApi);
    expect(served.length).toBeGreaterThan(10);
    expect(documentRoutes(document)).toEqual(served);
    // Every exclusion is a route the app still serves: a stale one would hide nothing, silently.
    expect(Object.keys(NOT_API).filter((route) => !appRoutes().includes(route))).toEqual([]);
  });

  it("describes the request bodies with the schemas the routes validate with", async () => {
    const document = await servedDocument();
    const schemas = document.components.schemas;
    expect(schemas.BatchRequest).toMatchObject({
      type: "object",
      additionalProperties: false,
      required: ["custom_id", "params"],
      properties: { custom_id: { type: "string", pattern: "^[a-zA-Z0-9_-]{1,64}$" } },
    });
    expect(schemas.NewVirtualKey).toMatchObject({ type: "object", additionalProperties: false, required: ["name"] });
    expect(Object.keys(schemas).sort()).toEqual(
      expect.arrayContaining(["ErrorResponse", "FileList", "FileMetadata", "MessageBatch", "MessageBatchList", "MessageBatchResult", "VirtualKey", "VirtualKeyUpdate", "WebhookDelivery"]),
    );
  });
});

describe("/docs", () => {
  it("serves Swagger UI from the Worker itself: nothing is loaded from another origin", async () => {
    const res = await call("/docs", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    const page = await bodyText(res);
    const urls = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(urls).toEqual(["/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/init.js"]);
    for (const [url, type] of [
      ["/docs/swagger-ui.css", "text/css"],
      ["/docs/swagger-ui-bundle.js", "text/javascript"],
      ["/docs/init.js", "text/javascript"],
    ] as const) {
      const asset = await call(url, { key: null });
      expect(asset.status, url).toBe(200);
      expect(asset.headers.get("content-type"), url).toMatch(new RegExp(`^${type}`));
      expect((await bodyText(asset)).length, url).toBeGreaterThan(50);
    }
    const init = await bodyText(await call("/docs/init.js", { key: null }));
    expect(init).toContain('url: "/openapi.json"');
    expect(init).toContain("validatorUrl: null");
    expect(await bodyText(await call("/docs/swagger-ui-bundle.js", { key: null }))).toContain("SwaggerUIBundle");
  });
});

/** Parses a body with a document schema, strictly: a field the document does not name fails. */
function conforms(schema: z.ZodType, body: unknown, what: string): void {
  const result = schema.safeParse(body);
  expect(result.success ? null : result.error.issues, `${what}: ${JSON.stringify(body)}`).toBeNull();
}

describe("real responses match the document's schemas", () => {
  useFakes();
  const { create, pollUntilEnded, results } = batchClient();

  it("health, files, batches, results and errors", async () => {
    conforms(Health, await json(await call("/health", { key: null })), "health");

    const uploaded = await json<{ id: string }>(await call("/anthropic/v1/files", { method: "POST", body: fileForm("a.txt", "hello") }));
    conforms(FileMetadata, uploaded, "upload");
    conforms(FileMetadata, await json(await call(`/anthropic/v1/files/${uploaded.id}`)), "file metadata");
    conforms(FileList, await json(await call("/anthropic/v1/files?limit=1")), "file list");
    conforms(FileList, await json(await call(`/anthropic/v1/files?ids[]=${uploaded.id}`)), "file list by ids");

    const batch = await create();
    conforms(MessageBatch, batch, "created batch");
    conforms(MessageBatchList, await json(await call(BATCHES)), "batch list");
    const ended = await pollUntilEnded(batch.id);
    conforms(MessageBatch, ended, "ended batch");
    for (const line of await results(batch.id)) conforms(MessageBatchResult, line, "results line");
    conforms(MessageBatchUsage, await json(await call(`${BATCHES}/${batch.id}/usage`)), "batch usage");

    const canceled = await create();
    conforms(MessageBatch, await json(await call(`${BATCHES}/${canceled.id}/cancel`, { method: "POST" })), "canceled batch");

    conforms(MessageBatchDeleted, await json(await call(`${BATCHES}/${batch.id}`, { method: "DELETE" })), "deleted batch");
    conforms(FileDeleted, await json(await call(`/anthropic/v1/files/${uploaded.id}`, { method: "DELETE" })), "deleted file");

    const missing = await call(`${BATCHES}/msgbatch_01JEXAMPLE0000000000000000`);
    expect(missing.status).toBe(404);
    conforms(ErrorResponse, await missing.json(), "error");
  });

  describe("the admin API and webhook events", () => {
    useClosedGateway();
    const receiver = useReceiver();

    it("keys: create, list, change, revoke; a key's webhook event, its delivery, usage", async () => {
      const admin = { key: null, headers: ADMIN };
      const created = await json<{ id: string; key: string }>(
        await call("/admin/keys", { method: "POST", ...admin, body: { name: "docs", max_batches_in_progress: 2, webhook_url: `${RECEIVER}/docs` } }),
      );
      conforms(CreatedVirtualKey, created, "created key");
      conforms(VirtualKeyList, await json(await call("/admin/keys", admin)), "key list");
      conforms(UpdatedVirtualKey, await json(await call(`/admin/keys/${created.id}`, { method: "PATCH", ...admin, body: { requests_per_minute: 60 } })), "changed key");
      const rehooked = await json(await call(`/admin/keys/${created.id}`, { method: "PATCH", ...admin, body: { webhook_url: `${RECEIVER}/docs2` } }));
      expect(rehooked).toHaveProperty("webhook_secret");
      conforms(UpdatedVirtualKey, rehooked, "key with a new webhook");

      const batch = await json<{ id: string }>(await call(BATCHES, { method: "POST", key: created.key, body: { requests: twoRequests() } }));
      let seen: { processing_status: string };
      do seen = await json(await call(`${BATCHES}/${batch.id}`, { key: created.key }));
      while (seen.processing_status !== "ended");
      const pending = await json<{ data: { id: string }[] }>(await call("/admin/webhooks/deliveries?limit=5", admin));
      conforms(WebhookDeliveryList, pending, "pending deliveries");
      // Delivered here rather than by the queue's consumer, which this test project does not run.
      const gateway = createGateway({ db: env.DB, env: { ...env, ADMIN_TOKEN }, clientBetas: [], adapters: ADAPTERS });
      expect(await deliverWebhook(gateway, pending.data[0]!.id)).toBe("delivered");
      const [delivery] = await receiver.waitFor(1);
      expect(Object.keys(delivery!.headers)).toEqual(expect.arrayContaining(["webhook-id", "webhook-timestamp", "webhook-signature"]));
      conforms(MessageBatchEndedEvent, JSON.parse(delivery!.body), "message_batch.ended event");
      conforms(WebhookDeliveryList, await json(await call("/admin/webhooks/deliveries?limit=5", admin)), "delivered deliveries");
      const usage = await json<{ data: unknown[] }>(await call("/admin/usage?from=2020-01-01T00:00:00Z", admin));
      expect(usage.data).toHaveLength(1);
      conforms(UsageSummary, usage, "usage summary");

      conforms(VirtualKeyRevoked, await json(await call(`/admin/keys/${created.id}`, { method: "DELETE", ...admin })), "revoked key");
      const refused = await call("/admin/keys", { key: null });
      expect(refused.status).toBe(401);
      conforms(ErrorResponse, await refused.json(), "admin error");
    });
  });
});

/**
 * The admin API under `/admin` (virtual keys, usage, webhook deliveries), as OpenAPI paths.
 * Request schemas are the ones the admin routes validate with (src/api/admin.ts); responses
 * are ./objects.ts.
 */
import * as z from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject } from "zod-openapi";
import { RPM_TIERS } from "../../core/limits";
import { deliveriesQuery, keyUpdateBody, newKeyBody } from "../admin";
import { extendObject, withMeta } from "./route-schemas";
import { CreatedVirtualKey, UpdatedVirtualKey, UsageSummary, VirtualKeyList, VirtualKeyRevoked, WebhookDeliveryList } from "./objects";
import { errors, json } from "./responses";

const keyIdPath = z.object({ id: z.string().meta({ description: "A virtual key ID", example: "vkey_01JEXAMPLE0000000000000000" }) });

// The tiers are checked by a refinement, which JSON Schema cannot show (see
// docs/sources/openapi.md § zod-openapi builds OpenAPI 3.1 from zod 4 schemas): said in words.
const limitsDescription = {
  requests_per_minute: `One of ${RPM_TIERS.join(", ")} (each a rate limiting binding), or null for no limit`,
  max_batches_in_progress: "Batches not yet ended at once (over it: 429), or null for no limit",
  monthly_budget_usd: "Stored and shown, not enforced yet",
  webhook_url:
    "Where this key's batches' `message_batch.ended` events go: `https://` (`http://` only to 127.0.0.1, localhost or [::1]); the answer carries a new `webhook_secret`. null removes it.",
};

/** A key body's schema with the four limits described (the same words for a new key and an update). */
function withLimitsDescribed<Shape extends typeof newKeyBody.shape | typeof keyUpdateBody.shape>(body: { shape: Shape }) {
  return {
    requests_per_minute: withMeta(body.shape.requests_per_minute, { description: limitsDescription.requests_per_minute }),
    max_batches_in_progress: withMeta(body.shape.max_batches_in_progress, { description: limitsDescription.max_batches_in_progress }),
    monthly_budget_usd: withMeta(body.shape.monthly_budget_usd, { description: limitsDescription.monthly_budget_usd }),
    webhook_url: withMeta(body.shape.webhook_url, { description: limitsDescription.webhook_url }),
  };
}

const NewVirtualKey = withMeta(extendObject(newKeyBody, withLimitsDescribed(newKeyBody)), { id: "NewVirtualKey" });

const VirtualKeyUpdate = withMeta(extendObject(keyUpdateBody, withLimitsDescribed(keyUpdateBody)), {
  id: "VirtualKeyUpdate",
  description: "Only the fields given change; null clears one",
});

// The route checks these by hand (src/api/admin-usage.ts): an RFC 3339 timestamp, else 400.
const usageQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional().meta({ description: "Batches that ended at or after this time (RFC 3339)", example: "2026-12-01T00:00:00Z" }),
  to: z.iso.datetime({ offset: true }).optional().meta({ description: "Batches that ended before this time (RFC 3339)" }),
});

const deliveriesListQuery = extendObject(deliveriesQuery, {
  limit: withMeta(deliveriesQuery.shape.limit, { description: "How many of the most recent deliveries, 1 to 1000 (default 100)" }),
});

function adminOperation(operation: Omit<ZodOpenApiOperationObject, "tags" | "security">): ZodOpenApiOperationObject {
  return { tags: ["Admin"], security: [{ adminToken: [] }], ...operation };
}

/** Every admin call: 401 without the token, 404 when ADMIN_TOKEN is not set, 429 past the per-address limit. */
const adminErrors = [401, 404, 429] as const;

/**
 * @example
 * createDocument({ openapi: "3.1.0", info, paths: { ...adminPaths } })
 */
export const adminPaths: ZodOpenApiPathsObject = {
  "/admin/keys": {
    post: adminOperation({
      operationId: "createVirtualKey",
      summary: "Create a virtual key",
      description: "The answer carries the key's secret (`key`), shown only here.",
      requestBody: { required: true, content: { "application/json": { schema: NewVirtualKey } } },
      responses: { 200: json(CreatedVirtualKey, "The new key, with its secret"), ...errors(400, ...adminErrors) },
    }),
    get: adminOperation({
      operationId: "listVirtualKeys",
      summary: "List virtual keys",
      description: "Newest first, revoked ones included; never a secret.",
      responses: { 200: json(VirtualKeyList, "Every key"), ...errors(...adminErrors) },
    }),
  },
  "/admin/keys/{id}": {
    patch: adminOperation({
      operationId: "updateVirtualKey",
      summary: "Change a virtual key's limits or webhook",
      description: "A revoked key cannot be changed (400).",
      requestParams: { path: keyIdPath },
      requestBody: { required: true, content: { "application/json": { schema: VirtualKeyUpdate } } },
      responses: { 200: json(UpdatedVirtualKey, "The key as it now is (with `webhook_secret` when `webhook_url` was set)"), ...errors(400, ...adminErrors) },
    }),
    delete: adminOperation({
      operationId: "revokeVirtualKey",
      summary: "Revoke a virtual key",
      description: "It stops working within a minute (the lifetime of the key cache).",
      requestParams: { path: keyIdPath },
      responses: { 200: json(VirtualKeyRevoked, "The key is revoked"), ...errors(...adminErrors) },
    }),
  },
  "/admin/usage": {
    get: adminOperation({
      operationId: "getUsage",
      summary: "Usage and cost by key, provider and model",
      description: "Over the batches that ended in [from, to) (both optional).",
      requestParams: { query: usageQuery },
      responses: { 200: json(UsageSummary, "One row per key, provider and model"), ...errors(400, ...adminErrors) },
    }),
  },
  "/admin/webhooks/deliveries": {
    get: adminOperation({
      operationId: "listWebhookDeliveries",
      summary: "List webhook deliveries",
      description: "The most recent first; never a secret.",
      requestParams: { query: deliveriesListQuery },
      responses: { 200: json(WebhookDeliveryList, "The most recent deliveries"), ...errors(400, ...adminErrors) },
    }),
  },
};

/**
 * The Anthropic Files and Message Batches APIs under `/anthropic/v1`, as OpenAPI paths. Request
 * schemas are the ones the routes validate with (src/api/schemas.ts); responses are
 * ./objects.ts.
 */
import * as z from "zod";
import type { oas31, ZodOpenApiOperationObject, ZodOpenApiPathsObject } from "zod-openapi";
import { PROVIDER_NAMES } from "../../domain/provider-name";
import { batchRequest, listQuery, MAX_BATCH_REQUESTS } from "../schemas";
import { FileDeleted, FileList, FileMetadata, MessageBatch, MessageBatchDeleted, MessageBatchList, MessageBatchResult, MessageBatchUsage } from "./objects";
import { errors, json, requestIdHeaders } from "./responses";
import { extendObject, omitKeys, withMeta } from "./route-schemas";

/** A client's key: `x-api-key`, or the same key as `Authorization: Bearer`. */
const clientKey: oas31.SecurityRequirementObject[] = [{ apiKey: [] }, { bearerKey: [] }];

const commonHeaders = {
  "anthropic-version": z.string().optional().meta({ description: "Accepted as the SDKs send it", example: "2023-06-01" }),
  "anthropic-beta": z.string().optional().meta({ description: "Comma-separated betas, passed on to providers that take them" }),
};

/** For creates: which provider runs it (absent: anthropic). */
const providerHeader = z.enum(PROVIDER_NAMES).optional().meta({ description: "The provider that runs it; absent: anthropic. An unknown one is a 400 naming the valid ones." });
/** For lists: whose objects (absent: every provider's). */
const listProviderHeader = z.enum(PROVIDER_NAMES).optional().meta({ description: "List only this provider's objects; absent: every provider's" });

const createHeaders = z.object({ ...commonHeaders, "x-model-provider": providerHeader });
const listHeaders = z.object({ ...commonHeaders, "x-model-provider": listProviderHeader });
// An ID names its own provider: the header is accepted and not needed.
const idHeaders = z.object({ ...commonHeaders, "x-model-provider": z.enum(PROVIDER_NAMES).optional().meta({ description: "Accepted; the ID's own provider is used" }) });

const fileIdPath = z.object({ id: z.string().meta({ description: "A gateway file ID", example: "file_01JEXAMPLE0000000000000000" }) });
const batchIdPath = z.object({ id: z.string().meta({ description: "A gateway message batch ID", example: "msgbatch_01JEXAMPLE0000000000000000" }) });

const pageQuery = extendObject(listQuery, {
  limit: withMeta(listQuery.shape.limit, { description: "Items per page, 1 to 1000" }),
  before_id: withMeta(listQuery.shape.before_id, { description: "The page of items just before this ID (newer ones)" }),
  after_id: withMeta(listQuery.shape.after_id, { description: "The page of items just after this ID (older ones)" }),
  page: withMeta(listQuery.shape.page, { description: "A `next_page` token from the previous page" }),
});

const fileListQuery = extendObject(pageQuery, {
  ids: z
    .array(z.string())
    .max(100)
    .optional()
    .meta({ description: "Up to 100 file IDs (`ids[]=a&ids[]=b`, `ids=a&ids=b` or comma-joined); not with `page` or `limit`" }),
});

const batchListQuery = omitKeys(pageQuery, { page: true });

const BatchRequest = withMeta(batchRequest, { id: "BatchRequest" });

const createBatchBody = z
  .strictObject({ requests: z.array(BatchRequest).min(1).max(MAX_BATCH_REQUESTS) })
  .meta({
    id: "CreateMessageBatchParams",
    description: "At most 100,000 requests or 256 MB; each custom_id unique",
    example: {
      requests: [
        { custom_id: "math-question", params: { model: "claude-haiku-4-5", max_tokens: 100, messages: [{ role: "user", content: "What is 15 * 7?" }] } },
        { custom_id: "geography-question", params: { model: "claude-haiku-4-5", max_tokens: 100, messages: [{ role: "user", content: "What is the largest ocean?" }] } },
      ],
    },
  });

const fileUpload: oas31.SchemaObject = {
  type: "object",
  properties: { file: { type: "string", contentMediaType: "application/octet-stream", description: "The file (500 MB at most)" } },
  required: ["file"],
};

function fileOperation(operation: Omit<ZodOpenApiOperationObject, "tags" | "security">): ZodOpenApiOperationObject {
  return { tags: ["Files"], security: clientKey, ...operation };
}

function batchOperation(operation: Omit<ZodOpenApiOperationObject, "tags" | "security">): ZodOpenApiOperationObject {
  return { tags: ["Message Batches"], security: clientKey, ...operation };
}

/**
 * @example
 * createDocument({ openapi: "3.1.0", info, paths: { ...anthropicPaths } })
 */
export const anthropicPaths: ZodOpenApiPathsObject = {
  "/anthropic/v1/files": {
    post: fileOperation({
      operationId: "uploadFile",
      summary: "Upload a file",
      description: "Multipart, field `file`; streamed to the provider (`x-model-provider`) without buffering.",
      requestParams: { header: createHeaders },
      requestBody: { required: true, content: { "multipart/form-data": { schema: fileUpload } } },
      responses: { 200: json(FileMetadata, "The uploaded file"), ...errors(400, 401, 403, 413, 429) },
    }),
    get: fileOperation({
      operationId: "listFiles",
      summary: "List files",
      description: "Newest first. Pages both ways: `before_id`/`after_id` with `first_id`, `last_id`, `has_more`, and `page` tokens with `next_page`.",
      requestParams: { header: listHeaders, query: fileListQuery },
      responses: { 200: json(FileList, "A page of files"), ...errors(400, 401, 429) },
    }),
  },
  "/anthropic/v1/files/{id}": {
    get: fileOperation({
      operationId: "getFile",
      summary: "Get a file's metadata",
      requestParams: { header: idHeaders, path: fileIdPath },
      responses: { 200: json(FileMetadata, "The file's metadata"), ...errors(400, 401, 404, 429) },
    }),
    delete: fileOperation({
      operationId: "deleteFile",
      summary: "Delete a file",
      description: "Not while a batch that has not ended uses it, nor a batch's results file (delete the batch).",
      requestParams: { header: idHeaders, path: fileIdPath },
      responses: { 200: json(FileDeleted, "The file is deleted"), ...errors(400, 401, 404, 429) },
    }),
  },
  "/anthropic/v1/files/{id}/content": {
    get: fileOperation({
      operationId: "downloadFile",
      summary: "Download a file",
      description: "Streamed from the provider. Only downloadable files (those a provider generated) can be downloaded.",
      requestParams: { header: idHeaders, path: fileIdPath },
      responses: {
        200: {
          description: "The file's bytes, with the file's MIME type as content-type",
          headers: requestIdHeaders,
          content: { "*/*": { schema: { type: "string", contentMediaType: "application/octet-stream" } } },
        },
        ...errors(400, 401, 404, 429),
      },
    }),
  },
  "/anthropic/v1/messages/batches": {
    post: batchOperation({
      operationId: "createMessageBatch",
      summary: "Create a message batch",
      description: "Every request is checked before any upstream call; a param the provider cannot take is a 400 naming it.",
      requestParams: {
        header: createHeaders.extend({
          "idempotency-key": z.string().optional().meta({ description: "Repeating a create with the same key and body answers the same batch; another body: 409" }),
        }),
      },
      requestBody: { required: true, content: { "application/json": { schema: createBatchBody } } },
      responses: { 200: json(MessageBatch, "The new batch"), ...errors(400, 401, 403, 409, 413, 429) },
    }),
    get: batchOperation({
      operationId: "listMessageBatches",
      summary: "List message batches",
      description: "Newest first.",
      requestParams: { header: listHeaders, query: batchListQuery },
      responses: { 200: json(MessageBatchList, "A page of batches"), ...errors(400, 401, 429) },
    }),
  },
  "/anthropic/v1/messages/batches/{id}": {
    get: batchOperation({
      operationId: "getMessageBatch",
      summary: "Retrieve a message batch",
      description: "Refreshed from the provider until it has ended.",
      requestParams: { header: idHeaders, path: batchIdPath },
      responses: { 200: json(MessageBatch, "The batch"), ...errors(400, 401, 404, 429) },
    }),
    delete: batchOperation({
      operationId: "deleteMessageBatch",
      summary: "Delete a message batch",
      description: "Only once it has ended.",
      requestParams: { header: idHeaders, path: batchIdPath },
      responses: { 200: json(MessageBatchDeleted, "The batch is deleted"), ...errors(400, 401, 404, 429) },
    }),
  },
  "/anthropic/v1/messages/batches/{id}/cancel": {
    post: batchOperation({
      operationId: "cancelMessageBatch",
      summary: "Cancel a message batch",
      requestParams: { header: idHeaders, path: batchIdPath },
      responses: { 200: json(MessageBatch, "The batch, canceling or ended"), ...errors(400, 401, 404, 429) },
    }),
  },
  "/anthropic/v1/messages/batches/{id}/results": {
    get: batchOperation({
      operationId: "getMessageBatchResults",
      summary: "Read a message batch's results",
      description: "JSONL, streamed: one MessageBatchResult per line, every submitted custom_id exactly once. Only once the batch has ended.",
      requestParams: { header: idHeaders, path: batchIdPath },
      responses: {
        200: { description: "One JSON object per line", headers: requestIdHeaders, content: { "application/x-jsonl": { schema: MessageBatchResult } } },
        ...errors(400, 401, 404, 429),
      },
    }),
  },
  "/anthropic/v1/messages/batches/{id}/usage": {
    get: batchOperation({
      operationId: "getMessageBatchUsage",
      summary: "Read a message batch's usage and cost",
      description: "This gateway's extension (not Anthropic's API): tokens and cost of an ended batch, per model. Before it has ended: 400.",
      requestParams: { header: idHeaders, path: batchIdPath },
      responses: { 200: json(MessageBatchUsage, "The batch's usage"), ...errors(400, 401, 404, 429) },
    }),
  },
};

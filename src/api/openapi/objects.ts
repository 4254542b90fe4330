/**
 * What the gateway answers, as zod schemas for the OpenAPI document: Anthropic's FileMetadata,
 * MessageBatch, results line, error body and list pages, and the admin API's objects. Each
 * `id` becomes a component (`#/components/schemas/<id>`). The worker tests parse real
 * responses with these schemas (test/worker/openapi.test.ts), so a field a route adds or
 * drops without the document following fails a test: objects the gateway builds itself are
 * strict; what a provider wrote (a Message) is as loose as Anthropic's own.
 */
import * as z from "zod";
import { PROVIDER_NAMES } from "../../domain/provider-name";

const timestamp = z.iso.datetime({ offset: true }).meta({ description: "RFC 3339 datetime", example: "2026-12-03T14:00:00Z" });

/** Anthropic's error types, as `error.type` carries them. */
const ErrorType = z
  .enum([
    "invalid_request_error",
    "authentication_error",
    "billing_error",
    "permission_error",
    "not_found_error",
    "conflict_error",
    "request_too_large",
    "rate_limit_error",
    "api_error",
    "timeout_error",
    "overloaded_error",
  ])
  .meta({ id: "ErrorType" });

/**
 * Every error the gateway answers, its own or a provider's translated: Anthropic's body with
 * Anthropic's status. `request_id` equals the `request-id` header.
 *
 * @example
 * ErrorResponse.parse(await res.json())
 */
export const ErrorResponse = z
  .strictObject({
    type: z.literal("error"),
    error: z.strictObject({ type: ErrorType, message: z.string() }),
    request_id: z.string().nullable(),
  })
  .meta({
    id: "ErrorResponse",
    example: { type: "error", error: { type: "not_found_error", message: "File not found: file_01JEXAMPLE0000000000000000" }, request_id: "req_01JEXAMPLE" },
  });

// The gateway's own IDs (time-sortable), never a provider's.
const fileId = z.string().meta({ description: "A gateway file ID", example: "file_01JEXAMPLE0000000000000000" });
const batchId = z.string().meta({ description: "A gateway message batch ID", example: "msgbatch_01JEXAMPLE0000000000000000" });

/**
 * Anthropic's FileMetadata, with `size` beside `size_bytes` (some client code reads it).
 *
 * @example
 * FileMetadata.parse(await res.json())
 */
export const FileMetadata = z
  .strictObject({
    id: fileId,
    type: z.literal("file"),
    filename: z.string(),
    mime_type: z.string(),
    size_bytes: z.number().int().min(0),
    size: z.number().int().min(0).meta({ description: "Equal to size_bytes" }),
    created_at: timestamp,
    downloadable: z.boolean().meta({ description: "Only files a provider generated (such as batch output) can be downloaded" }),
    expires_at: timestamp.nullable(),
    scope: z.null(),
  })
  .meta({ id: "FileMetadata" });

/**
 * A page of files: both paging styles (`before_id`/`after_id` and `page` tokens) at once.
 *
 * @example
 * FileList.parse(await res.json()).next_page
 */
export const FileList = z
  .strictObject({
    data: z.array(FileMetadata),
    has_more: z.boolean(),
    first_id: fileId.nullable(),
    last_id: fileId.nullable(),
    next_page: z.string().nullable().meta({ description: "Pass as `page` to get the next page; null on the last" }),
  })
  .meta({ id: "FileList" });

/**
 * What deleting a file answers.
 *
 * @example
 * FileDeleted.parse(await res.json())
 */
export const FileDeleted = z.strictObject({ id: fileId, type: z.literal("file_deleted") }).meta({ id: "FileDeleted" });

const RequestCounts = z
  .strictObject({
    processing: z.number().int().min(0),
    succeeded: z.number().int().min(0),
    errored: z.number().int().min(0),
    canceled: z.number().int().min(0),
    expired: z.number().int().min(0),
  })
  .meta({ id: "RequestCounts" });

/**
 * Anthropic's MessageBatch; `results_url` points at this gateway once the batch has ended.
 *
 * @example
 * MessageBatch.parse(await res.json())
 */
export const MessageBatch = z
  .strictObject({
    id: batchId,
    type: z.literal("message_batch"),
    processing_status: z.enum(["in_progress", "canceling", "ended"]),
    request_counts: RequestCounts,
    ended_at: timestamp.nullable(),
    created_at: timestamp,
    expires_at: timestamp,
    archived_at: timestamp.nullable(),
    cancel_initiated_at: timestamp.nullable(),
    results_url: z.url().nullable().meta({ description: "This gateway's results URL once the batch has ended, else null" }),
  })
  .meta({
    id: "MessageBatch",
    example: {
      id: "msgbatch_01JEXAMPLE0000000000000000",
      type: "message_batch",
      processing_status: "in_progress",
      request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      created_at: "2026-12-03T14:00:00.000Z",
      expires_at: "2026-12-04T14:00:00.000Z",
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    },
  });

/**
 * A page of message batches.
 *
 * @example
 * MessageBatchList.parse(await res.json()).has_more
 */
export const MessageBatchList = z
  .strictObject({
    data: z.array(MessageBatch),
    has_more: z.boolean(),
    first_id: batchId.nullable(),
    last_id: batchId.nullable(),
  })
  .meta({ id: "MessageBatchList" });

/**
 * What deleting a message batch answers.
 *
 * @example
 * MessageBatchDeleted.parse(await res.json())
 */
export const MessageBatchDeleted = z.strictObject({ id: batchId, type: z.literal("message_batch_deleted") }).meta({ id: "MessageBatchDeleted" });

/** A Messages API response, as the provider's answer was translated: Anthropic's own shape. */
const Message = z
  .looseObject({
    id: z.string(),
    type: z.literal("message"),
    role: z.literal("assistant"),
    content: z.array(z.looseObject({ type: z.string() })),
    model: z.string(),
    stop_reason: z.string().nullable(),
    stop_sequence: z.string().nullable(),
    usage: z.looseObject({ input_tokens: z.number().int(), output_tokens: z.number().int() }),
  })
  .meta({ id: "Message" });

/**
 * One line of a batch's results (JSONL): every submitted `custom_id` exactly once.
 *
 * @example
 * text.trim().split("\n").map((line) => MessageBatchResult.parse(JSON.parse(line)))
 */
export const MessageBatchResult = z
  .strictObject({
    custom_id: z.string(),
    result: z.discriminatedUnion("type", [
      z.strictObject({ type: z.literal("succeeded"), message: Message }),
      z.strictObject({
        type: z.literal("errored"),
        error: z.looseObject({ type: z.literal("error"), error: z.looseObject({ type: z.string(), message: z.string() }) }),
      }),
      z.strictObject({ type: z.literal("canceled") }),
      z.strictObject({ type: z.literal("expired") }),
    ]),
  })
  .meta({ id: "MessageBatchResult", description: "One line of the results JSONL (application/x-jsonl): one JSON object per line." });

/**
 * `GET /health`.
 *
 * @example
 * Health.parse(await res.json()).status // "ok"
 */
export const Health = z
  .strictObject({
    status: z.literal("ok"),
    simulators: z.literal(true).optional().meta({ description: "Present when `npm run dev` runs the gateway against its local simulators" }),
  })
  .meta({ id: "Health" });

const provider = z.enum(PROVIDER_NAMES).meta({ id: "Provider" });

/**
 * A virtual key as the admin API shows it: never its secret, which only create answers.
 *
 * @example
 * VirtualKeyList.parse(await res.json()).data.map((key) => key.name)
 */
export const VirtualKey = z
  .strictObject({
    id: z.string().meta({ example: "vkey_01JEXAMPLE0000000000000000" }),
    name: z.string(),
    providers: z.array(provider).nullable().meta({ description: "The providers it may use; null: all" }),
    models: z.array(z.string()).nullable().meta({ description: "The models it may use; null: all" }),
    requests_per_minute: z.number().int().nullable().meta({ description: "Requests per minute (one of the rate limiting tiers); null: no limit" }),
    max_batches_in_progress: z.number().int().nullable().meta({ description: "Batches not yet ended at once; null: no limit" }),
    monthly_budget_usd: z.number().nullable().meta({ description: "Stored and shown, not enforced yet; null: none" }),
    created_at: timestamp,
    revoked_at: timestamp.nullable(),
    webhook_url: z.string().nullable().meta({ description: "Where this key's batches' `message_batch.ended` events go; null: nowhere" }),
  })
  .meta({ id: "VirtualKey" });

const webhookSecret = z.string().meta({ description: "The new webhook's signing secret: present only when `webhook_url` was set, shown only here", example: "whsec_…" });

/**
 * What creating a key answers: the key, its secret, and its webhook's secret if a URL was given.
 *
 * @example
 * CreatedVirtualKey.parse(await res.json()).key // "bbk_…"
 */
export const CreatedVirtualKey = VirtualKey.extend({
  key: z.string().meta({ description: "The key's secret: shown here once, only its hash is kept", example: "bbk_…" }),
  webhook_secret: webhookSecret.optional(),
}).meta({ id: "CreatedVirtualKey" });

/**
 * What changing a key answers; `webhook_secret` when a webhook URL was set.
 *
 * @example
 * UpdatedVirtualKey.parse(await res.json()).requests_per_minute
 */
export const UpdatedVirtualKey = VirtualKey.extend({ webhook_secret: webhookSecret.optional() }).meta({ id: "UpdatedVirtualKey" });

/**
 * Every key, revoked ones included.
 *
 * @example
 * VirtualKeyList.parse(await res.json()).data
 */
export const VirtualKeyList = z.strictObject({ data: z.array(VirtualKey) }).meta({ id: "VirtualKeyList" });

/**
 * What revoking a key answers.
 *
 * @example
 * VirtualKeyRevoked.parse(await res.json())
 */
export const VirtualKeyRevoked = z.strictObject({ id: z.string(), type: z.literal("virtual_key_revoked") }).meta({ id: "VirtualKeyRevoked" });

/**
 * One delivery of a webhook event to one destination; never a secret.
 *
 * @example
 * WebhookDeliveryList.parse(await res.json()).data[0]?.status // "delivered"
 */
export const WebhookDelivery = z
  .strictObject({
    id: z.string(),
    type: z.literal("webhook_delivery"),
    event_id: z.string().meta({ description: "The event's ID, sent as `webhook-id`" }),
    event_type: z.string().meta({ example: "message_batch.ended" }),
    batch_id: batchId,
    destination: z.string().meta({ description: "`gateway` (WEBHOOK_URL) or the ID of the virtual key whose webhook it is" }),
    url: z.string(),
    status: z.enum(["pending", "delivered", "failed"]),
    tries: z.number().int().min(0),
    last_response_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    last_attempt_at: timestamp.nullable(),
    next_attempt_at: timestamp.nullable().meta({ description: "When it is tried next, while pending" }),
    created_at: timestamp,
  })
  .meta({ id: "WebhookDelivery" });

/**
 * The most recent deliveries.
 *
 * @example
 * WebhookDeliveryList.parse(await res.json()).data
 */
export const WebhookDeliveryList = z.strictObject({ data: z.array(WebhookDelivery) }).meta({ id: "WebhookDeliveryList" });

/**
 * The body of the `message_batch.ended` event the gateway POSTs (Standard Webhooks).
 *
 * @example
 * MessageBatchEndedEvent.parse(JSON.parse(rawBody)).data.id
 */
export const MessageBatchEndedEvent = z
  .strictObject({
    type: z.literal("message_batch.ended"),
    timestamp,
    data: MessageBatch,
  })
  .meta({ id: "MessageBatchEndedEvent", description: "`data` is the MessageBatch exactly as retrieve answers it" });

const tokenCounts = {
  input_tokens: z.number().int().min(0),
  output_tokens: z.number().int().min(0),
  cache_creation_input_tokens: z.number().int().min(0),
  cache_read_input_tokens: z.number().int().min(0),
};

const costUsd = z.number().nullable().meta({ description: "USD at the batch price (built-in table, MODEL_PRICES over it); null when a model has no price" });

/**
 * The usage extension: an ended batch's tokens and cost, in all and per model.
 *
 * @example
 * MessageBatchUsage.parse(await res.json()).cost_usd
 */
export const MessageBatchUsage = z
  .strictObject({
    type: z.literal("message_batch_usage"),
    id: batchId,
    ...tokenCounts,
    cost_usd: costUsd,
    by_model: z.array(z.strictObject({ provider, model: z.string(), requests: z.number().int().min(0), ...tokenCounts, cost_usd: costUsd })),
  })
  .meta({ id: "MessageBatchUsage" });

/**
 * `GET /admin/usage`: one row per key, provider and model over the batches that ended in the range.
 *
 * @example
 * UsageSummary.parse(await res.json()).data
 */
export const UsageSummary = z
  .strictObject({
    data: z.array(
      z.strictObject({
        key_id: z.string().nullable().meta({ description: "The virtual key; null for batches made on the open gateway (no ADMIN_TOKEN)" }),
        key_name: z.string().nullable(),
        provider,
        model: z.string(),
        batches: z.number().int().min(0),
        requests: z.number().int().min(0),
        ...tokenCounts,
        cost_usd: costUsd,
      }),
    ),
  })
  .meta({ id: "UsageSummary" });

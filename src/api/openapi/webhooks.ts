/**
 * The events the gateway sends (OpenAPI 3.1 `webhooks`): `message_batch.ended`, signed with
 * the Standard Webhooks scheme, to WEBHOOK_URL and to the webhook of the key that created the
 * batch.
 */
import * as z from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { MessageBatchEndedEvent } from "./objects";

const signatureHeaders = z.object({
  "webhook-id": z.string().meta({ description: "One per event, the same on every retry and for every destination: drop duplicates by it" }),
  "webhook-timestamp": z.string().meta({ description: "This attempt's time, in Unix seconds", example: "1764771000" }),
  "webhook-signature": z.string().meta({
    description: "`v1,` and the base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>`, keyed by the base64-decoded part of the `whsec_…` secret",
  }),
});

/**
 * @example
 * createDocument({ openapi: "3.1.0", info, paths, webhooks: webhookEvents })
 */
export const webhookEvents: ZodOpenApiPathsObject = {
  "message_batch.ended": {
    post: {
      tags: ["Webhooks"],
      operationId: "messageBatchEnded",
      summary: "A batch has ended",
      description: "Sent once per batch (at least once: retried on a non-2xx answer, or none within 10 seconds, for 24 hours).",
      requestParams: { header: signatureHeaders },
      requestBody: { required: true, content: { "application/json": { schema: MessageBatchEndedEvent } } },
      responses: { "2XX": { description: "Received; any other answer is retried" } },
    },
  },
};

/**
 * Anthropic's own response shapes, as far as the adapter reads them (docs/reference/provider-apis.md §1–2). Requests
 * need no types of their own: the gateway already speaks Anthropic, so bodies are forwarded.
 */
import type { RequestCounts } from "../../domain/request-counts";

/** `FileMetadata` from the Files API (docs/reference/provider-apis.md §1). */
export interface AnthropicFileMetadata {
  id: string;
  type: "file";
  filename: string;
  mime_type: string;
  size_bytes: number;
  created_at: string;
  downloadable?: boolean;
  /** GA Files API only; the beta surface omits it. */
  expires_at?: string | null;
}

/** `MessageBatch` (docs/reference/provider-apis.md §2.3). */
export interface AnthropicMessageBatch {
  id: string;
  type: "message_batch";
  processing_status: "in_progress" | "canceling" | "ended";
  request_counts: RequestCounts;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
  cancel_initiated_at: string | null;
  archived_at: string | null;
  results_url: string | null;
}

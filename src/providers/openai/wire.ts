/**
 * OpenAI's wire shapes, as far as the adapter reads or writes them (docs/reference/provider-apis.md §3 and §4).
 * Fields the adapter never reads are left out; responses may carry more.
 */

/** `purpose` of a file, as OpenAI reports it (uploads use a subset). */
export type OpenAIFilePurpose =
  | "assistants"
  | "assistants_output"
  | "batch"
  | "batch_output"
  | "fine-tune"
  | "fine-tune-results"
  | "vision"
  | "user_data"
  | "evals";

/** The File object (`POST /files`, `GET /files/{id}`). */
export interface OpenAIFile {
  id: string;
  object: "file";
  bytes: number;
  created_at: number;
  expires_at?: number | null;
  filename: string;
  purpose: OpenAIFilePurpose;
  status?: string;
}

export type OpenAIBatchStatus =
  | "validating"
  | "failed"
  | "in_progress"
  | "finalizing"
  | "completed"
  | "expired"
  | "cancelling"
  | "cancelled";

/** One input-validation error of a batch that ended `failed`. */
export interface OpenAIBatchError {
  code?: string | null;
  message?: string | null;
  param?: string | null;
  line?: number | null;
}

/** The Batch object (`POST /batches`, `GET /batches/{id}`). */
export interface OpenAIBatch {
  id: string;
  object: "batch";
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  status: OpenAIBatchStatus;
  errors?: { object: "list"; data: OpenAIBatchError[] } | null;
  output_file_id?: string | null;
  error_file_id?: string | null;
  created_at: number;
  completed_at?: number | null;
  failed_at?: number | null;
  expired_at?: number | null;
  cancelled_at?: number | null;
  request_counts?: { total: number; completed: number; failed: number } | null;
  metadata?: Record<string, string> | null;
}

/** `{"error": {...}}`, the body of every OpenAI error answer. */
export interface OpenAIErrorBody {
  error: { message: string; type?: string | null; param?: string | null; code?: string | null };
}

/** One line of a batch output or error file (docs/reference/provider-apis.md §4.4). */
export interface OpenAIBatchOutputLine {
  id?: string;
  custom_id: string;
  response: { status_code: number; request_id?: string | null; body: unknown } | null;
  error: { code?: string | null; message?: string | null } | null;
}

// ─── Chat Completions ───────────────────────────────────────────────────────────────────────

export type ChatContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string } }
  | { type: "file"; file: { file_id: string } | { filename: string; file_data: string } };

export interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: "system" | "developer"; content: string | { type: "text"; text: string }[] }
  | { role: "user"; content: string | ChatContentPart[] }
  | { role: "assistant"; content: string | { type: "text"; text: string }[] | null; tool_calls?: ChatToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string | { type: "text"; text: string }[] };

export interface ChatTool {
  type: "function";
  function: { name: string; description?: string; parameters?: unknown; strict?: boolean };
}

export type ChatToolChoice = "auto" | "required" | "none" | { type: "function"; function: { name: string } };

/** The body of one `/v1/chat/completions` request, as the translator produces it. */
export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  tools?: ChatTool[];
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: boolean;
  safety_identifier?: string;
  response_format?: { type: "json_schema"; json_schema: { name: string; schema: Record<string, unknown>; strict: boolean } };
  reasoning_effort?: string;
}

/** A `chat.completion` response body (docs/reference/provider-apis.md §4.6). */
export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  model: string;
  choices: {
    index: number;
    finish_reason: string | null;
    message: {
      role: "assistant";
      content: string | null;
      refusal?: string | null;
      tool_calls?: { id: string; type: string; function?: { name: string; arguments: string } }[];
    };
  }[];
  usage?: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } | null;
    completion_tokens_details?: { reasoning_tokens?: number } | null;
  } | null;
}

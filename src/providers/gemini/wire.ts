/**
 * The Gemini API's JSON shapes, as far as the adapter reads or writes them (docs/reference/provider-apis.md §5).
 * Responses use lowerCamelCase; int64 fields (`sizeBytes`, `batchStats` counts) are strings,
 * and proto3 JSON leaves out fields that hold their default (0, "", false).
 */

/** `google.rpc.Status`: the error of a failed call, a failed batch or one failed request. */
export interface GoogleStatus {
  /** HTTP status in an error body; gRPC code in a batch's or a request's error. */
  code?: number;
  message?: string;
  /** The canonical code name, e.g. `INVALID_ARGUMENT` (HTTP error bodies only). */
  status?: string;
  details?: Array<Record<string, unknown>>;
}

/** A File resource (docs/reference/provider-apis.md §5.2). */
export interface GeminiFile {
  name: string;
  displayName?: string;
  mimeType?: string;
  sizeBytes?: string;
  createTime?: string;
  updateTime?: string;
  expirationTime?: string;
  sha256Hash?: string;
  uri?: string;
  downloadUri?: string;
  state?: "STATE_UNSPECIFIED" | "PROCESSING" | "ACTIVE" | "FAILED";
  source?: "SOURCE_UNSPECIFIED" | "UPLOADED" | "GENERATED" | "REGISTERED";
  error?: GoogleStatus;
}

// ─── GenerateContent ───────────────────────────────────────────────────────────────────────

/** One part of a Content: exactly one data field (text, inlineData, fileData, functionCall, functionResponse…). */
export interface GeminiPart {
  text?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType: string; fileUri: string };
  functionCall?: { id?: string; name: string; args?: Record<string, unknown> };
  functionResponse?: { id?: string; name: string; response: Record<string, unknown> };
  thought?: boolean;
  thoughtSignature?: string;
  [other: string]: unknown;
}

/** One turn of a conversation. */
export interface GeminiContent {
  role?: "user" | "model";
  parts: GeminiPart[];
}

/** One function a request offers the model. */
export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: GeminiSchema;
}

/** Gemini's `Schema`: an OpenAPI 3.0 subset with upper-case type names. */
export type GeminiSchema = Record<string, unknown>;

/** What the adapter sends for one request (docs/reference/provider-apis.md §5.4). */
export interface GenerateContentRequest {
  contents: GeminiContent[];
  systemInstruction?: GeminiContent;
  tools?: Array<{ functionDeclarations: GeminiFunctionDeclaration[] }>;
  toolConfig?: {
    functionCallingConfig: { mode: "AUTO" | "ANY" | "NONE"; allowedFunctionNames?: string[] };
  };
  generationConfig?: {
    maxOutputTokens?: number;
    temperature?: number;
    topP?: number;
    topK?: number;
    stopSequences?: string[];
    responseMimeType?: string;
    responseJsonSchema?: Record<string, unknown>;
    thinkingConfig?: { thinkingBudget?: number; thinkingLevel?: "minimal" | "low" | "medium" | "high"; includeThoughts?: boolean };
  };
}

/** `usageMetadata` of a response. */
export interface GeminiUsage {
  promptTokenCount?: number;
  cachedContentTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  totalTokenCount?: number;
}

/** A model's answer to one request. */
export interface GenerateContentResponse {
  candidates?: Array<{
    content?: { role?: string; parts?: GeminiPart[] };
    finishReason?: string;
    finishMessage?: string;
    index?: number;
  }>;
  promptFeedback?: { blockReason?: string };
  usageMetadata?: GeminiUsage;
  modelVersion?: string;
  responseId?: string;
}

// ─── Batches ───────────────────────────────────────────────────────────────────────────────

/** A batch's state over REST (the SDKs rename these `JOB_STATE_*`). */
export type GeminiBatchState =
  | "BATCH_STATE_UNSPECIFIED"
  | "BATCH_STATE_PENDING"
  | "BATCH_STATE_RUNNING"
  | "BATCH_STATE_SUCCEEDED"
  | "BATCH_STATE_FAILED"
  | "BATCH_STATE_CANCELLED"
  | "BATCH_STATE_EXPIRED";

/** `batchStats`: int64 counts, as strings, each left out when zero. */
export interface GeminiBatchStats {
  requestCount?: string;
  successfulRequestCount?: string;
  failedRequestCount?: string;
  pendingRequestCount?: string;
}

/**
 * What the adapter keeps of a batch operation (`GET /v1beta/batches/{id}`), read as a stream
 * so that inlined responses never sit in memory: see `batch-reader.ts`.
 */
export interface GeminiBatchSummary {
  name?: string;
  state?: string;
  batchStats?: GeminiBatchStats;
  endTime?: string;
  updateTime?: string;
  /** `output.responsesFile`, when the output is a file. */
  responsesFile?: string;
  /** The operation's `error`, set when the batch failed. */
  error?: GoogleStatus;
}

/** One line of a responses file, or one item of `inlinedResponses`. */
export interface GeminiBatchResultLine {
  key?: string;
  metadata?: Record<string, string>;
  response?: GenerateContentResponse;
  error?: GoogleStatus;
}

/**
 * The protobuf messages of the methods the fake serves, field by field, from the Gemini API
 * reference (ai.google.dev/api: generate-content, caching#Content, caching#Schema, files,
 * batch-mode) and js-genai `src/types.ts`. Fields the reference marks as newer (2026 SDK) are
 * accepted, never required.
 */
import type { FieldType, MessageSpec } from "./proto.ts";

const string: FieldType = { kind: "string" };
const bool: FieldType = { kind: "bool" };
const int32: FieldType = { kind: "number", proto: "TYPE_INT32" };
const int64: FieldType = { kind: "number", proto: "TYPE_INT64" };
const float: FieldType = { kind: "number", proto: "TYPE_FLOAT" };
const double: FieldType = { kind: "number", proto: "TYPE_DOUBLE" };
const bytes: FieldType = { kind: "bytes" };
const any: FieldType = { kind: "any" };
const struct: FieldType = { kind: "struct" };
const list = (item: FieldType): FieldType => ({ kind: "repeated", item });
const message = (spec: () => MessageSpec): FieldType => ({ kind: "message", message: spec });
const enumOf = (name: string, values: readonly string[], caseInsensitive = false): FieldType => ({ kind: "enum", name, values, caseInsensitive });

const V1 = "google.ai.generativelanguage.v1beta";

/** `Schema`, the OpenAPI subset of function parameters. */
const SCHEMA: MessageSpec = {
  name: `${V1}.Schema`,
  fields: {
    // The API takes "object" as well as "OBJECT" (its own REST samples send lower case).
    type: enumOf(`${V1}.Type`, ["TYPE_UNSPECIFIED", "STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"], true),
    format: string,
    title: string,
    description: string,
    nullable: bool,
    enum: list(string),
    max_items: int64,
    min_items: int64,
    properties: { kind: "map", value: message(() => SCHEMA) },
    required: list(string),
    min_properties: int64,
    max_properties: int64,
    min_length: int64,
    max_length: int64,
    pattern: string,
    example: any,
    any_of: list(message(() => SCHEMA)),
    property_ordering: list(string),
    default: any,
    items: message(() => SCHEMA),
    minimum: double,
    maximum: double,
  },
};

const BLOB: MessageSpec = { name: `${V1}.Blob`, fields: { mime_type: string, data: bytes } };
const FILE_DATA: MessageSpec = { name: `${V1}.FileData`, fields: { mime_type: string, file_uri: string } };
const FUNCTION_CALL: MessageSpec = { name: `${V1}.FunctionCall`, fields: { id: string, name: string, args: struct } };
const FUNCTION_RESPONSE: MessageSpec = {
  name: `${V1}.FunctionResponse`,
  fields: { id: string, name: string, response: struct, will_continue: bool, scheduling: string, parts: list(any) },
};

/** The part fields that carry data: exactly one must be set. */
export const PART_DATA_FIELDS = [
  "text",
  "inline_data",
  "file_data",
  "function_call",
  "function_response",
  "executable_code",
  "code_execution_result",
] as const;

const PART: MessageSpec = {
  name: `${V1}.Part`,
  fields: {
    text: string,
    inline_data: message(() => BLOB),
    file_data: message(() => FILE_DATA),
    function_call: message(() => FUNCTION_CALL),
    function_response: message(() => FUNCTION_RESPONSE),
    executable_code: struct,
    code_execution_result: struct,
    thought: bool,
    thought_signature: bytes,
    video_metadata: struct,
    part_metadata: struct,
  },
  oneofs: { data: PART_DATA_FIELDS },
};

/** `Content`: a role and its parts. */
const CONTENT: MessageSpec = { name: `${V1}.Content`, fields: { parts: list(message(() => PART)), role: string } };

const FUNCTION_DECLARATION: MessageSpec = {
  name: `${V1}.FunctionDeclaration`,
  fields: {
    name: string,
    description: string,
    parameters: message(() => SCHEMA),
    parameters_json_schema: any,
    response: message(() => SCHEMA),
    response_json_schema: any,
    behavior: string,
  },
};

const TOOL: MessageSpec = {
  name: `${V1}.Tool`,
  fields: {
    function_declarations: list(message(() => FUNCTION_DECLARATION)),
    google_search_retrieval: struct,
    code_execution: struct,
    google_search: struct,
    url_context: struct,
  },
};

const TOOL_CONFIG: MessageSpec = {
  name: `${V1}.ToolConfig`,
  fields: {
    function_calling_config: message(() => ({
      name: `${V1}.FunctionCallingConfig`,
      fields: {
        mode: enumOf(`${V1}.FunctionCallingConfig.Mode`, ["MODE_UNSPECIFIED", "AUTO", "ANY", "NONE", "VALIDATED"]),
        allowed_function_names: list(string),
      },
    })),
  },
};

const GENERATION_CONFIG: MessageSpec = {
  name: `${V1}.GenerationConfig`,
  fields: {
    candidate_count: int32,
    stop_sequences: list(string),
    max_output_tokens: int32,
    temperature: float,
    top_p: float,
    top_k: int32,
    seed: int32,
    presence_penalty: float,
    frequency_penalty: float,
    response_logprobs: bool,
    logprobs: int32,
    response_mime_type: string,
    response_schema: message(() => SCHEMA),
    response_json_schema: any,
    response_modalities: list(string),
    enable_enhanced_civic_answers: bool,
    speech_config: struct,
    media_resolution: string,
    thinking_config: message(() => ({
      name: `${V1}.ThinkingConfig`,
      fields: { include_thoughts: bool, thinking_budget: int32, thinking_level: string },
    })),
  },
};

/** `GenerateContentRequest`, one request of a batch. */
const GENERATE_CONTENT_REQUEST: MessageSpec = {
  name: `${V1}.GenerateContentRequest`,
  fields: {
    model: string,
    contents: list(message(() => CONTENT)),
    system_instruction: message(() => CONTENT),
    tools: list(message(() => TOOL)),
    tool_config: message(() => TOOL_CONFIG),
    safety_settings: list(message(() => ({ name: `${V1}.SafetySetting`, fields: { category: string, threshold: string } }))),
    cached_content: string,
    generation_config: message(() => GENERATION_CONFIG),
  },
};

const INLINED_REQUEST: MessageSpec = {
  name: `${V1}.InlinedRequest`,
  fields: { request: message(() => GENERATE_CONTENT_REQUEST), metadata: { kind: "map", value: string } },
};

const INPUT_CONFIG: MessageSpec = {
  name: `${V1}.InputConfig`,
  fields: {
    file_name: string,
    requests: message(() => ({ name: `${V1}.InlinedRequests`, fields: { requests: list(message(() => INLINED_REQUEST)) } })),
  },
  oneofs: { source: ["file_name", "requests"] },
};

/** The body of `POST /v1beta/models/{model}:batchGenerateContent`. */
export const BATCH_GENERATE_CONTENT_REQUEST: MessageSpec = {
  name: `${V1}.BatchGenerateContentRequest`,
  fields: {
    batch: message(() => ({
      name: `${V1}.GenerateContentBatch`,
      fields: {
        name: string,
        model: string,
        display_name: string,
        input_config: message(() => INPUT_CONFIG),
        priority: int64,
        webhook_config: struct,
        // Output-only fields: accepted and ignored, as proto3 JSON parsing does.
        output: struct,
        create_time: string,
        end_time: string,
        update_time: string,
        batch_stats: struct,
        state: string,
      },
    })),
  },
};

/** One line of a batch input file. */
export const FILE_INPUT_LINE: MessageSpec = {
  name: `${V1}.GenerateContentBatchFileLine`,
  fields: { key: string, request: message(() => GENERATE_CONTENT_REQUEST), metadata: { kind: "map", value: string } },
};

/** The body of the resumable upload's `start` request. */
export const CREATE_FILE_REQUEST: MessageSpec = {
  name: `${V1}.CreateFileRequest`,
  fields: {
    file: message(() => ({
      name: `${V1}.File`,
      fields: {
        name: string,
        display_name: string,
        mime_type: string,
        size_bytes: int64,
        create_time: string,
        update_time: string,
        expiration_time: string,
        sha256_hash: bytes,
        uri: string,
        download_uri: string,
        state: string,
        source: string,
      },
    })),
  },
};

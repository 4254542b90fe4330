/**
 * Bedrock's wire types, as far as the adapter reads or writes them: the batch input record, the
 * output line, GetModelInvocationJob's answer and the job's `manifest.json.out`. (Record bodies
 * are Anthropic Messages requests and responses: see src/domain.)
 */

/** The fields of GetModelInvocationJob this reads. */
export interface BedrockJob {
  jobArn?: string;
  status?: string;
  message?: string;
  endTime?: string | number;
  lastModifiedTime?: string | number;
  successRecordCount?: number;
  errorRecordCount?: number;
}

/** `manifest.json.out`, as far as this reads it. */
export interface BedrockManifest {
  totalRecordCount?: number;
  processedRecordCount?: number;
  successRecordCount?: number;
  errorRecordCount?: number;
}

/** One line of a Bedrock batch input file. */
export interface BedrockRecord {
  recordId: string;
  modelInput: Record<string, unknown>;
}

/** One line of a Bedrock batch output file (`<input>.jsonl.out`); `modelInput` is echoed back. */
export interface BedrockOutputLine {
  recordId?: unknown;
  modelInput?: unknown;
  modelOutput?: unknown;
  error?: unknown;
}

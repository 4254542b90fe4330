/**
 * Names and S3 keys of what the gateway creates for a batch, all within what Bedrock accepts:
 * job names `[a-zA-Z0-9]` then `[a-zA-Z0-9+.-]` (≤ 63), idempotency tokens `[a-zA-Z0-9]` with
 * single hyphens (≤ 256), and S3 URIs whose key segments use only `[-!_*'().a-zA-Z0-9]`
 * (Bedrock service model: ModelInvocationJobName, ModelInvocationIdempotencyToken, S3Uri).
 */

/**
 * The job name for the `ordinal`-th job of a gateway batch.
 *
 * @example
 * jobName("msgbatch_01JD8X", 2) // "batchbridge-msgbatch-01JD8X-2"
 */
export function jobName(batchId: string, ordinal: number): string {
  const suffix = `-${ordinal}`;
  const base = `batchbridge-${batchId.replace(/[^a-zA-Z0-9+.-]/g, "-")}`;
  return `${base.slice(0, 63 - suffix.length)}${suffix}`;
}

/**
 * The `clientRequestToken` for a job: the same for a retried create, so Bedrock creates it once.
 *
 * @example
 * clientRequestToken("msgbatch_01JD8X", 2) // "batchbridge-msgbatch-01JD8X-2"
 */
export function clientRequestToken(batchId: string, ordinal: number): string {
  return `batchbridge-${batchId.replace(/[^a-zA-Z0-9]+/g, "-").replace(/^-+|-+$/g, "")}-${ordinal}`.slice(0, 256);
}

/**
 * The S3 key of a job's input file: `<prefix><batchId>/<ordinal>-<model>.jsonl`.
 *
 * @example
 * inputKey("batches/", "msgbatch_01", 1, "anthropic.claude-3-haiku-20240307-v1:0")
 * // "batches/msgbatch_01/1-anthropic.claude-3-haiku-20240307-v1_0.jsonl"
 */
export function inputKey(prefix: string, batchId: string, ordinal: number, modelId: string): string {
  const model = modelId.split("/").pop() ?? modelId;
  return `${batchFolder(prefix, batchId)}${ordinal}-${keySafe(model).slice(0, 200)}.jsonl`;
}

/**
 * The S3 folder Bedrock writes a batch's job output under.
 *
 * @example
 * outputFolder("batches/", "msgbatch_01") // "batches/msgbatch_01/output/"
 */
export function outputFolder(prefix: string, batchId: string): string {
  return `${batchFolder(prefix, batchId)}output/`;
}

/**
 * Where Bedrock writes a job's results: a folder named after the job id (the last segment of
 * its ARN) under the output URI, holding `<input file name>.out` and `manifest.json.out`
 * (batch-inference-results docs; the job-id folder as Bedrock users read it back).
 *
 * @example
 * outputKeys("batches/b/output/", "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc123def456", "batches/b/1-x.jsonl")
 * // { outputKey: "batches/b/output/abc123def456/1-x.jsonl.out", manifestKey: "batches/b/output/abc123def456/manifest.json.out" }
 */
export function outputKeys(folder: string, jobArn: string, inputObjectKey: string): { outputKey: string; manifestKey: string } {
  const jobFolder = `${folder}${jobArn.split("/").pop() ?? jobArn}/`;
  return { outputKey: `${jobFolder}${inputObjectKey.split("/").pop() ?? inputObjectKey}.out`, manifestKey: `${jobFolder}manifest.json.out` };
}

/**
 * `s3://bucket/key`.
 *
 * @example
 * s3Uri("b", "batches/x.jsonl") // "s3://b/batches/x.jsonl"
 */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/**
 * Splits `s3://bucket/key`; `null` when it is not one.
 *
 * @example
 * parseS3Uri("s3://b/batches/x.jsonl") // { bucket: "b", key: "batches/x.jsonl" }
 */
export function parseS3Uri(uri: string): { bucket: string; key: string } | null {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  return match ? { bucket: match[1] ?? "", key: match[2] ?? "" } : null;
}

function batchFolder(prefix: string, batchId: string): string {
  return `${prefix}${keySafe(batchId)}/`;
}

function keySafe(value: string): string {
  return value.replace(/[^-!_*'().a-zA-Z0-9]/g, "_");
}

/**
 * Input validation worded the way AWS's Coral services word it:
 * "1 validation error detected: Value 'x' at 'jobName' failed to satisfy constraint: Member must
 * satisfy regular expression pattern: …". Constraints (patterns, lengths, ranges, enums) are the
 * Bedrock service model's (botocore `data/bedrock/2023-04-20/service-2.json`), matched against the
 * whole value.
 */

export interface StringConstraint {
  min?: number;
  max?: number;
  pattern?: string;
  enum?: readonly string[];
}

/** Collects constraint violations for one request. */
export interface Violations {
  messages: string[];
}

/**
 * Checks a required or optional string member; records what is wrong with it.
 *
 * @example
 * checkString(violations, "jobName", body.jobName, JOB_NAME, true);
 */
export function checkString(violations: Violations, path: string, value: unknown, constraint: StringConstraint, required: boolean): void {
  if (value === undefined || value === null) {
    if (required) violations.messages.push(`Value null at '${path}' failed to satisfy constraint: Member must not be null`);
    return;
  }
  if (typeof value !== "string") {
    violations.messages.push(`Value '${JSON.stringify(value)}' at '${path}' failed to satisfy constraint: Member must be a string`);
    return;
  }
  const shown = `Value '${value}' at '${path}' failed to satisfy constraint: Member must`;
  if (constraint.min !== undefined && value.length < constraint.min) {
    violations.messages.push(`${shown} have length greater than or equal to ${constraint.min}`);
  }
  if (constraint.max !== undefined && value.length > constraint.max) {
    violations.messages.push(`${shown} have length less than or equal to ${constraint.max}`);
  }
  if (constraint.pattern !== undefined && !new RegExp(`^(?:${constraint.pattern})$`).test(value)) {
    violations.messages.push(`${shown} satisfy regular expression pattern: ${constraint.pattern}`);
  }
  if (constraint.enum !== undefined && !constraint.enum.includes(value)) {
    violations.messages.push(`${shown} satisfy enum value set: [${constraint.enum.join(", ")}]`);
  }
}

/**
 * Checks an optional integer member's range.
 *
 * @example
 * checkInteger(violations, "timeoutDurationInHours", body.timeoutDurationInHours, 24, 168);
 */
export function checkInteger(violations: Violations, path: string, value: unknown, min: number, max: number): void {
  if (value === undefined || value === null) return;
  if (!Number.isInteger(value)) {
    violations.messages.push(`Value '${JSON.stringify(value)}' at '${path}' failed to satisfy constraint: Member must be an integer`);
    return;
  }
  const number = value as number;
  if (number < min) violations.messages.push(`Value '${number}' at '${path}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`);
  if (number > max) violations.messages.push(`Value '${number}' at '${path}' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
}

/**
 * The message for what `violations` collected, or `null` when there is nothing.
 *
 * @example
 * const message = violationMessage(violations); // "2 validation errors detected: …; …"
 */
export function violationMessage(violations: Violations): string | null {
  const count = violations.messages.length;
  if (count === 0) return null;
  return `${count} validation error${count === 1 ? "" : "s"} detected: ${violations.messages.join("; ")}`;
}

// ─── Constraints from the Bedrock service model ─────────────────────────────────────────────

export const JOB_NAME: StringConstraint = { min: 1, max: 63, pattern: "[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\\+\\-\\.]){0,63}" };
export const ROLE_ARN: StringConstraint = { min: 0, max: 2048, pattern: "arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+" };
export const IDEMPOTENCY_TOKEN: StringConstraint = { min: 1, max: 256, pattern: "[a-zA-Z0-9]{1,256}(-*[a-zA-Z0-9]){0,256}" };
/**
 * `ModelId` from the 2023-04-20 model, widened to inference-profile and provisioned-model ARNs,
 * which batch inference accepts in current docs ("model ID or inference profile ARN",
 * docs.aws.amazon.com/bedrock/latest/userguide/batch-inference-create.html).
 */
export const MODEL_ID: StringConstraint = {
  min: 1,
  max: 2048,
  pattern:
    "(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(([0-9]{12}:custom-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-:]{1,63}/[a-z0-9]{12})|(:foundation-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63})|([0-9]{12}:(application-)?inference-profile/[a-zA-Z0-9-:.]+)|([0-9]{12}:provisioned-model/[a-z0-9]{12})))" +
    "|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})|(([0-9a-zA-Z][_-]?)+)",
};
export const S3_URI: StringConstraint = {
  min: 1,
  max: 1024,
  pattern: "s3://[a-z0-9][-.a-z0-9]{1,61}(?:/[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?",
};
export const S3_INPUT_FORMAT: StringConstraint = { enum: ["JSONL"] };
export const INVOCATION_TYPE: StringConstraint = { enum: ["InvokeModel", "Converse"] };
export const JOB_IDENTIFIER: StringConstraint = {
  min: 0,
  max: 1011,
  pattern: "((arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:model-invocation-job/)?[a-z0-9]{12})",
};
export const JOB_STATUS: StringConstraint = {
  enum: ["Submitted", "InProgress", "Completed", "Failed", "Stopping", "Stopped", "PartiallyCompleted", "Expired", "Validating", "Scheduled"],
};
export const SORT_ORDER: StringConstraint = { enum: ["Ascending", "Descending"] };
export const SORT_BY: StringConstraint = { enum: ["CreationTime"] };

/**
 * The fake's proto3-JSON reader: Google parses a request body against the method's protobuf
 * messages before anything else, so an unknown field or a value of the wrong type fails the
 * whole call with "Invalid JSON payload received…". Field names are accepted in lowerCamelCase
 * and snake_case (reference: "requests accept lowerCamelCase and snake_case"); paths in error
 * messages use the proto (snake_case) names, `[i]` for list items and `[i].value` for map
 * entries, as in Google's message "Unknown name \"additionalProperties\" at
 * 'tools[0].function_declarations[0].parameters.properties[0].value': Cannot find field."
 * A field set to `null` is refused as an invalid value (see docs/sources/gemini.md § Gemini
 * refuses null); inside a Struct or a Value (function args and responses, JSON schemas) null is
 * a value like any other.
 */
import type { FieldViolation } from "./http.ts";

/** The JSON form a field takes. */
export type FieldType =
  | { kind: "string" }
  | { kind: "bool" }
  | { kind: "number"; proto: "TYPE_INT32" | "TYPE_INT64" | "TYPE_FLOAT" | "TYPE_DOUBLE" }
  | { kind: "bytes" }
  | { kind: "any" }
  | { kind: "struct" }
  | { kind: "enum"; name: string; values: readonly string[]; caseInsensitive?: boolean }
  | { kind: "message"; message: () => MessageSpec }
  | { kind: "repeated"; item: FieldType }
  | { kind: "map"; value: FieldType };

/** A protobuf message, as far as JSON parsing needs it. */
export interface MessageSpec {
  /** Full proto name, for "Invalid value" messages. */
  name: string;
  /** Fields by proto (snake_case) name. */
  fields: Record<string, FieldType>;
  /** Oneof groups: at most one of these fields may be set. */
  oneofs?: Record<string, readonly string[]>;
}

/**
 * Every problem in `value` read as `spec`, with paths under `path` (an empty path means the
 * message is the request body itself).
 *
 * @example
 * const violations = readMessage(body, GENERATE_CONTENT_REQUEST, "");
 * if (violations.length) return badRequest(violations);
 */
export function readMessage(value: unknown, spec: MessageSpec, path: string): FieldViolation[] {
  const violations: FieldViolation[] = [];
  checkMessage(value, spec, path, violations);
  return violations;
}

/**
 * The value of a field under either of its JSON names.
 *
 * @example
 * field(batch, "display_name") // batch.display_name ?? batch.displayName
 */
export function field(object: unknown, protoName: string): unknown {
  if (!isRecord(object)) return undefined;
  return object[protoName] ?? object[camel(protoName)];
}

function checkMessage(value: unknown, spec: MessageSpec, path: string, violations: FieldViolation[]): void {
  if (!isRecord(value)) {
    invalid(path, `type.googleapis.com/${spec.name}`, value, violations);
    return;
  }
  const setOneofs = new Map<string, string>();
  for (const [jsonName, fieldValue] of Object.entries(value)) {
    const protoName = snake(jsonName);
    const type = spec.fields[protoName];
    if (!type) {
      const description = path
        ? `Invalid JSON payload received. Unknown name "${jsonName}" at '${path}': Cannot find field.`
        : `Invalid JSON payload received. Unknown name "${jsonName}": Cannot find field.`;
      violations.push({ field: path, description });
      continue;
    }
    if (fieldValue === null) {
      invalid(join(path, protoName), typeNameOf(type), null, violations);
      continue;
    }
    for (const [oneof, members] of Object.entries(spec.oneofs ?? {})) {
      if (!members.includes(protoName)) continue;
      const already = setOneofs.get(oneof);
      if (already !== undefined) {
        violations.push({
          field: join(path, oneof),
          description: `Invalid JSON payload received. Oneof field '${oneof}' is already set. Cannot set '${jsonName}'`,
        });
      }
      setOneofs.set(oneof, jsonName);
    }
    checkValue(fieldValue, type, join(path, protoName), violations);
  }
}

function checkValue(value: unknown, type: FieldType, path: string, violations: FieldViolation[]): void {
  switch (type.kind) {
    case "string":
      if (typeof value !== "string") invalid(path, "TYPE_STRING", value, violations);
      return;
    case "bool":
      if (typeof value !== "boolean") invalid(path, "TYPE_BOOL", value, violations);
      return;
    case "number": {
      const ok = typeof value === "number" || (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)));
      const integral = type.proto === "TYPE_INT32" || type.proto === "TYPE_INT64";
      if (!ok || (integral && !Number.isInteger(Number(value)))) invalid(path, type.proto, value, violations);
      return;
    }
    case "bytes":
      if (typeof value !== "string" || !isBase64(value)) {
        violations.push({
          field: path,
          description: `Invalid value at '${path}' (TYPE_BYTES), Base64 decoding failed for ${JSON.stringify(String(value).slice(0, 40))}`,
        });
      }
      return;
    case "any":
      return;
    case "struct":
      if (!isRecord(value)) invalid(path, "type.googleapis.com/google.protobuf.Struct", value, violations);
      return;
    case "enum": {
      const name = typeof value === "string" ? (type.caseInsensitive ? value.toUpperCase() : value) : "";
      if (!type.values.includes(name)) invalid(path, `type.googleapis.com/${type.name}`, value, violations);
      return;
    }
    case "message":
      checkMessage(value, type.message(), path, violations);
      return;
    case "repeated":
      if (!Array.isArray(value)) {
        checkValue(value, type.item, path, violations);
        return;
      }
      value.forEach((item, index) => checkValue(item, type.item, `${path}[${index}]`, violations));
      return;
    case "map":
      if (!isRecord(value)) {
        invalid(path, "map", value, violations);
        return;
      }
      Object.values(value).forEach((item, index) => checkValue(item, type.value, `${path}[${index}].value`, violations));
      return;
  }
}

function typeNameOf(type: FieldType): string {
  switch (type.kind) {
    case "string":
      return "TYPE_STRING";
    case "bool":
      return "TYPE_BOOL";
    case "number":
      return type.proto;
    case "bytes":
      return "TYPE_BYTES";
    case "any":
      return "type.googleapis.com/google.protobuf.Value";
    case "struct":
      return "type.googleapis.com/google.protobuf.Struct";
    case "enum":
      return `type.googleapis.com/${type.name}`;
    case "message":
      return `type.googleapis.com/${type.message().name}`;
    case "repeated":
      return typeNameOf(type.item);
    case "map":
      return "map";
  }
}

function invalid(path: string, typeName: string, value: unknown, violations: FieldViolation[]): void {
  violations.push({ field: path, description: `Invalid value at '${path}' (${typeName}), ${JSON.stringify(value)}` });
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

// Name conversions run for every field of every request: remembered, they cost a lookup.
const snakeNames = new Map<string, string>();
const camelNames = new Map<string, string>();

function snake(name: string): string {
  let converted = snakeNames.get(name);
  if (converted === undefined) {
    converted = name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    if (snakeNames.size < 10_000) snakeNames.set(name, converted);
  }
  return converted;
}

function camel(name: string): string {
  let converted = camelNames.get(name);
  if (converted === undefined) {
    converted = name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
    camelNames.set(name, converted);
  }
  return converted;
}

function isBase64(text: string): boolean {
  return /^[A-Za-z0-9+/_-]*={0,2}$/.test(text) && text.replace(/=+$/, "").length % 4 !== 1;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

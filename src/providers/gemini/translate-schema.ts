/**
 * A tool's JSON Schema (`input_schema`) as Gemini's `Schema`, the OpenAPI 3.0 subset that
 * `functionDeclarations[].parameters` takes.
 *
 * What Gemini accepts is taken from js-genai `_transformers.ts` (`supportedJsonSchemaFields`,
 * `processJsonSchema`): type, format, description, enum, items, minItems, maxItems,
 * properties, required, minProperties, maxProperties, minimum, maximum, minLength, maxLength,
 * pattern, anyOf, propertyOrdering, with `nullable` for null. Type names are upper case; a
 * type list or an `anyOf` with `null` becomes `nullable`; `additionalProperties` is not sent
 * (the SDK drops it too, and the API answers `Unknown name "additionalProperties"`).
 *
 * Annotations that do not constrain the arguments ($schema, $id, $comment, $defs, title,
 * default, examples, deprecated, readOnly, writeOnly, contentMediaType, contentEncoding, and
 * `x-` extensions) are left out: js-genai notes `title` and `default` are "not supported for
 * Gemini API". A `format` Gemini cannot take (it takes date-time on strings, float and double on
 * numbers, int32 and int64 on integers) is left out too, its meaning kept in the description:
 * a `{"type": "string", "format": "uri"}` (common in MCP tools) is refused with "only 'enum'
 * and 'date-time' are supported for STRING type" (see docs/sources/gemini.md § Gemini's
 * function schema takes few formats). Every other keyword ($ref, oneOf, allOf, not,
 * const other than a string, exclusiveMinimum, uniqueItems, …) changes what arguments are
 * valid and has no Gemini equivalent, so it is refused with its path rather than dropped.
 *
 * `parametersJsonSchema` (full JSON Schema, newer) would avoid the conversion, but which
 * models honour it is not documented; `parameters` works on every model.
 */
import { GatewayError } from "../../lib/errors";
import type { GeminiSchema } from "./wire";
import { withoutNulls } from "./without-nulls";
import { isRecord } from "../../lib/is-record";
import { PROVIDER } from "./client";

const PASSED = new Set([
  "description",
  "minItems",
  "maxItems",
  "required",
  "minProperties",
  "maxProperties",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "pattern",
  "propertyOrdering",
  "nullable",
]);

const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "$comment",
  "$defs",
  "definitions",
  "title",
  "default",
  "examples",
  "example",
  "deprecated",
  "readOnly",
  "writeOnly",
  "contentMediaType",
  "contentEncoding",
]);

/** The formats Gemini's function schema takes, by (upper-case) type. */
const FORMATS: Record<string, readonly string[]> = {
  STRING: ["date-time"],
  NUMBER: ["float", "double"],
  INTEGER: ["int32", "int64"],
};

function isAnnotation(key: string): boolean {
  return ANNOTATIONS.has(key) || key.startsWith("x-");
}

const TYPES = new Set(["string", "number", "integer", "boolean", "array", "object"]);

/**
 * The `parameters` of a function declaration, or `undefined` for a tool without parameters
 * (Gemini rejects an OBJECT with no properties: "properties: should be non-empty for OBJECT
 * type"; the API reference says to leave `parameters` unset instead).
 *
 * @example
 * toGeminiParameters({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }, "params.tools.0.input_schema")
 * // { type: "OBJECT", properties: { city: { type: "STRING" } }, required: ["city"] }
 */
export function toGeminiParameters(schema: unknown, path: string): GeminiSchema | undefined {
  const record = asSchema(schema, path);
  const properties = record.properties;
  if (properties === undefined || (isRecord(properties) && Object.keys(properties).length === 0)) {
    for (const key of Object.keys(record)) {
      if (!["type", "properties", "required", "additionalProperties", "description"].includes(key) && !isAnnotation(key)) {
        throw GatewayError.unsupported(PROVIDER, `${path}.${key}`, "applies to a tool without parameters, which Gemini cannot declare");
      }
    }
    return undefined;
  }
  // Anthropic's input_schema is always an object, even when it leaves `type` out.
  return toGeminiSchema(record.type === undefined ? { type: "object", ...record } : record, path);
}

/**
 * One JSON Schema node as a Gemini `Schema` node, recursively.
 *
 * @example
 * toGeminiSchema({ type: ["string", "null"], enum: ["a", "b"] }, "x") // { type: "STRING", nullable: true, enum: ["a", "b"] }
 */
export function toGeminiSchema(schema: unknown, path: string): GeminiSchema {
  let node = asSchema(schema, path);
  const out: GeminiSchema = {};

  // {anyOf: [X, {type: "null"}]} is how JSON Schema spells "nullable X" (js-genai collapses it too).
  const anyOf = node.anyOf;
  if (Array.isArray(anyOf) && anyOf.length === 2 && Object.keys(node).every((key) => key === "anyOf" || isAnnotation(key) || key === "description")) {
    const other = anyOf.find((member) => !isNullType(member));
    if (other !== undefined && anyOf.some(isNullType)) {
      out.nullable = true;
      if (typeof node.description === "string") out.description = node.description;
      node = asSchema(other, `${path}.anyOf.${anyOf.indexOf(other)}`);
    }
  }

  for (const [key, value] of Object.entries(node)) {
    const at = `${path}.${key}`;
    if (isAnnotation(key)) continue;
    if (key === "type") Object.assign(out, typeOf(value, at));
    else if (key === "properties") out.properties = propertiesOf(value, at);
    else if (key === "items") out.items = toGeminiSchema(Array.isArray(value) ? refuse(at, "is a tuple, which Gemini's function schema cannot express") : value, at);
    else if (key === "anyOf") Object.assign(out, anyOfOf(value, at, out));
    else if (key === "enum") out.enum = enumOf(value, at);
    else if (key === "const") out.enum = [typeof value === "string" ? value : refuse(at, "is not a string, and Gemini's function schema has only string enums")];
    else if (key === "format") {
      if (typeof value !== "string") throw GatewayError.invalid(`${at}: must be a string`);
    } else if (key === "additionalProperties") {
      if (typeof value !== "boolean") refuse(at, "is a schema (an open map), which Gemini's function schema cannot express");
    } else if (PASSED.has(key)) out[key] = value;
    else refuse(at, "has no equivalent in Gemini's function schema");
  }
  if (out.enum !== undefined && out.type === undefined) out.type = "STRING";
  const format = node.format;
  if (typeof format === "string") {
    if (typeof out.type === "string" && FORMATS[out.type]?.includes(format)) out.format = format;
    else out.description = typeof out.description === "string" && out.description !== "" ? `${out.description} (format: ${format})` : `format: ${format}`;
  }
  if (out.enum !== undefined && out.type !== "STRING") refuse(`${path}.enum`, "is on a type other than string, and Gemini's function schema has only string enums");
  // Gemini answers these with "properties: should be non-empty for OBJECT type" and
  // "items: missing field": it has no "any object" or "any array".
  if (out.type === "OBJECT" && (out.properties === undefined || Object.keys(out.properties as object).length === 0)) {
    refuse(path, "is an object without properties (any object), which Gemini's function schema cannot express");
  }
  if (out.type === "ARRAY" && out.items === undefined) {
    refuse(path, "is an array without items (any array), which Gemini's function schema cannot express");
  }
  return out;
}

function typeOf(value: unknown, at: string): GeminiSchema {
  const names = Array.isArray(value) ? value : [value];
  if (names.some((name) => typeof name !== "string" || (name !== "null" && !TYPES.has(name)))) {
    refuse(at, `names a type Gemini's function schema does not have (${JSON.stringify(value)})`);
  }
  const nonNull = (names as string[]).filter((name) => name !== "null");
  const out: GeminiSchema = {};
  if (nonNull.length !== names.length) out.nullable = true;
  if (nonNull.length === 0) refuse(at, "allows only null, which Gemini's function schema cannot express");
  if (nonNull.length === 1) out.type = nonNull[0]!.toUpperCase();
  else out.anyOf = nonNull.map((name) => ({ type: name.toUpperCase() }));
  return out;
}

function propertiesOf(value: unknown, at: string): Record<string, GeminiSchema> {
  if (!isRecord(value)) throw GatewayError.invalid(`${at}: must be an object of schemas`);
  const out: Record<string, GeminiSchema> = {};
  for (const [name, property] of Object.entries(value)) out[name] = toGeminiSchema(property, `${at}.${name}`);
  return out;
}

function anyOfOf(value: unknown, at: string, current: GeminiSchema): GeminiSchema {
  if (!Array.isArray(value) || value.length === 0) throw GatewayError.invalid(`${at}: must be a non-empty array of schemas`);
  const out: GeminiSchema = {};
  const members = value.filter((member) => !isNullType(member));
  if (members.length !== value.length || current.nullable === true) out.nullable = true;
  out.anyOf = members.map((member) => toGeminiSchema(member, `${at}.${value.indexOf(member)}`));
  return out;
}

function enumOf(value: unknown, at: string): string[] {
  if (!Array.isArray(value)) throw GatewayError.invalid(`${at}: must be an array`);
  return value.map((item) => (typeof item === "string" ? item : refuse(at, "has a value that is not a string, and Gemini's function schema has only string enums")));
}

function isNullType(member: unknown): boolean {
  return isRecord(member) && member.type === "null" && Object.keys(member).length === 1;
}

function asSchema(schema: unknown, path: string): Record<string, unknown> {
  if (!isRecord(schema)) throw GatewayError.invalid(`${path}: must be a JSON Schema object`);
  // A null keyword is absent (Gemini refuses null), but `const: null` is a constraint.
  const { const: constant, ...rest } = schema;
  const present = withoutNulls(rest);
  return "const" in schema ? { ...present, const: constant } : present;
}

function refuse(at: string, why: string): never {
  throw GatewayError.unsupported(PROVIDER, at, why);
}

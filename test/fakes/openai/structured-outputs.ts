/**
 * `response_format` as OpenAI checks it, and the JSON the simulated model answers with.
 *
 * Shapes: openai-node `ResponseFormatJSONSchema` (`{type: "json_schema", json_schema: {name,
 * description?, schema?, strict?}}`, the name `^[a-zA-Z0-9_-]+$`, at most 64 characters).
 * Strict mode: every object sets `additionalProperties: false` and lists every property in
 * `required`, the root is an object, and some keywords are not permitted; the error bodies
 * ("Invalid schema for response_format '<name>': In context=(...), ...", `param:
 * "response_format"`, `code: null`) are as users report them. See docs/sources/openai.md
 * § Structured outputs: response_format json_schema and strict mode. The wording for a
 * forbidden keyword and for a non-object root is unconfirmed (same style).
 */
import { type OpenAIError, invalidType, invalidValue, missingParameter, record, unknownParameter } from "./http.ts";

const NAME = /^[a-zA-Z0-9_-]+$/;
const MAX_NAME = 64;

/** Keywords strict mode refuses (OpenAI's "Supported schemas" list leaves them out). */
const NOT_PERMITTED = [
  "allOf",
  "not",
  "if",
  "then",
  "else",
  "dependentRequired",
  "dependentSchemas",
  "patternProperties",
  "unevaluatedProperties",
  "unevaluatedItems",
  "propertyNames",
  "contains",
  "minContains",
  "maxContains",
];

/** Models older than structured outputs (gpt-3.5, gpt-4 and gpt-4-turbo, o1-mini, o1-preview). */
const NO_JSON_SCHEMA = /^(gpt-3\.5|gpt-4(-|$)|o1-mini|o1-preview)/;

/**
 * The error OpenAI answers for this `response_format`, or `null`.
 *
 * @example
 * checkResponseFormat({ type: "json_schema", json_schema: { name: "x", schema: { type: "object" }, strict: true } }, "gpt-4o")
 * // { message: "Invalid schema for response_format 'x': In context=(), 'additionalProperties' is required to be supplied and to be false.", … }
 */
export function checkResponseFormat(raw: unknown, baseModel: string): OpenAIError | null {
  if (raw === undefined || raw === null) return null;
  const format = record(raw);
  if (!format) return invalidType("response_format", "an object", raw);
  const types = ["text", "json_object", "json_schema"];
  if (format.type === undefined) return missingParameter("response_format.type");
  if (!types.includes(format.type as string)) return invalidValue("response_format.type", format.type, types);
  const keys = format.type === "json_schema" ? ["type", "json_schema"] : ["type"];
  for (const key of Object.keys(format)) if (!keys.includes(key)) return unknownParameter(`response_format.${key}`);
  if (format.type !== "json_schema") return null;

  const spec = record(format.json_schema);
  if (!spec) return format.json_schema === undefined ? missingParameter("response_format.json_schema") : invalidType("response_format.json_schema", "an object", format.json_schema);
  const path = "response_format.json_schema";
  for (const key of Object.keys(spec)) {
    if (!["name", "description", "schema", "strict"].includes(key)) return unknownParameter(`${path}.${key}`);
  }
  if (spec.name === undefined) return missingParameter(`${path}.name`);
  if (typeof spec.name !== "string") return invalidType(`${path}.name`, "a string", spec.name);
  if (spec.name.length > MAX_NAME) {
    return {
      message: `Invalid '${path}.name': string too long. Expected a string with maximum length ${MAX_NAME}, but got a string with length ${spec.name.length} instead.`,
      param: `${path}.name`,
      code: "string_above_max_length",
    };
  }
  if (!NAME.test(spec.name)) {
    return {
      message: `Invalid '${path}.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
      param: `${path}.name`,
      code: "invalid_value",
    };
  }
  if (spec.schema !== undefined && !record(spec.schema)) return invalidType(`${path}.schema`, "an object", spec.schema);
  if (spec.strict !== undefined && spec.strict !== null && typeof spec.strict !== "boolean") return invalidType(`${path}.strict`, "a boolean", spec.strict);
  if (NO_JSON_SCHEMA.test(baseModel)) {
    return { message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", param: "response_format", code: null };
  }
  if (spec.strict !== true) return null;
  const schema = record(spec.schema) ?? {};
  const schemaError = (message: string): OpenAIError => ({
    message: `Invalid schema for response_format '${spec.name as string}': ${message}`,
    param: "response_format",
    code: null,
  });
  if (schema.type !== "object") return schemaError(`schema must be a JSON Schema of 'type: "object"', got 'type: "${String(schema.type)}"'.`);
  const problem = strictProblem(schema, []);
  return problem ? schemaError(problem) : null;
}

// Depth first, in the schema's own order: the node itself, then its properties, items,
// alternatives and definitions.
function strictProblem(node: Record<string, unknown>, context: string[]): string | null {
  const where = `In context=${tuple(context)}, `;
  for (const keyword of NOT_PERMITTED) {
    if (keyword in node) return `${where}'${keyword}' is not permitted.`;
  }
  const properties = record(node.properties);
  if (node.type === "object" || properties) {
    if (node.additionalProperties !== false) return `${where}'additionalProperties' is required to be supplied and to be false.`;
    const required = Array.isArray(node.required) ? node.required : [];
    const missing = Object.keys(properties ?? {}).find((key) => !required.includes(key));
    if (missing !== undefined) {
      return `${where}'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`;
    }
  }
  for (const [key, child] of Object.entries(properties ?? {})) {
    const problem = childProblem(child, [...context, "properties", key]);
    if (problem) return problem;
  }
  const items = record(node.items);
  if (items) {
    const problem = strictProblem(items, [...context, "items"]);
    if (problem) return problem;
  }
  for (const group of ["anyOf", "$defs", "definitions"]) {
    const value = node[group];
    const entries = Array.isArray(value) ? value.map((child, index) => [String(index), child] as const) : Object.entries(record(value) ?? {});
    for (const [key, child] of entries) {
      const problem = childProblem(child, [...context, group, key]);
      if (problem) return problem;
    }
  }
  return null;
}

function childProblem(child: unknown, context: string[]): string | null {
  const node = record(child);
  return node ? strictProblem(node, context) : null;
}

/** Python's repr of a tuple of strings, as OpenAI's messages quote the context. */
function tuple(parts: string[]): string {
  if (parts.length === 0) return "()";
  const quoted = parts.map((part) => `'${part}'`);
  return parts.length === 1 ? `(${quoted[0]},)` : `(${quoted.join(", ")})`;
}

/**
 * A value matching `schema`, as the simulated model writes it: strings are `text`, numbers
 * `count`, booleans true, arrays one item, objects every property, the first of any `enum`,
 * `anyOf` or type list.
 *
 * @example
 * instanceOf({ type: "object", properties: { a: { type: "string" } } }, "echo: hi", 2) // { a: "echo: hi" }
 */
export function instanceOf(schema: unknown, text: string, count: number, root: unknown = schema, depth = 0): unknown {
  const node = record(schema);
  if (!node || depth > 16) return text;
  if (typeof node.$ref === "string") return instanceOf(resolveRef(node.$ref, root), text, count, root, depth + 1);
  if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum[0];
  if ("const" in node) return node.const;
  const alternatives = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : null;
  if (alternatives && alternatives.length > 0) return instanceOf(alternatives[0], text, count, root, depth + 1);
  const type = Array.isArray(node.type) ? (node.type.find((t) => t !== "null") ?? "null") : node.type;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(record(node.properties) ?? {})) out[key] = instanceOf(child, text, count, root, depth + 1);
      return out;
    }
    case "array":
      return [instanceOf(node.items, text, count, root, depth + 1)];
    case "integer":
    case "number":
      return count;
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return text;
  }
}

function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split("/")) node = record(node)?.[part];
  return node;
}

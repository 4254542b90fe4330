/**
 * Imported for its effect by every module that validates with `zod/mini`: gives zod/mini the
 * English messages classic zod sets up by itself on its first schema, so that every message and
 * every parse is the same as classic zod's. zod/mini ships no locale (its issues would all say
 * "Invalid input"). Classic zod also installs zod's memoizer, which only matters to recursive
 * schemas (for any other it takes itself out on the first parse: node_modules/zod/v4/core/memoizer.js,
 * `attach`); the Worker has none, so it is left out. zod/mini instead of classic zod keeps
 * classic's methods, the schema types not used and the JSON Schema code out of the bundle
 * (see docs/sources/zod.md § zod/mini needs English set up by hand).
 *
 * The messages are those of zod's English locale (node_modules/zod/v4/locales/en.js), for the
 * issues the gateway's schemas can raise: it has no string formats (email, UUID, dates, …), no
 * file, set or map, and no prefix, suffix or substring check, so the locale's tables for those
 * (most of its size) are left out; every message it can give is the locale's own, word for
 * word (test/unit/lib/zod-english.test.ts compares them, issue by issue). A schema that uses one
 * of those checks must pass its own message (as `custom_id`'s regex does), or import the whole
 * locale again (see docs/sources/zod.md § English for the checks used).
 *
 * @example
 * import * as z from "zod/mini";
 * import "../lib/zod-english";
 * z.string().check(z.minLength(1)).safeParse("").error?.issues[0]?.message; // "Too small: expected string to have >=1 characters"
 */
import { config } from "zod/mini";
import type { $ZodIssue, $ZodRawIssue } from "zod/v4/core";

// zod's `util` namespace cannot be imported without bundling all of it (see
// docs/sources/zod.md § `z.coerce` is kept whole), so its three helpers the locale uses are
// restated here, as they are in node_modules/zod/v4/core/util.js.

/** A value's type as the locale names it: zod's `util.parsedType`, then the locale's `getTypeName`. */
function receivedType(input: unknown): string {
  if (typeof input === "number") return Number.isNaN(input) ? "NaN" : Number.isFinite(input) ? "number" : String(input);
  if (typeof input === "object" && input !== null) {
    if (Array.isArray(input)) return "array";
    if (Object.getPrototypeOf(input) !== Object.prototype && "constructor" in input && input.constructor) return (input.constructor as { name: string }).name;
  }
  return input === null ? "null" : typeof input;
}

/** zod's `util.stringifyPrimitive`: strings quoted, bigints with their `n`. */
function primitive(value: unknown): string {
  return typeof value === "bigint" ? `${value}n` : typeof value === "string" ? `"${value}"` : `${String(value)}`;
}

/** The sized inputs of these schemas, and the unit the locale counts them in. */
const UNITS: Record<string, string> = { string: "characters", array: "items" };

/**
 * zod's English message for one issue.
 *
 * @example
 * english({ code: "too_small", origin: "number", minimum: 0, inclusive: true, input: -1, path: [] }) // "Too small: expected number to be >=0"
 */
export function english(issue: $ZodRawIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `Invalid input: expected ${issue.expected === "nan" ? "NaN" : issue.expected}, received ${receivedType(issue.input)}`;
    case "invalid_value":
      if (issue.values.length === 1) return `Invalid input: expected ${primitive(issue.values[0])}`;
      return `Invalid option: expected one of ${issue.values.map(primitive).join("|")}`;
    case "too_big": {
      const adj = issue.exact ? "exactly " : issue.inclusive ? "<=" : "<";
      const unit = UNITS[issue.origin];
      if (unit) return `Too big: expected ${issue.origin ?? "value"} to have ${adj}${issue.maximum.toString()} ${unit}`;
      return `Too big: expected ${issue.origin ?? "value"} to be ${adj}${issue.maximum.toString()}`;
    }
    case "too_small": {
      const adj = issue.exact ? "exactly " : issue.inclusive ? ">=" : ">";
      const unit = UNITS[issue.origin];
      if (unit) return `Too small: expected ${issue.origin} to have ${adj}${issue.minimum.toString()} ${unit}`;
      return `Too small: expected ${issue.origin} to be ${adj}${issue.minimum.toString()}`;
    }
    case "invalid_format":
      // Only `regex` among the formats: see above.
      if (issue.format === "regex") return `Invalid string: must match pattern ${issue.pattern}`;
      return `Invalid ${issue.format}`;
    case "not_multiple_of":
      return `Invalid number: must be a multiple of ${issue.divisor}`;
    case "unrecognized_keys":
      return `Unrecognized key${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.map(primitive).join(", ")}`;
    case "invalid_key":
      return `Invalid key in ${issue.origin}`;
    case "invalid_union":
      if (issue.options && Array.isArray(issue.options) && issue.options.length > 0) {
        return `Invalid discriminator value. Expected ${issue.options.map((option) => `'${String(option)}'`).join(" | ")}`;
      }
      return issue.inclusive === false ? "Invalid input: more than one option matched" : "Invalid input";
    case "invalid_element":
      return `Invalid value in ${issue.origin}`;
    default:
      return "Invalid input";
  }
}

// Only when none is set, as classic zod does (node_modules/zod/v4/classic/schemas.js): a
// locale set elsewhere first wins.
if (!config().localeError) config({ localeError: english as (issue: $ZodIssue | $ZodRawIssue) => string });

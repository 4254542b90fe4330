/**
 * Whether a parsed JSON value is an object (not null, not an array): the one test every
 * translator and reader uses before reading fields off untyped JSON.
 *
 * @example
 * isRecord({ a: 1 }) // true
 * isRecord([1])      // false
 * isRecord(null)     // false
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `z.coerce.number()` of zod/mini without the rest of `z.coerce`: `z.coerce` is a namespace
 * inside a namespace, which esbuild keeps whole (its string, boolean, bigint and date schemas
 * too, 1.3 KiB of the bundle) once any member is used. This is the very call
 * `z.coerce.number(params)` makes (node_modules/zod/v4/mini/coerce.js), so schemas and
 * messages are the same (see docs/sources/zod.md § `z.coerce` is kept whole).
 */
import * as z from "zod/mini";
import { _coercedNumber } from "zod/v4/core";

/**
 * @example
 * coerceNumber().check(z.int()).parse("20") // 20
 */
export function coerceNumber(params?: Parameters<typeof z.number>[0]): z.ZodMiniNumber<unknown> {
  return _coercedNumber(z.ZodMiniNumber, params);
}

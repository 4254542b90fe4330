/**
 * The routes validate with zod/mini schemas (../schemas.ts, ../admin.ts), which have none of
 * classic zod's methods; the document adds descriptions to them and extends them with these,
 * which do what classic zod's `.meta()`, `.extend()` and `.omit()` do (the same zod core
 * functions), so the document is the same whichever build a schema comes from.
 */
import * as z from "zod";
import { extend, omit } from "zod/mini";

/**
 * A copy of `schema` with `meta` in zod's global registry (where zod-openapi reads
 * descriptions, examples and ids): classic zod's `schema.meta(meta)`.
 *
 * @example
 * withMeta(listQuery.shape.before_id, { description: "The page of items just before this ID" })
 */
export function withMeta<T extends z.core.$ZodType>(schema: T, meta: z.core.GlobalMeta): T {
  const copy = z.core.clone(schema);
  z.globalRegistry.add(copy, meta);
  return copy;
}

/**
 * classic zod's `schema.extend(shape)` and `schema.omit(mask)`, for zod/mini objects.
 *
 * @example
 * const pageQuery = extendObject(listQuery, { limit: withMeta(listQuery.shape.limit, { description: "Items per page" }) });
 */
export { extend as extendObject, omit as omitKeys };

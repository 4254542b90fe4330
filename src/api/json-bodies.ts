/** Hot answers' JSON bodies, kept beside the records they render (and `c.json`'s response for them). */
import type { Context } from "hono";

/**
 * JSON bodies serialized once per record object. The services answer hot reads (a files list
 * page, a batch) from records this isolate keeps for a moment (see the README's § Security,
 * "Caches"), handing back the very same object each time; its body is then the same string
 * too, so it is kept beside the object (weakly: it goes when the object goes) instead of being
 * rebuilt and re-serialized on every request. A record read afresh is a new object and gets a
 * new body, so this keeps nothing stale that the record itself would not be. Records are never
 * changed in place (every change makes a new object), which is what makes this sound.
 *
 * @example
 * const bodies = new JsonBodies<BatchRecord>();
 * return jsonBody(c, bodies.of(batch, origin, () => batchToWire(batch, origin)));
 */
export class JsonBodies<K extends object> {
  private readonly kept = new WeakMap<K, { variant: string; body: string }>();

  /**
   * The JSON of `render()` for `record`, serialized at most once per record and `variant`
   * (whatever else, besides the record, the body depends on: one variant is kept at a time).
   */
  of(record: K, variant: string, render: () => unknown): string {
    const kept = this.kept.get(record);
    if (kept !== undefined && kept.variant === variant) return kept.body;
    const body = JSON.stringify(render());
    this.kept.set(record, { variant, body });
    return body;
  }
}

/** The headers Hono's `c.json` sends, as one object made once. */
const JSON_HEADERS: Record<string, string> = { "Content-Type": "application/json" };

/**
 * The response `c.json` would make (same status, same headers), for a body already in JSON.
 *
 * @example
 * return jsonBody(c, '{"ok":true}');
 */
export function jsonBody(c: Context, body: string): Response {
  return c.body(body, undefined, JSON_HEADERS);
}

/**
 * The gateway's Hono app class: Hono with one router, TrieRouter, in place of the default
 * SmartRouter, which ships RegExpRouter and TrieRouter both and picks one at the first request
 * (about 1.7 KiB of the gzip bundle). TrieRouter is SmartRouter's own fallback and matches the
 * same paths as RegExpRouter (a trailing slash is another path, `:param` one segment, `*` any
 * rest); LinearRouter and PatternRouter (`hono/quick`, `hono/tiny`) are smaller but let
 * `/v1/files/` reach `/v1/files`, which test/worker/fuzz.test.ts refuses. See
 * docs/sources/hono.md § One router.
 */
import type { Env, Schema } from "hono";
import { HonoBase, type HonoOptions } from "hono/hono-base";
import { TrieRouter } from "hono/router/trie-router";

/**
 * @example
 * const app = new Hono<AppEnv>();
 * app.get("/health", (c) => c.json({ status: "ok" }));
 */
export class Hono<E extends Env = Env, S extends Schema = {}, BasePath extends string = "/"> extends HonoBase<E, S, BasePath> {
  constructor(options: HonoOptions<E> = {}) {
    super(options);
    this.router = options.router ?? new TrieRouter();
  }
}

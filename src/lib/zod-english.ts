/**
 * Imported for its effect by every module that validates with `zod/mini`: gives zod/mini what
 * classic zod sets up by itself on its first schema, so that every message and every parse is
 * the same as classic zod's. zod/mini ships no locale (its issues would all say "Invalid
 * input"). Classic zod also installs zod's memoizer, which only matters to recursive schemas
 * (for any other it takes itself out on the first parse: node_modules/zod/v4/core/memoizer.js,
 * `attach`); the Worker has none, so it is left out. zod/mini instead of classic zod keeps
 * classic's methods, the schema types not used and the JSON Schema code out of the bundle
 * (see docs/sources/zod.md § zod/mini needs English set up by hand).
 *
 * @example
 * import * as z from "zod/mini";
 * import "../lib/zod-english";
 * z.string().check(z.minLength(1)).safeParse("").error?.issues[0]?.message; // "Too small: expected string to have >=1 characters"
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

// Only when none is set, as classic zod does (node_modules/zod/v4/classic/schemas.js): a
// locale set elsewhere first wins.
if (!config().localeError) config(en());

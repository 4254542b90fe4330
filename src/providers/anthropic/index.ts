/**
 * The Anthropic provider, the gateway's default: the client's own API, so files and batches are
 * forwarded one for one and only IDs are translated.
 */
import type { ProviderAdapter } from "../types";
import { anthropicBatches } from "./batches";
import { readConfig } from "./config";
import { anthropicFiles } from "./files";

/**
 * @example
 * anthropicAdapter.assertConfigured(env); // throws a 400 naming ANTHROPIC_API_KEY when unset
 * const file = await anthropicAdapter.files!.upload(ctx, upload);
 */
export const anthropicAdapter: ProviderAdapter = {
  name: "anthropic",
  files: anthropicFiles,
  batches: anthropicBatches,
  assertConfigured(env) {
    readConfig(env);
  },
};

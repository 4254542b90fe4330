/**
 * What the Anthropic adapter reads from the Worker's environment.
 */
import { GatewayError } from "../../lib/errors";
import type { ProviderEnv } from "../types";

const DEFAULT_BASE_URL = "https://api.anthropic.com";

export interface AnthropicConfig {
  apiKey: string;
  /** Without a trailing slash, so that paths (`/v1/...`) append cleanly. */
  baseUrl: string;
}

/**
 * The key and base URL from the environment; throws a 400 naming the secret when the key is
 * missing, so that an unconfigured gateway says what to set instead of calling upstream.
 *
 * @example
 * readConfig({ ANTHROPIC_API_KEY: "sk-ant-...", ANTHROPIC_BASE_URL: "http://localhost:9001/" })
 * // { apiKey: "sk-ant-...", baseUrl: "http://localhost:9001" }
 */
export function readConfig(env: ProviderEnv): AnthropicConfig {
  const apiKey = env.ANTHROPIC_API_KEY;
  if (!apiKey) {
    throw GatewayError.invalid(
      "Provider anthropic is not configured: set the ANTHROPIC_API_KEY secret (wrangler secret put ANTHROPIC_API_KEY, or in .dev.vars locally)",
    );
  }
  return { apiKey, baseUrl: (env.ANTHROPIC_BASE_URL || DEFAULT_BASE_URL).replace(/\/+$/, "") };
}

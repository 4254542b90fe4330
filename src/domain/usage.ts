/**
 * Token usage records (table `batch_usage`): per batch and model, the requests and the
 * tokens of the succeeded ones.
 *
 * @example
 * const total = (usage: TokenCounts) => usage.input_tokens + usage.output_tokens;
 */
import type { ProviderName } from "./provider-name";

export interface TokenCounts {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export interface ModelUsage extends TokenCounts {
  provider: ProviderName;
  model: string;
  requests: number;
}

/** One row of the admin summary: the usage of one owner, provider and model. */
export interface OwnerUsage extends ModelUsage {
  owner: string;
  keyName: string | null;
  batches: number;
}


/**
 * The client's `anthropic-beta` values → a Bedrock record's `modelInput.anthropic_beta`. Bedrock
 * takes betas only in the body, and refuses a value it does not support with "invalid beta flag",
 * record by record; so a beta it does not take is refused at create (a 400 naming it) rather
 * than failing every record, and one that asks nothing of the model is dropped. See
 * docs/sources/bedrock.md § anthropic_beta values Bedrock takes, § Betas that name the gateway's
 * own API, § Structured outputs.
 */
import { GatewayError } from "../../lib/errors";

/** Betas Bedrock's Claude takes in `anthropic_beta` (some only on some models: those fail per record). */
export const BEDROCK_BETAS: ReadonlySet<string> = new Set([
  "computer-use-2024-10-22",
  "computer-use-2025-01-24",
  "computer-use-2025-11-24",
  "token-efficient-tools-2025-02-19",
  "interleaved-thinking-2025-05-14",
  "output-128k-2025-02-19",
  "dev-full-thinking-2025-05-14",
  "context-1m-2025-08-07",
  "context-management-2025-06-27",
  "effort-2025-11-24",
  "tool-search-tool-2025-10-19",
  "tool-examples-2025-10-29",
  "compact-2026-01-12",
  "fine-grained-tool-streaming-2025-05-14",
  "thinking-binding-controls-2026-08-01",
  "mid-conversation-output-config-2026-07-01",
  "thinking-display-updates-2026-08-18",
  "mid-conversation-tool-changes-2026-07-01",
  "dangerous-tool-use-2026-09-03",
]);

/**
 * Betas that ask nothing of the model on Bedrock: the gateway's own APIs (batches, files), features
 * that are generally available (prompt caching, PDFs), and structured outputs, which Bedrock takes
 * as `output_config.format` without a beta (its structured-outputs beta is an "invalid beta flag").
 */
const DROPPED_BETAS: ReadonlySet<string> = new Set([
  "message-batches-2024-09-24",
  "files-api-2025-04-14",
  "prompt-caching-2024-07-31",
  "pdfs-2024-09-25",
  "structured-outputs-2025-11-13",
]);

const PROVIDER = "bedrock";

/**
 * The `anthropic_beta` list for every record of a batch, in the client's order without repeats;
 * a 400 naming the first beta Bedrock does not take.
 *
 * @example
 * bedrockBetas(["message-batches-2024-09-24", "context-1m-2025-08-07"]) // ["context-1m-2025-08-07"]
 * bedrockBetas(["extended-cache-ttl-2025-04-11"]) // throws "anthropic-beta: value extended-cache-ttl-2025-04-11 is not a beta Bedrock takes on provider bedrock; …"
 */
export function bedrockBetas(clientBetas: readonly string[]): string[] {
  const betas: string[] = [];
  for (const beta of clientBetas) {
    if (DROPPED_BETAS.has(beta) || betas.includes(beta)) continue;
    if (!BEDROCK_BETAS.has(beta)) throw GatewayError.unsupported(PROVIDER, "anthropic-beta", `value ${beta} is not a beta Bedrock takes`);
    betas.push(beta);
  }
  return betas;
}

/**
 * What every service call needs: the stores, the upstream context, and who is asking.
 * Built once per request by the API layer.
 */
import type { ProviderAdapter, ProviderContext, ProviderName } from "../providers/types";
import { BatchStore } from "../store/batches";
import { FileStore } from "../store/files";
import { KeyStore } from "../store/keys";
import { WebhookStore } from "../store/webhooks";
import type { JobQueue } from "./jobs";
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from "../lib/retry";

export interface Gateway {
  files: FileStore;
  batches: BatchStore;
  keys: KeyStore;
  webhooks: WebhookStore;
  /** The background work queue (binding `JOBS`), or null where there is none. */
  jobs: JobQueue | null;
  /** The upstream context handed to adapters. */
  upstream: ProviderContext;
  /** The adapter for a provider (already checked to be one of PROVIDER_NAMES). */
  adapter(name: ProviderName): ProviderAdapter;
}

export interface GatewayOptions {
  db: D1Database;
  env: object;
  clientBetas: readonly string[];
  adapters: Readonly<Record<ProviderName, ProviderAdapter>>;
  fetch?: typeof fetch;
}

/**
 * @example
 * const gateway = createGateway({ db: env.DB, env, clientBetas: [], adapters: ADAPTERS });
 */
export function createGateway(options: GatewayOptions): Gateway {
  const stringEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env)) {
    if (typeof value === "string") stringEnv[key] = value;
  }
  // Late-bound so that a test's stub of globalThis.fetch applies.
  const baseFetch: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init));
  const upstreamFetch = withRetries(baseFetch, retryPolicy(stringEnv));
  return {
    files: new FileStore(options.db),
    batches: new BatchStore(options.db),
    keys: new KeyStore(options.db),
    webhooks: new WebhookStore(options.db),
    jobs: ((options.env as { JOBS?: JobQueue }).JOBS as JobQueue | undefined) ?? null,
    upstream: { env: stringEnv, fetch: upstreamFetch, clientBetas: options.clientBetas },
    adapter: (name) => options.adapters[name],
  };
}

/** `UPSTREAM_RETRIES` and `UPSTREAM_RETRY_BASE_MS` tune the retry policy (tests shorten it). */
function retryPolicy(env: Record<string, string>): RetryPolicy {
  const retries = Number(env.UPSTREAM_RETRIES ?? DEFAULT_RETRY_POLICY.retries);
  const base = Number(env.UPSTREAM_RETRY_BASE_MS ?? DEFAULT_RETRY_POLICY.baseDelayMs);
  return {
    ...DEFAULT_RETRY_POLICY,
    retries: Number.isInteger(retries) && retries >= 0 ? retries : DEFAULT_RETRY_POLICY.retries,
    baseDelayMs: Number.isFinite(base) && base >= 0 ? base : DEFAULT_RETRY_POLICY.baseDelayMs,
  };
}

/**
 * Core's internal context: the stores, the upstream context and the adapters that every
 * service operation is written over. Built by `createServices` (src/core/services.ts) and
 * never handed outside core: routes, the dashboard and the Worker's handlers see the
 * services object only, so the stores are reached from core alone.
 */
import type { ProviderAdapter, ProviderContext } from "../providers/types";
import type { ProviderName } from "../domain/provider-name";
import { BatchStore } from "../store/batches";
import { FileStore } from "../store/files";
import { KeyStore } from "../store/keys";
import { UsageStore } from "../store/usage";
import { ResultsVault } from "../store/vault";
import { WebhookStore } from "../store/webhooks";
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from "../lib/retry";
import type { KeyCache } from "./keys";
import type { JobMessage } from "./queue-messages";

export interface Gateway {
  files: FileStore;
  batches: BatchStore;
  keys: KeyStore;
  webhooks: WebhookStore;
  usage: UsageStore;
  /** The results vault (R2 binding `RESULTS`). */
  vault: ResultsVault;
  /** Background work (Queues binding `JOBS`). */
  jobs: JobQueue;
  /** The upstream context handed to adapters. */
  upstream: ProviderContext;
  /** The adapter for a provider (already checked to be one of PROVIDER_NAMES). */
  adapter(name: ProviderName): ProviderAdapter;
  /** The virtual keys' lookup cache (KV binding `AUTH_CACHE`), null without one. */
  keyCache: KeyCache | null;
}

/** Sends background work (src/core/queue-messages.ts) to the `JOBS` queue. */
export interface JobQueue {
  send(message: JobMessage, options?: { delaySeconds?: number }): Promise<void>;
}

export interface GatewayOptions {
  db: D1Database;
  env: object;
  clientBetas: readonly string[];
  adapters: Readonly<Record<ProviderName, ProviderAdapter>>;
  fetch?: typeof fetch;
  /** The vault bucket and the jobs queue; by default the `RESULTS` and `JOBS` bindings of `env`. */
  results?: R2Bucket;
  queue?: Queue<JobMessage>;
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
  const bindings = options.env as { RESULTS?: R2Bucket; JOBS?: Queue<JobMessage>; AUTH_CACHE?: KeyCache };
  const bucket = options.results ?? bindings.RESULTS;
  const queue = options.queue ?? bindings.JOBS;
  return {
    files: new FileStore(options.db),
    batches: new BatchStore(options.db),
    keys: new KeyStore(options.db),
    webhooks: new WebhookStore(options.db),
    usage: new UsageStore(options.db),
    vault: new ResultsVault(bucket ?? missingBinding<R2Bucket>("RESULTS", "an R2 bucket")),
    jobs: {
      async send(message, sendOptions) {
        if (!queue) throw new Error("The JOBS binding (a queue producer) is missing: see wrangler.toml.");
        // Queues cap a delay at 12 hours: see docs/sources/cloudflare.md § Queues: delayed messages, at most 12 hours.
        const delaySeconds = Math.max(0, Math.min(43_200, Math.round(sendOptions?.delaySeconds ?? 0)));
        await queue.send(message, { delaySeconds, contentType: "json" });
      },
    },
    upstream: { env: stringEnv, fetch: upstreamFetch, clientBetas: options.clientBetas },
    adapter: (name) => options.adapters[name],
    keyCache: bindings.AUTH_CACHE ?? null,
  };
}

/** A binding wrangler.toml declares but the environment lacks: every use fails, saying which. */
function missingBinding<T extends object>(name: string, what: string): T {
  return new Proxy({} as T, {
    get() {
      throw new Error(`The ${name} binding (${what}) is missing: see wrangler.toml.`);
    },
  });
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

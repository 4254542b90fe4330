import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_PROVIDER_LIST } from "./test/providers/index.ts";

/**
 * Four projects: `worker` runs unit and worker tests inside workerd with a real local D1
 * (migrations applied by test/worker/setup.ts) and R2; `worker-queues` runs the background
 * work's tests the same way with the real local queue and its consumer; `contract` runs in
 * Node and drives each provider fake, served over HTTP, with that provider's official SDK (a
 * fake the SDK cannot use is wrong); `e2e` runs in Node, starts the fakes and `wrangler dev`,
 * and drives the gateway with the official Anthropic SDK.
 */

/** The Worker's settings in worker tests. */
async function workerBindings() {
  return {
    TEST_MIGRATIONS: await readD1Migrations("./migrations"),
    // Upstreams are the fakes in test/fakes, reached through a stubbed fetch
    // (test/worker/support/upstream.ts routes each provider's `worker.hosts` to its fake).
    ...Object.assign({}, ...TEST_PROVIDER_LIST.map((provider) => provider.worker.bindings)),
    UPSTREAM_RETRY_BASE_MS: "1",
    // No ADMIN_TOKEN: the Worker runs open (any key, one owner); tests of virtual
    // keys close it (useClosedGateway in test/worker/support/gateway.ts).
    // Webhook retries after 1 s, 2 s, … (default 30 s), so that retries happen within a test.
    WEBHOOK_RETRY_BASE_SECONDS: "1",
    // Seals key webhook secrets: the queue consumer runs without the closed gateway's ADMIN_TOKEN.
    WEBHOOK_ENCRYPTION_KEY: "test-webhook-encryption-key-0123456789",
  };
}

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // No background poll may move a fake while a test reads it: the producer sends
              // to a queue nothing consumes (worker-queues tests the real consumer).
              queueProducers: { JOBS: "batchbridge-jobs-unconsumed" },
              // Every retrieve refreshes (the tests poll as fast as they like).
              bindings: { ...(await workerBindings()), BATCH_POLL_MIN_SECONDS: "0" },
            },
          })),
        ],
        test: {
          name: "worker",
          include: ["test/unit/**/*.test.ts", "test/worker/**/*.test.ts"],
          exclude: ["test/worker/queues/**"],
          setupFiles: ["./test/worker/setup.ts"],
          // A few tests move tens of MB through local R2 (the vault's parts); on a loaded
          // 2-core machine that alone took 6 s, past vitest's default 5 s.
          testTimeout: 20_000,
        },
      },
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: { ...(await workerBindings()), BATCH_POLL_MIN_SECONDS: "1", BATCH_POLL_MAX_SECONDS: "2", VAULT_LEASE_SECONDS: "2" },
            },
          })),
        ],
        test: {
          name: "worker-queues",
          include: ["test/worker/queues/**/*.test.ts"],
          setupFiles: ["./test/worker/setup.ts"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "contract",
          include: ["test/contract/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["./test/e2e/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

/**
 * Local simulators of Anthropic, OpenAI, Gemini and Bedrock with S3, for `npm run dev` when no
 * provider key is set: the strict fakes of test/fakes/ (each provider's `simulator` in
 * test/providers/<name>.ts: its fake, credentials and clock), served over HTTP on loopback ports by
 * this Node process (never by the Worker, so they never ship in the deployed bundle), and the
 * `wrangler dev` vars that point the gateway at them.
 *
 * The fakes move a batch one state per GET of it (test/fakes/README.md § Batch lifecycle); here a
 * clock also polls every unfinished batch once a second through the fake's own API, so a batch
 * ends within seconds however rarely its client polls. Answers echo the prompt
 * (`echo: <last user text>`).
 */
import type { ProviderName } from "../src/domain/provider-name";
import { TEST_PROVIDER_LIST } from "../test/providers/index.ts";
import { serveFetch, type RunningServer } from "../test/e2e/support/node-server.ts";

export interface Simulators {
  /** Where each simulator listens (Bedrock serves its control plane under `/bedrock`, S3 under `/s3`). */
  urls: Record<ProviderName, string>;
  /** The gateway's settings that point it at the simulators, for `wrangler dev --var`. */
  vars: Record<string, string>;
  /** Stops the clock and the servers. */
  close(): Promise<void>;
}

export interface SimulatorOptions {
  /** How often the clock polls unfinished batches (default 1000 ms). */
  tickMs?: number;
}

/**
 * @example
 * const simulators = await startSimulators();
 * spawn("wrangler", ["dev", ...Object.entries(simulators.vars).flatMap(([k, v]) => ["--var", `${k}:${v}`])]);
 */
export async function startSimulators(options: SimulatorOptions = {}): Promise<Simulators> {
  const servers: RunningServer[] = [];
  const urls = {} as Record<ProviderName, string>;
  const providerVars: Record<string, string> = {};
  const simulators: Array<{ fake: { calls: unknown[] }; poll(): Promise<void> }> = [];
  for (const provider of TEST_PROVIDER_LIST) {
    const fake = provider.simulator.fake();
    const server = await serveFetch((r) => fake.fetch(r));
    servers.push(server);
    urls[provider.name] = server.url;
    Object.assign(providerVars, provider.simulator.vars(server.url));
    simulators.push({ fake, poll: () => provider.simulator.poll((r) => fake.fetch(r)) });
  }

  let ticking = false;
  const clock = setInterval(async () => {
    if (ticking) return;
    ticking = true;
    try {
      await Promise.all(simulators.map(({ poll }) => poll().catch(() => {})));
    } finally {
      // Nothing reads what the simulators received; forget it so that a long session stays small.
      for (const { fake } of simulators) fake.calls.length = 0;
      ticking = false;
    }
  }, options.tickMs ?? 1000);
  clock.unref();

  const vars: Record<string, string> = {
    BATCHBRIDGE_SIMULATORS: "true",
    ...providerVars,
    // The gateway polls batches in the background, by default 30 s after a create and then
    // backing off (BATCH_POLL_MIN_SECONDS / BATCH_POLL_MAX_SECONDS): the simulators end a batch
    // within seconds, so the gateway polls them every second or two, and a batch shows `ended`
    // within seconds however rarely its client asks.
    BATCH_POLL_MIN_SECONDS: "1",
    BATCH_POLL_MAX_SECONDS: "2",
  };

  return {
    urls,
    vars,
    async close() {
      clearInterval(clock);
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

/**
 * `npm run demo`: the seed's Files and Message Batches workflows with the official
 * `@anthropic-ai/sdk`, against the gateway at BATCHBRIDGE_URL (default http://localhost:8787).
 * When nothing answers there it starts one with local simulators (`npm run dev`, no keys) and
 * stops it at the end. Prints a transcript; exits 0 only when every step did what the seed says.
 *
 * Settings: BATCHBRIDGE_URL; BATCHBRIDGE_API_KEY (default "virtual-key-or-dummy-key", for a
 * gateway that has virtual keys); DEMO_POLL_MS (default 1000, between two retrieves).
 *
 * @example
 * // npm run demo
 * // BATCHBRIDGE_URL=https://batchbridge.example.workers.dev BATCHBRIDGE_API_KEY=bb_… npm run demo
 */
import { findOrStartGateway, type Gateway } from "./demo/local-gateway.ts";
import { createTranscript } from "./demo/transcript.ts";
import { batchWorkflow, filesWorkflow, usageReport, type DemoContext, type Provider } from "./demo/workflows.ts";

const PROVIDERS: readonly Provider[] = ["anthropic", "openai", "gemini", "bedrock"];

async function main(): Promise<number> {
  const url = (process.env.BATCHBRIDGE_URL ?? "http://localhost:8787").replace(/\/+$/, "");
  const transcript = createTranscript(process.stdout);
  console.log(`batchbridge demo: the seed's Files and Message Batches workflows with @anthropic-ai/sdk`);

  let gateway: Gateway;
  try {
    gateway = await findOrStartGateway(url, (line) => console.log(line));
  } catch (error) {
    console.error(`✗ no gateway: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const stopOnSignal = (): void => {
    void gateway.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);

  try {
    console.log(`Gateway: ${url}${gateway.started ? " (started by the demo)" : ""}; local simulators: ${gateway.health.simulators ? "yes" : "no"}`);
    const ctx: DemoContext = {
      baseURL: url,
      apiKey: process.env.BATCHBRIDGE_API_KEY ?? "virtual-key-or-dummy-key",
      transcript,
      pollMs: Number(process.env.DEMO_POLL_MS ?? 1000),
      timeoutMs: 180_000,
    };
    await filesWorkflow(ctx);
    const batches: { id: string; provider: Provider }[] = [];
    for (const provider of PROVIDERS) {
      for (const id of await batchWorkflow(ctx, provider)) batches.push({ id, provider });
    }
    await usageReport(ctx, batches);
  } finally {
    if (gateway.started) {
      console.log("\nStopping the gateway the demo started…");
      await gateway.stop();
    }
  }

  const ok = transcript.failed === 0;
  console.log(`\n${ok ? "Demo passed" : "Demo FAILED"}: ${transcript.passed} steps passed, ${transcript.failed} failed.`);
  return ok ? 0 : 1;
}

process.exitCode = await main();

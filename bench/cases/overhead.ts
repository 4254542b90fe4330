/**
 * Overhead: p50/p99 latency of batch retrieve and files list through the gateway, through a
 * bare pass-through Worker run the same way (wrangler dev), and straight to the fake, at 1 and
 * at 64 concurrent clients, and requests per second at 64.
 *
 * The upstream is an Anthropic fake whose batches never end, so every gateway retrieve does its
 * full work: read the batch and its job from D1, GET the upstream batch, write both back. The
 * files list is served by the gateway from D1 alone (the gateway's records are the list), and
 * by the pass-through from the fake. Targets run in interleaved rounds, so that a change in the
 * machine's load during the case touches all three alike.
 */
import { anthropicHeaders, fetchJson, gatewayHeaders } from "../lib/client.ts";
import { cpuWatch, type CpuFigures } from "../lib/cpu.ts";
import { connectInspector } from "../lib/inspector.ts";
import { keepProfile } from "../lib/profile.ts";
import { latency, type Latency } from "../lib/stats.ts";
import { startGateway, startPassthrough, type Fakes } from "../lib/stack.ts";
import type { RunningWorker } from "../lib/workers.ts";

export type Target = "fake" | "passthrough" | "gateway";
export const TARGETS: readonly Target[] = ["fake", "passthrough", "gateway"];

export interface OverheadRow {
  operation: "batch retrieve" | "files list" | "health" | "one D1 query";
  clients: number;
  /** Per target: latency, and requests per second over the measured requests. */
  targets: Record<Target, Latency & { requestsPerSecond: number; errors: number }>;
  /** Gateway p50 minus pass-through p50, ms. */
  overheadP50: number;
  cpu: CpuFigures;
}

const PLAN = {
  1: { warmup: 100, rounds: 4, perRound: 150 },
  64: { warmup: 256, rounds: 4, perRound: 512 },
} as const;

/**
 * @example
 * const rows = await overheadCase(fakes, buildGateway());
 */
export async function overheadCase(fakes: Fakes, config: string): Promise<OverheadRow[]> {
  const gateway = await startGateway(fakes, { config, anthropicUrl: fakes.urls.anthropicHeld });
  let passthrough: RunningWorker | undefined;
  try {
    passthrough = await startPassthrough(fakes.urls.anthropicHeld);
    const fake = fakes.urls.anthropicHeld;

    // One in-progress batch and twenty files, made through the gateway (so the fake has them too).
    const batch = await fetchJson<{ id: string }>(`${gateway.url}/anthropic/v1/messages/batches`, {
      method: "POST",
      headers: { ...gatewayHeaders("anthropic"), "content-type": "application/json" },
      body: JSON.stringify({
        requests: ["a", "b"].map((id) => ({
          custom_id: id,
          params: { model: "claude-3-5-haiku-20241022", max_tokens: 16, messages: [{ role: "user", content: "Hello" }] },
        })),
      }),
    });
    const native = await fetchJson<{ data: { id: string }[] }>(`${fake}/v1/messages/batches?limit=1`, { headers: anthropicHeaders() });
    const nativeId = native.data[0]!.id;
    for (let index = 0; index < 20; index++) {
      const form = new FormData();
      form.append("file", new Blob([`file ${index}\n`], { type: "text/plain" }), `note-${index}.txt`);
      await fetchJson(`${gateway.url}/anthropic/v1/files`, { method: "POST", headers: gatewayHeaders("anthropic"), body: form });
    }

    const urls: Record<"batch retrieve" | "files list", Record<Target, string>> = {
      "batch retrieve": {
        fake: `${fake}/v1/messages/batches/${nativeId}`,
        passthrough: `${passthrough.url}/anthropic/v1/messages/batches/${nativeId}`,
        gateway: `${gateway.url}/anthropic/v1/messages/batches/${batch.id}`,
      },
      "files list": {
        fake: `${fake}/v1/files?limit=20`,
        passthrough: `${passthrough.url}/anthropic/v1/files?limit=20`,
        gateway: `${gateway.url}/anthropic/v1/files?limit=20`,
      },
    };
    const headers: Record<Target, Record<string, string>> = {
      fake: anthropicHeaders(),
      passthrough: gatewayHeaders(),
      gateway: gatewayHeaders(),
    };

    const rows: OverheadRow[] = [];
    const workerd = [...gateway.workerd, ...passthrough.workerd];
    for (const operation of ["batch retrieve", "files list"] as const) {
      for (const clients of [1, 64] as const) {
        const plan = PLAN[clients];
        const samples: Record<Target, number[]> = { fake: [], passthrough: [], gateway: [] };
        const elapsed: Record<Target, number> = { fake: 0, passthrough: 0, gateway: 0 };
        const errors: Record<Target, number> = { fake: 0, passthrough: 0, gateway: 0 };
        for (const target of TARGETS) await load(urls[operation][target], headers[target], clients, plan.warmup);
        const cpu = cpuWatch(fakes.pid, workerd);
        for (let round = 0; round < plan.rounds; round++) {
          for (const target of TARGETS) {
            const run = await load(urls[operation][target], headers[target], clients, plan.perRound);
            samples[target].push(...run.samples);
            elapsed[target] += run.ms;
            errors[target] += run.errors;
          }
        }
        const figures = Object.fromEntries(
          TARGETS.map((target) => [
            target,
            { ...latency(samples[target]), requestsPerSecond: Math.round((samples[target].length / elapsed[target]) * 1000), errors: errors[target] },
          ]),
        ) as OverheadRow["targets"];
        rows.push({
          operation,
          clients,
          targets: figures,
          overheadP50: Math.round((figures.gateway.p50 - figures.passthrough.p50) * 100) / 100,
          cpu: cpu.stop(),
        });
      }
    }
    // A CPU profile of each call on the gateway, in a pass of its own (the rounds above are not
    // profiled): 1,000 calls from 64 clients.
    if (gateway.inspectorPort !== null) {
      const inspector = await connectInspector(gateway.inspectorPort);
      try {
        for (const operation of ["batch retrieve", "files list"] as const) {
          await inspector.startProfile();
          await load(urls[operation].gateway, headers.gateway, 64, 1_000);
          keepProfile(`overhead ${operation}`, await inspector.stopProfile());
        }
      } finally {
        inspector.close();
      }
    }
    // What the gateway's overhead is made of, at 1 client: the app with no D1 and no upstream
    // (GET /health), and one D1 round trip (bench route), each against the pass-through.
    for (const [operation, path] of [["health", "/health"], ["one D1 query", "/__bench/d1"]] as const) {
      const target = `${gateway.url}${path}`;
      const base = `${passthrough.url}/health`;
      await load(target, {}, 1, PLAN[1].warmup);
      await load(base, {}, 1, PLAN[1].warmup);
      const samples: number[] = [];
      const baseline: number[] = [];
      for (let round = 0; round < PLAN[1].rounds; round++) {
        baseline.push(...(await load(base, {}, 1, PLAN[1].perRound)).samples);
        samples.push(...(await load(target, {}, 1, PLAN[1].perRound)).samples);
      }
      const none = { p50: Number.NaN, p99: Number.NaN, count: 0, requestsPerSecond: 0, errors: 0 };
      const gatewayLatency = latency(samples);
      const passthroughLatency = latency(baseline);
      rows.push({
        operation,
        clients: 1,
        targets: { fake: none, passthrough: { ...passthroughLatency, requestsPerSecond: 0, errors: 0 }, gateway: { ...gatewayLatency, requestsPerSecond: 0, errors: 0 } },
        overheadP50: Math.round((gatewayLatency.p50 - passthroughLatency.p50) * 100) / 100,
        cpu: { fakesPct: 0, workerdPct: 0, clientPct: 0 },
      });
    }
    return rows;
  } finally {
    await passthrough?.stop();
    await gateway.stop();
  }
}


/** `total` GETs of `url` from `clients` concurrent loops; the latency of each. */
async function load(url: string, headers: Record<string, string>, clients: number, total: number) {
  const samples: number[] = [];
  let issued = 0;
  let errors = 0;
  const started = performance.now();
  const loop = async () => {
    while (issued < total) {
      issued++;
      const begin = performance.now();
      try {
        const response = await fetch(url, { headers });
        await response.arrayBuffer();
        if (!response.ok) errors++;
      } catch {
        errors++;
      }
      samples.push(performance.now() - begin);
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  return { samples, errors, ms: performance.now() - started };
}

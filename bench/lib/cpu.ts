/**
 * CPU used by each party of a case (the fakes, the workerd processes, this client) over the
 * case's wall time, to tell who was the bottleneck. 100% is one core; the machine has
 * `os.availableParallelism()` of them.
 */
import { cpuMs } from "./proc.ts";

export interface CpuFigures {
  /** Percent of one core, over the window. */
  fakesPct: number;
  workerdPct: number;
  clientPct: number;
}

/**
 * CPU time of several processes together, ms (a process gone counts 0).
 *
 * @example
 * const before = totalCpuMs(gateway.workerd); await run(); const spent = totalCpuMs(gateway.workerd) - before;
 */
export function totalCpuMs(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);
}

/**
 * @example
 * const cpu = cpuWatch(fakes.pid, gateway.workerd);
 * await runCase();
 * const { fakesPct } = cpu.stop();
 */
export function cpuWatch(fakesPid: number, workerd: readonly number[]): { stop(): CpuFigures } {
  const started = performance.now();
  const fakes0 = cpuMs(fakesPid) ?? 0;
  const workerd0 = totalCpuMs(workerd);
  const client0 = process.cpuUsage();
  return {
    stop() {
      const wall = performance.now() - started;
      const client = process.cpuUsage(client0);
      const pct = (ms: number) => Math.round((ms / wall) * 100);
      return {
        fakesPct: pct((cpuMs(fakesPid) ?? 0) - fakes0),
        workerdPct: pct(totalCpuMs(workerd) - workerd0),
        clientPct: pct((client.user + client.system) / 1000),
      };
    },
  };
}

/** A fake that used this much of its one core was (close to) the bottleneck. */
export const FAKE_BOUND_PCT = 85;

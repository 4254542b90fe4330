/**
 * Resident memory of the workerd processes, sampled every 50 ms from a worker thread (so that
 * a busy client on the main thread cannot delay the samples), and what the samples say.
 */
import { Worker } from "node:worker_threads";
import { connectInspector, type CpuProfile } from "./inspector.ts";

export interface Sample {
  /** Date.now() of the sample. */
  t: number;
  /** VmRSS of each process, bytes (0 once it has exited). */
  rss: number[];
  /** RssAnon of each process, bytes: VmRSS less the file-backed and shared pages. */
  anon: number[];
}

const THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const { readFileSync } = require("node:fs");
const kb = (status, field) => {
  const match = new RegExp("^" + field + ":\\\\s+(\\\\d+)\\\\s+kB", "m").exec(status);
  return match ? Number(match[1]) * 1024 : 0;
};
const read = (pid) => {
  try { return readFileSync("/proc/" + pid + "/status", "utf8"); } catch { return ""; }
};
let samples = [];
const take = () => {
  const statuses = workerData.pids.map(read);
  samples.push({ t: Date.now(), rss: statuses.map((s) => kb(s, "VmRSS")), anon: statuses.map((s) => kb(s, "RssAnon")) });
};
take();
const timer = setInterval(take, workerData.intervalMs);
parentPort.on("message", (message) => {
  if (message === "flush") { parentPort.postMessage(samples); samples = []; }
  if (message === "stop") { clearInterval(timer); take(); parentPort.postMessage(samples); samples = []; parentPort.close(); }
});
`;

/**
 * @example
 * const sampler = new RssSampler(gateway.workerd);
 * await sleep(2000);            // idle
 * const from = Date.now(); await runCase(); const to = Date.now();
 * const samples = await sampler.stop();
 * summarize(samples, idleOf(samples, from), from, to);
 */
export class RssSampler {
  readonly #worker: Worker;
  readonly #samples: Sample[] = [];

  constructor(pids: readonly number[], intervalMs = 50) {
    this.#worker = new Worker(THREAD, { eval: true, workerData: { pids: [...pids], intervalMs } });
    this.#worker.on("message", (batch: Sample[]) => this.#samples.push(...batch));
    this.#worker.unref();
  }

  async stop(): Promise<Sample[]> {
    const done = new Promise<void>((resolve) => this.#worker.once("exit", () => resolve()));
    this.#worker.postMessage("stop");
    await done;
    return this.#samples.sort((a, b) => a.t - b.t);
  }
}

export interface MemoryFigures {
  /** Idle RSS of all workerd processes together, MB. */
  idleMB: number;
  /** Highest RSS of all workerd processes together during the window, MB. */
  peakMB: number;
  peakAboveIdleMB: number;
  /**
   * The Worker's own process (the last workerd started): idle, peak and peak above idle, MB; and
   * the peak above idle of its anonymous pages alone (RssAnon: heaps and buffers, without the
   * file-backed pages the local R2 and D1 map in while they read their files).
   */
  worker: { idleMB: number; peakMB: number; peakAboveIdleMB: number; anonPeakAboveIdleMB: number };
  /** Highest total in the second half of the window minus highest total in the first half, MB. */
  growthSecondHalfMB: number;
  samples: number;
  /** A workerd process was gone during the window (the figures are then meaningless). */
  processLost: boolean;
  /**
   * The Worker's V8 isolate, through its inspector: heap in use plus ArrayBuffer backing stores,
   * idle before the case, at its highest during the case (sampled every 100 ms), and after a
   * forced full collection at the end; kept = after that collection minus idle.
   */
  heap: { idleMB: number; peakMB: number; peakAboveIdleMB: number; afterGcMB: number; retainedMB: number } | null;
}

const MB = 1024 * 1024;
const total = (sample: Sample) => sample.rss.reduce((sum, value) => sum + value, 0);
const last = (sample: Sample) => sample.rss[sample.rss.length - 1] ?? 0;
const lastAnon = (sample: Sample) => sample.anon[sample.anon.length - 1] ?? 0;

/** Median RSS (total, the Worker's process, and its anonymous pages) over the second before `before`. */
export function idleOf(samples: readonly Sample[], before: number): { total: number; worker: number; workerAnon: number } {
  const quiet = samples.filter((sample) => sample.t <= before && sample.t >= before - 1_000);
  const pick = quiet.length > 0 ? quiet : samples.slice(0, 1);
  return { total: median(pick.map(total)), worker: median(pick.map(last)), workerAnon: median(pick.map(lastAnon)) };
}

export function summarize(
  samples: readonly Sample[],
  idle: { total: number; worker: number; workerAnon: number },
  from: number,
  to: number,
): Omit<MemoryFigures, "heap"> {
  const window = samples.filter((sample) => sample.t >= from && sample.t <= to);
  const mid = from + (to - from) / 2;
  const max = (list: readonly Sample[], pick: (sample: Sample) => number) => list.reduce((best, sample) => Math.max(best, pick(sample)), 0);
  const first = window.filter((sample) => sample.t <= mid);
  const second = window.filter((sample) => sample.t > mid);
  const peak = max(window, total);
  const workerPeak = max(window, last);
  const workerAnonPeak = max(window, lastAnon);
  return {
    idleMB: round(idle.total / MB),
    peakMB: round(peak / MB),
    peakAboveIdleMB: round((peak - idle.total) / MB),
    worker: {
      idleMB: round(idle.worker / MB),
      peakMB: round(workerPeak / MB),
      peakAboveIdleMB: round((workerPeak - idle.worker) / MB),
      anonPeakAboveIdleMB: round((workerAnonPeak - idle.workerAnon) / MB),
    },
    growthSecondHalfMB: second.length > 0 && first.length > 0 ? round((max(second, total) - max(first, total)) / MB) : 0,
    samples: window.length,
    processLost: window.some((sample) => sample.rss.some((value) => value === 0)),
  };
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** What a case's memory watch needs of the gateway. */
export interface Watched {
  workerd: number[];
  inspectorPort: number | null;
}

/** A case's memory watch: `finish` ends it; `cpuProfile` is then the case's CPU profile, when one was asked for. */
export interface MemoryWatch {
  finish(from: number, to: number): Promise<MemoryFigures>;
  cpuProfile: CpuProfile | null;
}

/**
 * RSS sampling plus the isolate's heap, around one case: reads the idle heap and waits 2 s of
 * idle before returning; `finish` stops both, then forces a full collection (after the last RSS
 * sample) to see what the Worker still keeps. With `profile`, V8's CPU profiler runs over the
 * case too (sampling every millisecond, which costs the Worker a few percent), and is stopped
 * before the forced collection.
 *
 * @example
 * const watch = await watchMemory(gateway, { profile: true });
 * const from = Date.now(); await runCase(); const to = Date.now();
 * const memory = await watch.finish(from, to);
 * watch.cpuProfile; // the case's .cpuprofile
 */
export async function watchMemory(worker: Watched, options: { profile?: boolean } = {}): Promise<MemoryWatch> {
  const inspector = worker.inspectorPort === null ? null : await connectInspector(worker.inspectorPort).catch(() => null);
  const heapNow = async () => {
    const usage = (await inspector!.heapUsage()) as { usedSize: number; backingStorageSize?: number };
    return usage.usedSize + (usage.backingStorageSize ?? 0);
  };
  // No forced collection before the case: V8 writes a heap snapshot to collect on demand, and
  // that leaves RSS some hundred MB higher, which would hide the case's own growth. The idle
  // heap of a freshly started gateway holds little garbage (every watched case runs on one).
  const heapIdle = inspector ? await heapNow() : 0;
  const sampler = new RssSampler(worker.workerd);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  let heapPeak = heapIdle;
  let polling = inspector !== null;
  const poll = (async () => {
    while (polling) {
      heapPeak = Math.max(heapPeak, await heapNow().catch(() => 0));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const profiling = inspector !== null && options.profile === true ? await inspector.startProfile().then(() => true, () => false) : false;
  const watch: MemoryWatch = {
    cpuProfile: null,
    async finish(from, to) {
      polling = false;
      await poll;
      if (profiling) watch.cpuProfile = await inspector!.stopProfile().catch(() => null);
      const samples = await sampler.stop();
      const figures = summarize(samples, idleOf(samples, from), from, to);
      if (!inspector) return { ...figures, heap: null };
      try {
        await inspector.collectGarbage();
        const after = await heapNow();
        return {
          ...figures,
          heap: {
            idleMB: round(heapIdle / MB),
            peakMB: round(heapPeak / MB),
            peakAboveIdleMB: round((heapPeak - heapIdle) / MB),
            afterGcMB: round(after / MB),
            retainedMB: round((after - heapIdle) / MB),
          },
        };
      } finally {
        inspector.close();
      }
    },
  };
  return watch;
}

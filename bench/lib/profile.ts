/**
 * CPU profiles of the Worker (V8's sampling profiler, through its inspector): kept per case
 * while the run goes, then written as `.cpuprofile` files (DevTools opens them) for the cases
 * that miss their target, with their top self-time functions mapped back to the sources
 * through the bench bundle's source map.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import type { CpuProfile } from "./inspector.ts";

export interface ProfileCost {
  /** Function name (as in the sources; "(anonymous)" when it has none). */
  function: string;
  /** `src/core/vault.ts:132`, `node_modules/zod/…:12`, or a runtime node such as `(garbage collector)`. */
  location: string;
  selfMs: number;
  /** Percent of the profile's busy time (everything but `(idle)`). */
  pct: number;
}

/**
 * The longest time one sample stands for. The profiler samples every 1 ms while the isolate
 * runs JavaScript; a longer gap means the thread was elsewhere (workerd's own I/O, or another
 * isolate on the same thread, such as miniflare's local R2 or D1), so only this much of it is
 * the sampled function's own time and the rest is counted as that function's wait.
 */
const SAMPLE_CAP_US = 20_000;

export interface ProfileSummary {
  /** The case it profiles. */
  case: string;
  /** Where its `.cpuprofile` was written (relative to the project), once written. */
  file: string | null;
  /** Wall time the profile covers, and the part of it the isolate was not idle, ms. */
  totalMs: number;
  busyMs: number;
  /**
   * The part of `busyMs` with no sample (gaps over 20 ms after a sample): time the Worker's
   * thread spent outside its JavaScript. Shown in `top` as "(wait after …)" rows.
   */
  waitMs: number;
  top: ProfileCost[];
}

const kept = new Map<string, CpuProfile>();
let map: TraceMap | null = null;
let bundleName = "";

/**
 * The source map of the bench gateway's bundle (from `buildGateway()`), for the summaries.
 *
 * @example
 * useSourceMap("/tmp/…/run/gateway-bench-entry.js.map");
 */
export function useSourceMap(file: string): void {
  if (!existsSync(file)) return;
  map = new TraceMap(readFileSync(file, "utf8"));
  bundleName = file.replace(/^.*\//, "").replace(/\.map$/, "");
}

/**
 * Keeps a case's profile until the run knows whether the case met its target.
 *
 * @example
 * keepProfile("create openai 100000", watch.cpuProfile);
 */
export function keepProfile(name: string, profile: CpuProfile | null): void {
  if (profile) kept.set(name, profile);
}

/**
 * The names of the cases whose profiles are kept.
 *
 * @example
 * for (const name of keptProfiles()) writeProfile(name, dir, root);
 */
export function keptProfiles(): string[] {
  return [...kept.keys()];
}

/**
 * Writes the kept profile of a case to `dir` and summarises it; null when none was kept.
 *
 * @example
 * const summary = writeProfile("create openai 100000", "bench/results/profiles", root);
 */
export function writeProfile(name: string, dir: string, root: string): ProfileSummary | null {
  const profile = kept.get(name);
  if (!profile) return null;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "")}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  return { ...summarizeProfile(name, profile), file: file.startsWith(root) ? file.slice(root.length).replace(/^\//, "") : file };
}

/**
 * Self time per function (samples weighted by the time to the next sample, at most 20 ms;
 * the rest of a longer gap is a "(wait after …)" row of the function sampled before it),
 * largest first.
 *
 * @example
 * summarizeProfile("results anthropic 100000", profile).top[0]; // { function: "JSON.parse", … }
 */
export function summarizeProfile(name: string, profile: CpuProfile, top = 8): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const waitUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let index = 0; index < samples.length; index++) {
    // A sample stands for the time until the next one, up to the cap; past it, the thread waited.
    const next = Math.max(0, deltas[index + 1] ?? 0);
    const id = samples[index]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.min(next, SAMPLE_CAP_US));
    if (next > SAMPLE_CAP_US) waitUs.set(id, (waitUs.get(id) ?? 0) + next - SAMPLE_CAP_US);
  }
  const byPlace = new Map<string, { function: string; location: string; us: number }>();
  let idleUs = 0;
  let totalUs = 0;
  let waitedUs = 0;
  const add = (id: number, us: number, waiting: boolean) => {
    totalUs += us;
    const frame = nodes.get(id)?.callFrame;
    if (!frame) return;
    if (frame.functionName === "(idle)") {
      idleUs += us;
      return;
    }
    if (waiting) waitedUs += us;
    const place = locate(frame);
    const name = waiting ? `(wait after ${place.function})` : place.function;
    const key = `${name}\u0000${place.location}`;
    const entry = byPlace.get(key) ?? { function: name, location: place.location, us: 0 };
    entry.us += us;
    byPlace.set(key, entry);
  };
  for (const [id, us] of selfUs) add(id, us, false);
  for (const [id, us] of waitUs) add(id, us, true);
  const busyUs = totalUs - idleUs;
  return {
    case: name,
    file: null,
    totalMs: round(totalUs / 1000),
    busyMs: round(busyUs / 1000),
    waitMs: round(waitedUs / 1000),
    top: [...byPlace.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((entry) => ({ function: entry.function, location: entry.location, selfMs: round(entry.us / 1000), pct: round((entry.us / Math.max(busyUs, 1)) * 100) })),
  };
}

function locate(frame: CpuProfile["nodes"][number]["callFrame"]): { function: string; location: string } {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return { function: name, location: name.startsWith("(") ? "runtime" : "native" };
  if (map && bundleName && frame.url.endsWith(bundleName)) {
    const original = originalPositionFor(map, { line: frame.lineNumber + 1, column: Math.max(0, frame.columnNumber) });
    if (original.source) {
      return { function: name, location: `${projectPath(original.source)}:${original.line}` };
    }
  }
  return { function: name, location: `${projectPath(frame.url)}:${frame.lineNumber + 1}` };
}

/** `../../work/…/src/core/vault.ts` → `src/core/vault.ts`; `…/node_modules/zod/v4/…` → `node_modules/zod/v4/…`. */
function projectPath(path: string): string {
  const match = /(?:^|\/)((?:node_modules|src|bench|test)\/.*)$/.exec(path);
  return match ? match[1]! : path.replace(/^.*\//, "");
}

const round = (value: number) => Math.round(value * 10) / 10;

/**
 * Starts Workers under `wrangler dev` the way a user (and the e2e stack) runs them: the gateway
 * through `npm run dev` (local D1 migrations, then `wrangler dev`), the bare pass-through with
 * `wrangler dev` directly. Each gets its own port and state directory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { rssBytes, workerdPids } from "./proc.ts";

export interface RunningWorker {
  url: string;
  pid: number;
  /** workerd processes, in start order (the Worker runs in the last). */
  workerd: number[];
  /** The Worker's inspector (DevTools protocol), when asked for. */
  inspectorPort: number | null;
  stop(): Promise<void>;
}

export interface WorkerLaunch {
  /** `npm` with `run dev --`, or the wrangler binary. */
  command: string;
  args: string[];
  vars: Record<string, string>;
  label: string;
  cwd: string;
  /** Serve the Worker's inspector on a port of its own. */
  inspector?: boolean;
}

/** Process groups this run started and has not stopped yet. */
const running = new Set<number>();

/**
 * Kills every worker this run started and has not stopped (their whole process groups), at
 * once and synchronously: for exits and signals.
 */
export function killStarted(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  running.clear();
}

const WRANGLER_FLAGS = ["--ip", "127.0.0.1", "--show-interactive-dev-session=false", "--log-level", "warn"];

/**
 * @example
 * const gateway = await startWorker(gatewayLaunch(root, state, vars));
 * await fetch(`${gateway.url}/health`);
 * await gateway.stop();
 */
export async function startWorker(launch: WorkerLaunch): Promise<RunningWorker> {
  const port = await freePort();
  const inspectorPort = launch.inspector ? await freePort() : null;
  const args = [...launch.args, "--port", String(port), ...WRANGLER_FLAGS];
  if (inspectorPort !== null) args.push("--inspector-port", String(inspectorPort));
  for (const [name, value] of Object.entries(launch.vars)) args.push("--var", `${name}:${value}`);
  const child = spawn(launch.command, args, {
    cwd: launch.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
  if (child.pid !== undefined) running.add(child.pid);
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    if (process.env.BENCH_VERBOSE === "1") process.stderr.write(chunk);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, child, () => output, launch.label);
    const workerd = await settledWorkerd(child.pid!);
    return { url, pid: child.pid!, workerd, inspectorPort, stop: () => stopChild(child) };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

// The workerd processes exist by the time /health answers; wait until their count is stable.
async function settledWorkerd(root: number): Promise<number[]> {
  let previous: number[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    const pids = workerdPids(root).filter((pid) => rssBytes(pid) !== null);
    if (pids.length > 0 && pids.join() === previous.join()) return pids;
    previous = pids;
    await sleep(250);
  }
  return previous;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string, label: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${label} exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${url}/health`);
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${label} did not answer /health within 120 s:\n${output()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid !== undefined) running.delete(child.pid);
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name); // the process group this benchmark started
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const timeout = setTimeout(() => signal("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timeout);
  // wrangler's workerd children may outlive it by a moment.
  await sleep(300);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The gateway `npm run demo` talks to: the one answering at its URL, or, when nothing answers
 * on a loopback URL, one it starts itself with `npm run dev` in simulator mode (no provider key
 * in its environment, an empty env file instead of .dev.vars, a temporary local state) and stops
 * at the end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROVIDER_KEYS } from "../provider-keys.ts";

export interface Gateway {
  url: string;
  /** What `GET /health` answered. */
  health: { status: string; simulators?: boolean };
  /** Whether the demo started this gateway itself. */
  started: boolean;
  stop(): Promise<void>;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * @example
 * const gateway = await findOrStartGateway("http://localhost:8787", (line) => console.log(line));
 * try { … } finally { await gateway.stop(); }
 */
export async function findOrStartGateway(url: string, say: (line: string) => void): Promise<Gateway> {
  const running = await healthOf(url);
  if (running) return { url, health: running, started: false, stop: async () => {} };

  const { hostname, port, protocol } = new URL(url);
  if (!LOOPBACK.has(hostname) || protocol !== "http:") throw new Error(`nothing answers at ${url}/health`);
  say(`Nothing answers at ${url}: starting a gateway with local simulators (npm run dev) on port ${port || 80}…`);

  const state = mkdtempSync(join(tmpdir(), "batchbridge-demo-"));
  const emptyEnvFile = join(state, "empty.env");
  writeFileSync(emptyEnvFile, "");
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "true" };
  for (const name of PROVIDER_KEYS) delete env[name];
  const args = ["run", "dev", "--", "--port", port || "80", "--ip", hostname.replace(/^\[|\]$/g, ""), "--persist-to", join(state, "wrangler"), "--env-file", emptyEnvFile, "--show-interactive-dev-session=false"];
  const child = spawn("npm", args, { stdio: ["ignore", "pipe", "pipe"], detached: true, env });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));

  const stop = async (): Promise<void> => {
    await stopGroup(child);
    rmSync(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const health = await healthOf(url);
    if (health) return { url, health, started: true, stop };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await stop();
  throw new Error(`the gateway did not start at ${url}:\n${output}`);
}

async function healthOf(url: string): Promise<Gateway["health"] | null> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3_000) });
    return response.ok ? ((await response.json()) as Gateway["health"]) : null;
  } catch {
    return null;
  }
}

// SIGTERM to npm's whole process group (npm, dev.mjs with the simulators, wrangler, workerd),
// SIGKILL after 10 s.
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(-pid, name);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const timeout = setTimeout(() => signal("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timeout);
}

/**
 * What the cases run against: the fakes (one Node process for the whole run), the gateway
 * (`npm run dev -- -c <config>`: the deployed Worker plus bench routes, bundled once, fresh for
 * each case) and the bare pass-through Worker.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { KEYS } from "./keys.ts";
import { startWorker, type RunningWorker } from "./workers.ts";

export interface Fakes {
  urls: { anthropic: string; anthropicHeld: string; openai: string; gemini: string };
  pid: number;
  stop(): void;
}

export const ROOT = new URL("../..", import.meta.url).pathname;

/** Starts bench/lib/fakes-server.ts and waits for its URLs. */
export async function startFakes(): Promise<Fakes> {
  const child = spawn(process.execPath, ["--max-old-space-size=8192", join(ROOT, "bench/lib/fakes-server.ts")], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the fakes exited with ${code}`)));
    createInterface({ input: child.stdout! }).once("line", resolve);
  });
  return { urls: JSON.parse(line) as Fakes["urls"], pid: child.pid!, stop: () => child.kill("SIGTERM") };
}

/**
 * Bundles the bench gateway once: wrangler.toml (the deployed Worker's own config, bindings and
 * all) with its main pointed at bench/worker/gateway-bench-entry.js, built into a state
 * directory, and a config that runs that bundle as is (`no_bundle`). Every gateway of the run
 * then runs the same build: `wrangler dev` rebuilds and restarts the Worker whenever a source
 * file changes, which would kill a case midway if the sources were edited during the run.
 *
 * @example
 * const config = buildGateway(); // …/run/wrangler.toml
 */
export function buildGateway(): string {
  const dir = newStateDir();
  const source = readFileSync(join(ROOT, "wrangler.toml"), "utf8")
    .replace(/^name = .*$/m, 'name = "batchbridge-bench"')
    .replace(/^migrations_dir = .*$/m, `migrations_dir = ${JSON.stringify(join(ROOT, "migrations"))}`)
    // The copy lives in a temporary folder: relative paths (the assets' directory, the
    // `[alias]` targets) must name the project's.
    .replace(/^("[^"]+"|\w+) = "\.\/(.*)"$/gm, (_line, key: string, path: string) => `${key} = ${JSON.stringify(join(ROOT, path))}`);
  if (!/^main = .*$/m.test(source)) throw new Error("wrangler.toml has no main");
  const entry = join(ROOT, "bench/worker/gateway-bench-entry.js");
  // Not minified, and with a source map: the CPU profiles name the gateway's own functions and
  // map them back to src/ (bench/lib/profile.ts). The bundle case measures the deployed build.
  const build = source.replace(/^minify = .*$/m, "minify = false").replace(/^main = .*$/m, `main = ${JSON.stringify(entry)}\nupload_source_maps = true`);
  writeFileSync(join(dir, "build.toml"), build);
  const out = join(dir, "run");
  const built = spawnSync(join(ROOT, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "-c", join(dir, "build.toml"), "--outdir", out], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
  if (built.status !== 0) throw new Error(`bundling the bench gateway failed:\n${built.stdout}${built.stderr}`);
  writeFileSync(join(out, "wrangler.toml"), source.replace(/^main = .*$/m, 'main = "gateway-bench-entry.js"\nno_bundle = true'));
  return join(out, "wrangler.toml");
}

export interface GatewayOptions {
  /** The config from `buildGateway()`. */
  config: string;
  /** Anthropic upstream (default: the fake whose batches end). */
  anthropicUrl?: string;
  /** Local D1 state to reuse (default: a new directory). */
  stateDir?: string;
}

export interface Gateway extends RunningWorker {
  stateDir: string;
}

/** A freshly started gateway, pointed at the fakes. */
export async function startGateway(fakes: Fakes, options: GatewayOptions): Promise<Gateway> {
  const stateDir = options.stateDir ?? newStateDir();
  const worker = await startWorker({
    label: "the gateway (npm run dev)",
    cwd: ROOT,
    inspector: true,
    command: "npm",
    args: ["run", "dev", "--", "-c", options.config, "--persist-to", stateDir],
    vars: {
      ANTHROPIC_API_KEY: KEYS.anthropic,
      ANTHROPIC_BASE_URL: options.anthropicUrl ?? fakes.urls.anthropic,
      OPENAI_API_KEY: KEYS.openai,
      OPENAI_BASE_URL: `${fakes.urls.openai}/v1`,
      GEMINI_API_KEY: KEYS.gemini,
      GEMINI_BASE_URL: fakes.urls.gemini,
      // Batches end only once the background worker (Queues binding JOBS) has polled them and
      // vaulted their results (R2 binding RESULTS): polls every second, as the e2e stack does
      // (the defaults, 30 s backing off to 600 s, would leave every batch case waiting minutes).
      BATCH_POLL_MIN_SECONDS: "1",
      BATCH_POLL_MAX_SECONDS: "1",
    },
  });
  return { ...worker, stateDir };
}

/** The bare pass-through Worker (bench/passthrough), forwarding to `upstream`. */
export function startPassthrough(upstream: string): Promise<RunningWorker> {
  return startWorker({
    label: "the pass-through worker (wrangler dev)",
    cwd: ROOT,
    command: join(ROOT, "node_modules/.bin/wrangler"),
    args: ["dev", "-c", "bench/passthrough/wrangler.toml", "--persist-to", newStateDir()],
    vars: { UPSTREAM_URL: upstream, UPSTREAM_KEY: KEYS.anthropic },
  });
}

const stateDirs: string[] = [];

export function newStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "batchbridge-bench-"));
  stateDirs.push(dir);
  return dir;
}

/** Removes every state directory this run made. */
export function removeStateDirs(): void {
  for (const dir of stateDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

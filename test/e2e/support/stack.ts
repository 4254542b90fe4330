/**
 * The whole system on this machine, as a user runs it: the provider fakes served over HTTP,
 * and the gateway under `npm run dev` (wrangler dev, local D1) pointed at them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import type { ProviderName } from "../../../src/domain/provider-name";
import { TEST_PROVIDER_LIST } from "../../providers/index.ts";
import { serveFetch, type RunningServer } from "./node-server.ts";

/** The test credentials the fakes accept (test/providers/<name>.ts), for tests that call a fake directly. */
export const KEYS = {
  anthropic: "test-anthropic-key",
  openai: "test-openai-key",
  gemini: "test-gemini-key",
  awsAccessKeyId: "AKIDTESTBATCHBRIDGE",
  awsSecretAccessKey: "test-aws-secret-key",
  awsRegion: "us-east-1",
};

export interface Stack {
  gatewayUrl: string;
  /** Where each provider's fake listens. */
  fakes: Record<ProviderName, string>;
  /** Kills the gateway at once (SIGKILL, as a crash would), keeping its local state. */
  killGateway(): Promise<void>;
  /** Starts the gateway again on the same port and local state (D1, R2, queues). */
  startGateway(): Promise<void>;
  stop(): Promise<void>;
}

/** Wraps a fake: answers `request` itself, or passes it on with `next`. */
export type UpstreamWrapper = (provider: ProviderName, request: Request, next: (request: Request) => Promise<Response>) => Promise<Response>;

export interface StackOptions {
  /** Extra `--var NAME:VALUE` settings for the gateway. */
  vars?: Record<string, string>;
  /** Print the gateway's output. */
  verbose?: boolean;
  /** Stands between the gateway and the fakes (to stall or fail a call). */
  upstream?: UpstreamWrapper;
}

/**
 * @example
 * const stack = await startStack();
 * const client = new Anthropic({ baseURL: `${stack.gatewayUrl}/anthropic`, apiKey: "any" });
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const servers: RunningServer[] = [];
  const serve = async (handler: (request: Request) => Promise<Response>) => {
    const server = await serveFetch(handler);
    servers.push(server);
    return server.url;
  };
  const wrap = options.upstream ?? ((_provider, request, next) => next(request));
  const fakes = {} as Record<ProviderName, string>;
  const providerVars: Record<string, string> = {};
  for (const provider of TEST_PROVIDER_LIST) {
    const fake = provider.fake();
    fakes[provider.name] = await serve((r) => wrap(provider.name, r, (q) => fake.fetch(q)));
    Object.assign(providerVars, provider.servedVars(fakes[provider.name]));
  }

  const vars: Record<string, string> = {
    ...providerVars,
    // Background polls a second after a create, then backing off to 4 s; a lapsed vault lease
    // is taken over after 3 s (a gateway killed mid-vault).
    BATCH_POLL_MIN_SECONDS: "1",
    BATCH_POLL_MAX_SECONDS: "4",
    VAULT_LEASE_SECONDS: "3",
    ...options.vars,
  };

  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), "batchbridge-e2e-"));
  const args = ["run", "dev", "--", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", state, "--show-interactive-dev-session=false"];
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const gatewayUrl = `http://127.0.0.1:${port}`;
  const launch = async (): Promise<ChildProcess> => {
    const started = spawn("npm", args, { stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...process.env, CI: "true" } });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (options.verbose) process.stderr.write(chunk);
    };
    started.stdout?.on("data", collect);
    started.stderr?.on("data", collect);
    try {
      await waitForHealth(gatewayUrl, started, () => output);
    } catch (error) {
      await stopChild(started);
      throw error;
    }
    return started;
  };
  let child: ChildProcess;
  try {
    child = await launch();
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    throw error;
  }
  return {
    gatewayUrl,
    fakes,
    async killGateway() {
      await stopChild(child, "SIGKILL");
    },
    async startGateway() {
      child = await launch();
    },
    async stop() {
      await stopChild(child);
      await Promise.all(servers.map((server) => server.close()));
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until `url/health` answers 200, failing early when `child` exits.
 *
 * @example
 * await waitForHealth(gatewayUrl, child, () => output);
 */
export async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm run dev exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the gateway did not answer /health within 90 s:\n${output()}`);
}

/**
 * SIGTERM (or `signal`) to a detached child's process group, SIGKILL after 5 s.
 *
 * @example
 * await stopChild(child);
 */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
  const timeout = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timeout);
}

/**
 * A loopback port nothing listens on, below Linux's ephemeral range (32768 and up): a port the
 * kernel handed out for port 0 could be handed out again, before `wrangler dev` binds it, to
 * one of the many ephemeral listeners the parallel stacks' workerd processes open (one CI run
 * failed "Address already in use" that way).
 *
 * @example
 * const port = await freePort();
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new Error("no free loopback port between 20000 and 32000");
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

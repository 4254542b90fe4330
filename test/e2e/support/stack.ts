/**
 * The whole system on this machine, as a user runs it: the provider fakes served over HTTP,
 * and the gateway under `npm run dev` (wrangler dev, local D1) pointed at them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { createFakeAnthropic } from "../../fakes/anthropic/index.ts";
import { createFakeBedrock } from "../../fakes/bedrock/index.ts";
import { createFakeGemini } from "../../fakes/gemini/index.ts";
import { createFakeOpenAI } from "../../fakes/openai/index.ts";
import { serveFetch, type RunningServer } from "./node-server.ts";

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
  fakes: { anthropic: string; openai: string; gemini: string; bedrock: string };
  /** Kills the gateway at once (SIGKILL, as a crash would), keeping its local state. */
  killGateway(): Promise<void>;
  /** Starts the gateway again on the same port and local state (D1, R2, queues). */
  startGateway(): Promise<void>;
  stop(): Promise<void>;
}

/** Wraps a fake: answers `request` itself, or passes it on with `next`. */
export type UpstreamWrapper = (provider: "anthropic" | "openai" | "gemini" | "bedrock", request: Request, next: (request: Request) => Promise<Response>) => Promise<Response>;

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
  const anthropic = createFakeAnthropic({ apiKey: KEYS.anthropic });
  const openai = createFakeOpenAI({ apiKey: KEYS.openai });
  const gemini = createFakeGemini({ apiKey: KEYS.gemini });
  // minRecordsPerJob matches BEDROCK_BATCH_MIN_RECORDS below (Bedrock's own quota, lowered as an account may).
  const bedrock = createFakeBedrock({ accessKeyId: KEYS.awsAccessKeyId, secretAccessKey: KEYS.awsSecretAccessKey, region: KEYS.awsRegion, minRecordsPerJob: 2 });
  const wrap = options.upstream ?? ((_provider, request, next) => next(request));
  const fakes = {
    anthropic: await serve((r) => wrap("anthropic", r, (q) => anthropic.fetch(q))),
    openai: await serve((r) => wrap("openai", r, (q) => openai.fetch(q))),
    gemini: await serve((r) => wrap("gemini", r, (q) => gemini.fetch(q))),
    bedrock: await serve((r) => wrap("bedrock", r, (q) => bedrock.fetch(q))),
  };

  const vars: Record<string, string> = {
    ANTHROPIC_API_KEY: KEYS.anthropic,
    ANTHROPIC_BASE_URL: fakes.anthropic,
    OPENAI_API_KEY: KEYS.openai,
    OPENAI_BASE_URL: `${fakes.openai}/v1`,
    GEMINI_API_KEY: KEYS.gemini,
    GEMINI_BASE_URL: fakes.gemini,
    AWS_ACCESS_KEY_ID: KEYS.awsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: KEYS.awsSecretAccessKey,
    AWS_REGION: KEYS.awsRegion,
    BEDROCK_BASE_URL: `${fakes.bedrock}/bedrock`,
    BEDROCK_RUNTIME_BASE_URL: `${fakes.bedrock}/bedrock-runtime`,
    S3_BASE_URL: `${fakes.bedrock}/s3`,
    BEDROCK_BATCH_S3_URI: "s3://batchbridge-test/batches/",
    BEDROCK_BATCH_ROLE_ARN: "arn:aws:iam::123456789012:role/BatchBridgeBedrockBatch",
    BEDROCK_BATCH_MIN_RECORDS: "2",
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
 * A loopback port nothing listens on.
 *
 * @example
 * const port = await freePort();
 */
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

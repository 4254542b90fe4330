/**
 * `npm run dev` as a newcomer runs it on a fresh machine: no provider key in the environment,
 * no .dev.vars in effect (an empty `--env-file` replaces it), a temporary local state.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, stopChild, waitForHealth } from "./stack.ts";

/** Every variable that names a provider credential: none may reach a keyless run. */
export const PROVIDER_SECRETS = ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

/**
 * The test process's environment without any provider credential.
 *
 * @example
 * spawn("npm", ["run", "demo"], { env: keylessEnv() });
 */
export function keylessEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "true", ...extra };
  for (const name of PROVIDER_SECRETS) delete env[name];
  return env;
}

export interface KeylessDev {
  url: string;
  child: ChildProcess;
  /** Everything `npm run dev` printed so far (stdout and stderr). */
  output(): string;
  /** Only what it printed on stdout, in order. */
  stdout(): string;
  /** Stops the whole process group if still running, and removes the temporary state. */
  cleanUp(): Promise<void>;
}

/**
 * @example
 * const dev = await startKeylessDev();
 * await fetch(`${dev.url}/health`);
 */
export async function startKeylessDev(): Promise<KeylessDev> {
  const state = mkdtempSync(join(tmpdir(), "batchbridge-keyless-"));
  const emptyEnvFile = join(state, "empty.env");
  writeFileSync(emptyEnvFile, "");
  const port = await freePort();
  const args = ["run", "dev", "--", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", join(state, "wrangler"), "--env-file", emptyEnvFile, "--show-interactive-dev-session=false"];
  const child = spawn("npm", args, { stdio: ["ignore", "pipe", "pipe"], detached: true, env: keylessEnv() });
  let output = "";
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
    if (process.env.E2E_VERBOSE === "1") process.stderr.write(chunk);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    if (process.env.E2E_VERBOSE === "1") process.stderr.write(chunk);
  });
  const url = `http://127.0.0.1:${port}`;
  const cleanUp = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) await stopChild(child);
    // Whatever npm left behind in its group (nothing, when stopping works).
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // the group is gone
    }
    rmSync(state, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, child, () => output);
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return { url, child, output: () => output, stdout: () => stdout, cleanUp };
}

/**
 * Whether something accepts connections at `url`.
 *
 * @example
 * expect(await answers(dev.url)).toBe(false);
 */
export async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

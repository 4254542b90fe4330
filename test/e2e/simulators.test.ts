/**
 * A newcomer's first run: `npm run dev` with no provider key anywhere starts local simulators
 * of every provider, says so (banner, /health), and the README's examples and the seed's
 * workflow run against them with the official SDK; stopping npm stops everything.
 * The shared stack (keys given with --var) shows that a key turns all of this off.
 */
import Anthropic from "@anthropic-ai/sdk";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { answers, keylessEnv, startKeylessDev, type KeylessDev } from "./support/keyless";

const README = readFileSync("README.md", "utf8");
const NODE = resolve("node_modules/.bin/node");

/** The code block of `lang` that follows the paragraph starting with `label` in the README. */
function readmeExample(label: string, lang: string): string {
  const start = README.indexOf(`\n${label}`);
  expect(start, `README has no "${label}" paragraph`).toBeGreaterThan(-1);
  const open = README.indexOf("```" + lang + "\n", start);
  const close = README.indexOf("\n```", open + 1);
  return README.slice(open + lang.length + 4, close + 1);
}

const hasPythonSdk = spawnSync("python3", ["-c", "import anthropic"], { stdio: "ignore" }).status === 0;

let dev: KeylessDev;
let scratch: string;

beforeAll(async () => {
  dev = await startKeylessDev();
  scratch = mkdtempSync(join(tmpdir(), "batchbridge-readme-"));
  // The examples import @anthropic-ai/sdk as a user's project would, from its node_modules.
  symlinkSync(resolve("node_modules"), join(scratch, "node_modules"), "dir");
}, 150_000);

afterAll(async () => {
  await dev?.cleanUp();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Runs a README example as printed, only pointed at this test's gateway port. */
function runExample(command: string, file: string, code: string): { status: number | null; stdout: string; stderr: string } {
  const path = join(scratch, file);
  writeFileSync(path, code.replaceAll("http://localhost:8787", dev.url));
  const run = spawnSync(command, [path], { cwd: scratch, env: keylessEnv(), encoding: "utf8", timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("npm run dev with no provider key", () => {
  it("says in a banner, before wrangler's own output, that it runs against local simulators", () => {
    const stdout = dev.stdout();
    const banner = stdout.indexOf("batchbridge: no provider key is set, so the gateway runs against LOCAL SIMULATORS.");
    expect(banner).toBeGreaterThan(-1);
    const output = dev.output();
    expect(output.indexOf("LOCAL SIMULATORS")).toBeLessThan(output.indexOf("⛅️ wrangler"));
    // Only npm's own two-line header comes first.
    const before = stdout.slice(0, banner).split("\n").filter((line) => line.trim() !== "" && !/^=+$/.test(line));
    expect(before).toEqual(["> batchbridge@0.1.0 dev", expect.stringMatching(/^> node scripts\/dev\.mjs /)]);
    for (const provider of ["anthropic", "openai", "gemini", "bedrock"]) {
      expect(stdout).toMatch(new RegExp(`simulator ${provider} +http://127\\.0\\.0\\.1:\\d+`));
    }
    expect(stdout).toContain('GET /health says\n{"status":"ok","simulators":true}');
  });

  it("says so on GET /health", async () => {
    const response = await fetch(`${dev.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", simulators: true });
  });

  it("runs the README's TypeScript example as printed (gemini)", () => {
    const run = runExample(NODE, "example.mts", readmeExample("TypeScript", "ts"));
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^msgbatch_[0-9A-Z]{26} ended$/m);
    expect(run.stdout.trim().split("\n").at(-1)).toBe("q1 succeeded");
  }, 120_000);

  it.skipIf(!hasPythonSdk)("runs the README's Python example as printed (openai, with an uploaded file)", () => {
    const run = runExample("python3", "example.py", readmeExample("Python", "python"));
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split("\n").sort()).toEqual(["q1 succeeded", "q2 succeeded"]);
  }, 120_000);

  it.each([
    ["anthropic", "claude-3-sonnet-20240229"],
    ["openai", "gpt-4o-mini"],
    ["gemini", "gemini-2.5-flash"],
    ["bedrock", "claude-3-sonnet-20240229"],
  ])("runs the seed's batch workflow on %s (%s): ends within seconds, answers echo the prompt", async (provider, model) => {
    const client = new Anthropic({
      baseURL: `${dev.url}/anthropic`,
      apiKey: "virtual-key-or-dummy-key",
      // The SDK's default retries, as the seed's users run it: a keep-alive connection that
      // wrangler dev closed while idle (here, during the slow README examples) is retried.
      ...(provider === "anthropic" ? {} : { defaultHeaders: { "x-model-provider": provider } }),
    });
    const questions = { "math-question": "What is 15 * 7?", "geography-question": "What is the largest ocean?" };
    const requests = Object.entries(questions).map(([custom_id, content]) => ({ custom_id, params: { model, max_tokens: 100, messages: [{ role: "user" as const, content }] } }));
    const created = await client.beta.messages.batches.create({ requests });
    expect(created.processing_status).toBe("in_progress");

    // The client polls rarely: the simulators' own clock ends the batch.
    const start = Date.now();
    let batch = await client.beta.messages.batches.retrieve(created.id);
    while (batch.processing_status !== "ended" && Date.now() - start < 30_000) {
      await new Promise((done) => setTimeout(done, 3_000));
      batch = await client.beta.messages.batches.retrieve(created.id);
    }
    expect(batch.processing_status).toBe("ended");
    expect(Date.now() - start).toBeLessThan(15_000);
    expect(batch.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });

    const listed = await client.beta.messages.batches.list({ limit: 20 });
    expect(listed.data.map((b) => b.id)).toContain(created.id);

    const answers: Record<string, string> = {};
    for await (const line of await client.beta.messages.batches.results(created.id)) {
      expect(line.result.type).toBe("succeeded");
      if (line.result.type === "succeeded") answers[line.custom_id] = (line.result.message.content[0] as { text: string }).text;
    }
    expect(answers).toEqual({ "math-question": "echo: What is 15 * 7?", "geography-question": "echo: What is the largest ocean?" });
  }, 60_000);

  // Last: it stops the gateway the tests above use.
  it("stops the gateway and every simulator when npm is stopped (SIGTERM to npm alone)", async () => {
    const simulators = [...dev.stdout().matchAll(/simulator \w+ +(http:\/\/127\.0\.0\.1:\d+)/g)].map((match) => match[1]!);
    expect(simulators).toHaveLength(4);
    for (const url of [dev.url, ...simulators]) expect(await answers(url)).toBe(true);

    const exited = new Promise((done) => dev.child.once("exit", done));
    dev.child.kill("SIGTERM");
    await exited;
    // dev.mjs notices within half a second that npm is gone, then stops wrangler.
    const deadline = Date.now() + 15_000;
    let open = [dev.url, ...simulators];
    while (open.length > 0 && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 500));
      open = (await Promise.all(open.map(async (url) => ((await answers(url)) ? url : null)))).filter((url): url is string => url !== null);
    }
    expect(open).toEqual([]);
  }, 30_000);
});

describe("npm run dev with a provider key (the shared e2e stack, keys given with --var)", () => {
  it("runs no simulators: /health is as it always was", async () => {
    const response = await fetch(`${inject("gatewayUrl")}/health`);
    expect(await response.json()).toEqual({ status: "ok" });
  });
});

/**
 * `npm run demo` where nothing answers at BATCHBRIDGE_URL: it starts a gateway with local
 * simulators, runs the seed's workflows on every provider, prints a readable transcript, exits
 * 0, and stops the gateway it started.
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { answers, keylessEnv } from "./support/keyless";
import { serveFetch } from "./support/node-server";
import { freePort } from "./support/stack";

function runDemo(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "demo"], { stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run demo", () => {
  it("starts a simulator gateway when none answers, runs the seed's workflows on every provider, and stops it", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { code, stdout, stderr } = await runDemo(keylessEnv({ BATCHBRIDGE_URL: url }));
    if (code !== 0) console.error(stdout, stderr);
    expect(code).toBe(0);

    const lines = stdout.split("\n");
    expect(lines).toContain(`Nothing answers at ${url}: starting a gateway with local simulators (npm run dev) on port ${new URL(url).port}…`);
    expect(lines).toContain(`Gateway: ${url} (started by the demo); local simulators: yes`);

    // Files: upload, list, download (refused for an uploaded file, as the seed says), delete.
    expect(stdout).toMatch(/^ {2}✓ upload: file_[0-9A-Z]{26} test_upload\.txt, 46 bytes, text\/plain$/m);
    expect(stdout).toMatch(/^ {2}✓ list: file_[0-9A-Z]{26} is listed/m);
    expect(stdout).toMatch(/^ {2}✓ download: refused, as Anthropic refuses files you uploaded: 400 /m);
    expect(stdout).toMatch(/^ {2}✓ delete: file_[0-9A-Z]{26} deleted; reading it now answers 404$/m);

    // The same batch on each provider: created, watched with a progress bar, listed, results read, another cancelled.
    for (const [provider, model] of [["anthropic", "claude-haiku-4-5"], ["openai", "gpt-4o-mini"], ["gemini", "gemini-2.5-flash"], ["bedrock", "claude-haiku-4-5"]]) {
      const section = stdout.slice(stdout.indexOf(`== Batch on ${provider} (${model}) ==`), stdout.indexOf("\n==", stdout.indexOf(`== Batch on ${provider}`) + 3));
      expect(section, provider).toMatch(/^ {2}✓ create: msgbatch_[0-9A-Z]{26}, in_progress, 2 requests$/m);
      expect(section, provider).toMatch(/^ {6}\[#{20}\] 2\/2 ended$/m);
      expect(section, provider).toMatch(/^ {2}✓ watch: ended after \d+ polls \([\d.]+ s\): 2 succeeded$/m);
      expect(section, provider).toMatch(/^ {2}✓ list: msgbatch_[0-9A-Z]{26} is in the list/m);
      expect(section, provider).toMatch(/^ {2}✓ results: 2 lines$/m);
      expect(section, provider).toContain('      math-question: "echo: What is 15 * 7?"');
      expect(section, provider).toContain('      geography-question: "echo: What is the largest ocean?"');
      expect(section, provider).toMatch(/^ {2}✓ cancel another: msgbatch_[0-9A-Z]{26}, (canceling|ended)$/m);
      expect(section, provider).toMatch(/^ {2}✓ canceled batch ends: ended: /m);
    }
    expect(stdout).toMatch(/^ {2}✓ download output file: file_[0-9A-Z]{26} msgbatch_[0-9A-Z]{26}_gpt-4o-mini-0_output\.jsonl: 2 lines$/m);

    // Usage of each of the eight batches (two per provider): tokens and cost, from the gateway's usage endpoint.
    const usage = stdout.slice(stdout.indexOf("== Usage and cost =="));
    const usageLines = usage.match(
      /^ {2}✓ msgbatch_[0-9A-Z]{26} \((anthropic|openai|gemini|bedrock)\): \d+ input, \d+ output, \d+ cache write, \d+ cache read tokens; cost \$(null|\d[\d.e-]*)( \(.+\))?$/gm,
    );
    expect(usageLines).toHaveLength(8);
    for (const provider of ["anthropic", "openai", "gemini", "bedrock"]) expect(usageLines!.filter((line) => line.includes(`(${provider})`)), provider).toHaveLength(2);
    // The finished batch of each provider (2 requests answered "echo: …") used tokens.
    for (const provider of ["anthropic", "openai", "gemini", "bedrock"]) {
      expect(usageLines!.some((line) => line.includes(`(${provider})`) && /: [1-9]\d* input, [1-9]\d* output/.test(line)), provider).toBe(true);
    }

    expect(stdout).not.toContain("✗");
    expect(lines).toContain("Stopping the gateway the demo started…");
    expect(stdout).toMatch(/^Demo passed: \d+ steps passed, 0 failed\.$/m);
    expect(await answers(url)).toBe(false);
  }, 300_000);

  it("exits non-zero when steps do not do what the seed says (a gateway that refuses everything)", async () => {
    const broken = await serveFetch(async (request) =>
      new URL(request.url).pathname === "/health"
        ? Response.json({ status: "ok" })
        : Response.json({ type: "error", error: { type: "invalid_request_error", message: "refused by the test" } }, { status: 400 }),
    );
    try {
      const { code, stdout } = await runDemo(keylessEnv({ BATCHBRIDGE_URL: broken.url }));
      expect(code).toBe(1);
      expect(stdout).toContain(`Gateway: ${broken.url}; local simulators: no`);
      expect(stdout).toMatch(/^ {2}✗ upload: 400 /m);
      expect(stdout).toMatch(/^ {2}✗ create: 400 /m);
      expect(stdout).toMatch(/^Demo FAILED: 0 steps passed, 9 failed\.$/m);
    } finally {
      await broken.close();
    }
  }, 60_000);

  it("exits non-zero, saying why, when the gateway is remote and does not answer", async () => {
    const { code, stderr } = await runDemo(keylessEnv({ BATCHBRIDGE_URL: "http://192.0.2.1:9" }));
    expect(code).toBe(1);
    expect(stderr).toContain("✗ no gateway: nothing answers at http://192.0.2.1:9/health");
  }, 60_000);
});

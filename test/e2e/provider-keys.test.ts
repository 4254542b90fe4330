/**
 * When `npm run dev` starts the simulators: only when no provider key reaches wrangler dev from
 * anywhere (scripts/provider-keys.ts follows wrangler's own choice of files).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configuredProviderKeys } from "../../scripts/provider-keys.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "batchbridge-keys-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const keys = (args: string[] = [], env: Record<string, string> = {}) => configuredProviderKeys({ args, env, cwd: dir });
const file = (name: string, text: string) => writeFileSync(join(dir, name), text);

describe("configuredProviderKeys", () => {
  it("finds none on a fresh machine (no key set, no vars file), whatever else is set", () => {
    file(".dev.vars", "ADMIN_TOKEN=secret\nOPENAI_BASE_URL=http://localhost:1/v1\n");
    expect(keys(["--port", "8787", "--var", "ADMIN_TOKEN:x"], { PATH: "/usr/bin", AWS_REGION: "us-east-1" })).toEqual([]);
  });

  it("finds a key in the environment, and ignores an empty one", () => {
    expect(keys([], { GEMINI_API_KEY: "g" })).toEqual([{ name: "GEMINI_API_KEY", from: "environment" }]);
    expect(keys([], { GEMINI_API_KEY: "", OPENAI_API_KEY: "  " })).toEqual([]);
  });

  it("finds keys given with --var, in every form yargs accepts", () => {
    expect(keys(["--var", "OPENAI_API_KEY:sk-1", "AWS_ACCESS_KEY_ID:AKID", "--var=ANTHROPIC_API_KEY:a:b", "--port", "1"])).toEqual([
      { name: "OPENAI_API_KEY", from: "--var" },
      { name: "AWS_ACCESS_KEY_ID", from: "--var" },
      { name: "ANTHROPIC_API_KEY", from: "--var" },
    ]);
  });

  it("reads .dev.vars (export prefixes, quotes, comments), and .dev.vars.<env> for --env", () => {
    file(".dev.vars", '# keys\nexport ANTHROPIC_API_KEY="sk-ant-1" # mine\nOPENAI_API_KEY=\n');
    expect(keys()).toEqual([{ name: "ANTHROPIC_API_KEY", from: join(dir, ".dev.vars") }]);
    file(".dev.vars.staging", "GEMINI_API_KEY=g\n");
    expect(keys(["--env", "staging"])).toEqual([{ name: "GEMINI_API_KEY", from: join(dir, ".dev.vars.staging") }]);
  });

  it("reads .env files only when there is no .dev.vars, as wrangler does", () => {
    file(".env", "OPENAI_API_KEY=sk-1\n");
    file(".env.local", "GEMINI_API_KEY=g\n");
    expect(keys().map((key) => key.name)).toEqual(["OPENAI_API_KEY", "GEMINI_API_KEY"]);
    expect(keys([], { CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "false" })).toEqual([]);
    file(".dev.vars", "ADMIN_TOKEN=x\n");
    expect(keys()).toEqual([]);
  });

  it("reads only the --env-file files when some are given (wrangler then skips .dev.vars)", () => {
    file(".dev.vars", "ANTHROPIC_API_KEY=sk-ant-1\n");
    file("empty.env", "");
    file("keys.env", "AWS_ACCESS_KEY_ID=AKID\n");
    expect(keys(["--env-file", "empty.env"])).toEqual([]);
    expect(keys(["--env-file", "empty.env", "keys.env"])).toEqual([{ name: "AWS_ACCESS_KEY_ID", from: join(dir, "keys.env") }]);
  });

  it("looks for the files beside the --config file", () => {
    const sub = mkdtempSync(join(dir, "app-"));
    writeFileSync(join(sub, ".dev.vars"), "OPENAI_API_KEY=sk-1\n");
    expect(keys(["--config", join(sub, "wrangler.toml")])).toEqual([{ name: "OPENAI_API_KEY", from: join(sub, ".dev.vars") }]);
    expect(keys()).toEqual([]);
  });
});

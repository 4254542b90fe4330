/**
 * Which provider keys `npm run dev` would give the gateway: from the environment, from the
 * files wrangler dev loads (the same choice wrangler makes: `--env-file` files if given, else
 * `.dev.vars[.<env>]`, else `.env`, `.env.local`, `.env.<env>`, `.env.<env>.local`), or from
 * `--var NAME:VALUE` arguments. With none at all, dev.mjs starts the local simulators.
 * See docs/sources/wrangler.md § Which files wrangler dev reads vars and secrets from.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { TEST_PROVIDER_LIST } from "../test/providers/index.ts";

/** One key per provider (its `devKey` in test/providers/<name>.ts): any of them set means "use real providers". */
export const PROVIDER_KEYS: readonly string[] = TEST_PROVIDER_LIST.map((provider) => provider.devKey);

export interface ConfiguredKey {
  name: string;
  /** "environment", "--var", or the file it was read from. */
  from: string;
}

export interface KeySources {
  /** The arguments given to `wrangler dev`. */
  args: readonly string[];
  env: Record<string, string | undefined>;
  cwd: string;
}

/**
 * The provider keys configured for `wrangler dev <args>`, each with where it was found.
 *
 * @example
 * configuredProviderKeys({ args: ["--var", "OPENAI_API_KEY:sk-1"], env: {}, cwd: process.cwd() });
 * // [{ name: "OPENAI_API_KEY", from: "--var" }]
 */
export function configuredProviderKeys({ args, env, cwd }: KeySources): ConfiguredKey[] {
  const found: ConfiguredKey[] = [];
  const add = (name: string, value: string | undefined, from: string): void => {
    if (PROVIDER_KEYS.includes(name) && typeof value === "string" && value.trim() !== "") found.push({ name, from });
  };
  for (const name of PROVIDER_KEYS) add(name, env[name], "environment");
  for (const setting of optionValues(args, ["--var"])) {
    const colon = setting.indexOf(":");
    if (colon > 0) add(setting.slice(0, colon), setting.slice(colon + 1), "--var");
  }
  const config = optionValues(args, ["--config", "-c"], true).at(-1);
  const dir = resolve(cwd, config ? dirname(config) : ".");
  const wranglerEnv = optionValues(args, ["--env", "-e"], true).at(-1);
  for (const file of loadedFiles(args, env, dir, wranglerEnv)) {
    for (const [name, value] of Object.entries(parseDotenv(readFileSync(file, "utf8")))) add(name, value, file);
  }
  return found;
}

// The files wrangler dev reads vars from (wrangler's getVarsForDev).
function loadedFiles(args: readonly string[], env: KeySources["env"], dir: string, wranglerEnv: string | undefined): string[] {
  const envFiles = optionValues(args, ["--env-file"]);
  if (envFiles.length > 0) return envFiles.map((file) => resolve(dir, file)).filter(existsSync);
  const devVars = [wranglerEnv ? `.dev.vars.${wranglerEnv}` : null, ".dev.vars"].filter((file): file is string => file !== null).map((file) => resolve(dir, file)).find(existsSync);
  if (devVars) return [devVars];
  if (env.CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV === "false") return [];
  const dotEnv = [".env", ".env.local", ...(wranglerEnv ? [`.env.${wranglerEnv}`, `.env.${wranglerEnv}.local`] : [])];
  return dotEnv.map((file) => resolve(dir, file)).filter(existsSync);
}

// The values of an option given as `--name value [value…]` (one value when `single`) or
// `--name=value`, in order.
function optionValues(args: readonly string[], names: readonly string[], single = false): string[] {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const inline = names.find((name) => arg.startsWith(`${name}=`));
    if (inline) {
      values.push(arg.slice(inline.length + 1));
      continue;
    }
    if (!names.includes(arg)) continue;
    while (i + 1 < args.length && !(args[i + 1] as string).startsWith("-")) {
      values.push(args[++i] as string);
      if (single) break;
    }
  }
  return values;
}

// `NAME=value` lines as dotenv reads them: `export ` prefixes, comments, quoted values.
function parseDotenv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = (match[2] as string).trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'" || quote === "`") && value.indexOf(quote, 1) > 0) value = value.slice(1, value.indexOf(quote, 1));
    else value = value.replace(/\s+#.*$/, "");
    vars[match[1] as string] = value;
  }
  return vars;
}

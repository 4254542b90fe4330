// `npm run dev [-- wrangler dev args]`: applies the local D1 migrations, then starts
// `wrangler dev` with the given arguments. Migrations run without a terminal on stdin so
// that wrangler applies them without asking (its non-interactive default is "yes").
//
// With no provider key configured at all (environment, .dev.vars/.env, --env-file, --var), it
// first starts local simulators of every provider in this process (scripts/simulators.ts),
// says so in a banner, and points the gateway at them with --var settings. With any key set it
// does nothing more than the two steps above.
import { spawn, spawnSync } from "node:child_process";
import { configuredProviderKeys, PROVIDER_KEYS } from "./provider-keys.ts";

// Swagger UI's files into public/docs (npm install does it too; a skipped install script must not break /docs).
await import("./copy-swagger-ui.mjs");

const wrangler = process.platform === "win32" ? "wrangler.cmd" : "wrangler";
const args = process.argv.slice(2);
const persist = args.includes("--persist-to") ? ["--persist-to", args[args.indexOf("--persist-to") + 1]] : [];

let simulators;
if (configuredProviderKeys({ args, env: process.env, cwd: process.cwd() }).length === 0) {
  const { startSimulators } = await import("./simulators.ts");
  simulators = await startSimulators();
  for (const [name, value] of Object.entries(simulators.vars)) args.push("--var", `${name}:${value}`);
  console.log(banner(simulators.urls));
}

const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", ...persist], {
  stdio: ["ignore", "inherit", "inherit"],
});
if (migrate.status !== 0) await exit(migrate.status ?? 1);

const dev = spawn(wrangler, ["dev", ...args], { stdio: "inherit" });
const stop = (signal) => {
  dev.kill(signal);
  // wrangler normally exits at once; never leave it (or the simulators) behind.
  setTimeout(() => dev.kill("SIGKILL"), 5_000).unref();
};
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stop(signal));
// `npm run dev` runs this script under `sh -c`, which does not pass on the SIGTERM npm forwards
// when it is stopped: a parent that has gone away means stop too (docs/sources/wrangler.md
// § `npm run` under `sh -c` does not pass SIGTERM on).
const parent = process.ppid;
setInterval(() => process.ppid !== parent && stop("SIGTERM"), 500).unref();
dev.on("exit", (code, signal) => exit(code ?? (signal ? 1 : 0)));

async function exit(code) {
  await simulators?.close();
  process.exit(code);
}

function banner(urls) {
  const lines = [
    "batchbridge: no provider key is set, so the gateway runs against LOCAL SIMULATORS.",
    "Anthropic, OpenAI, Gemini and Bedrock (with S3) are simulated in this process: batches end",
    'within seconds and every answer echoes its prompt ("echo: <your text>"). GET /health says',
    '{"status":"ok","simulators":true}. To use real providers, set a key (in .dev.vars, see',
    `.dev.vars.example: ${PROVIDER_KEYS.join(", ")}) and restart.`,
    ...Object.entries(urls).map(([provider, url]) => `  simulator ${provider.padEnd(9)} ${url}`),
  ];
  const rule = "=".repeat(Math.max(...lines.map((line) => line.length)));
  return [rule, ...lines, rule].join("\n");
}

// `npm run dev [-- wrangler dev args]`: applies the local D1 migrations, then starts
// `wrangler dev` with the given arguments. Migrations run without a terminal on stdin so
// that wrangler applies them without asking (its non-interactive default is "yes").
import { spawn, spawnSync } from "node:child_process";

const wrangler = process.platform === "win32" ? "wrangler.cmd" : "wrangler";
const args = process.argv.slice(2);
const persist = args.includes("--persist-to") ? ["--persist-to", args[args.indexOf("--persist-to") + 1]] : [];

const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", ...persist], {
  stdio: ["ignore", "inherit", "inherit"],
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const dev = spawn(wrangler, ["dev", ...args], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

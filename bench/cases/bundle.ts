/**
 * The deployed Worker's size: `wrangler deploy --dry-run --outdir` on wrangler.toml (src/index.ts,
 * no bench code), as deployed and minified, gzip of each, and what each dependency adds
 * (esbuild's metafile: bytes each input contributes to the output).
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { round } from "../lib/memory.ts";
import { newStateDir, ROOT } from "../lib/stack.ts";

export interface BundleFigures {
  /** As `wrangler deploy` uploads it (with wrangler.toml's own settings, which minify). */
  kb: number;
  gzipKb: number;
  /** The same in bytes, which the target is checked against (KiB are rounded). */
  gzipBytes: number;
  minifiedKb: number;
  minifiedGzipKb: number;
  /** Bytes in the (unminified) output per package, largest first; `src/…` is the gateway's own code by folder. */
  parts: { name: string; kb: number; share: number }[];
}

const KB = 1024;

/**
 * @example
 * const bundle = bundleCase(); // { kb: 1100, gzipKb: 205, … }
 */
export function bundleCase(): BundleFigures {
  const plain = build(false);
  const minified = build(true);
  const meta = JSON.parse(readFileSync(plain.metafile, "utf8")) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const output = Object.entries(meta.outputs).find(([path]) => path.endsWith(".js"))![1];
  const sizes = new Map<string, number>();
  let total = 0;
  for (const [path, input] of Object.entries(output.inputs)) {
    const name = partOf(path);
    sizes.set(name, (sizes.get(name) ?? 0) + input.bytesInOutput);
    total += input.bytesInOutput;
  }
  return {
    kb: round(plain.bytes.byteLength / KB),
    // Two decimals: the target is 100 KiB and the bundle sits just under it, where one decimal rounds up to it.
    gzipKb: round(gzipSync(plain.bytes).byteLength / KB, 2),
    gzipBytes: gzipSync(plain.bytes).byteLength,
    minifiedKb: round(minified.bytes.byteLength / KB),
    minifiedGzipKb: round(gzipSync(minified.bytes).byteLength / KB),
    parts: [...sizes]
      .sort((a, b) => b[1] - a[1])
      .map(([name, bytes]) => ({ name, kb: round(bytes / KB), share: round((bytes / total) * 100) })),
  };
}

function build(minify: boolean): { bytes: Buffer; metafile: string } {
  const dir = newStateDir();
  const metafile = join(dir, "meta.json");
  const args = ["deploy", "--dry-run", "--outdir", dir, "--metafile", metafile, ...(minify ? ["--minify"] : [])];
  const run = spawnSync(join(ROOT, "node_modules/.bin/wrangler"), args, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
  if (run.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${run.stdout}${run.stderr}`);
  const main = readdirSync(dir).find((name) => name.endsWith(".js"));
  if (!main) throw new Error(`wrangler deploy --dry-run wrote no .js file in ${dir}`);
  return { bytes: readFileSync(join(dir, main)), metafile };
}

/** `node_modules/zod/v4/core/…` → `zod` (its locales apart); `src/providers/openai/…` → `src/providers/openai`. */
function partOf(path: string): string {
  if (/node_modules\/zod\/(?:v4\/)?locales\//.test(path)) return "zod locales";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (modules) return modules[1]!;
  const source = /(?:^|\/)src\/(providers\/[^/]+|[^/]+)/.exec(path);
  if (source) return `src/${source[1]!.replace(/\.ts$/, "")}`;
  return path.replace(/^.*\//, "");
}

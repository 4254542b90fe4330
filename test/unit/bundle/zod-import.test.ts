/**
 * The deployed bundle ships none of zod's 40 locales only while every source file imports zod
 * as a namespace: esbuild (wrangler's bundler) cannot tree-shake `import { z } from "zod"` or
 * `import z from "zod"`, which keep zod's `export * as locales` (about 260 KiB of the bundle).
 * See docs/sources/zod.md § esbuild keeps every locale unless zod is imported as a namespace.
 */
import { describe, expect, it } from "vitest";

declare global {
  interface ImportMeta {
    /** Vite's static glob import, which vitest expands when it transforms this file. */
    glob(patterns: string | string[], options: { query: "?raw"; import: "default"; eager: true }): Record<string, unknown>;
  }
}

const sources = import.meta.glob(["/src/**/*.ts", "/src/**/*.tsx"], { query: "?raw", import: "default", eager: true }) as Record<string, string>;

describe("zod imports in src/", () => {
  it("sees the sources", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(20);
  });

  it("imports zod only as `import * as z from \"zod\"` (or types only)", () => {
    const offending = Object.entries(sources).flatMap(([file, text]) =>
      [...text.matchAll(/^import\s+(?!type\b)([^;]*?)\s+from\s+["']zod(?:\/v4)?(?:\/classic)?["'];?$/gm)]
        .filter((match) => !/^\*\s+as\s+\w+$/.test(match[1]!.trim()))
        .map((match) => `${file}: ${match[0]}`),
    );
    expect(offending).toEqual([]);
  });
});

/**
 * A real Chromium for the dashboard tests: the Debian `chromium` package, driven by
 * playwright-core, headless, with a fresh profile each time (no cookies, no cache carried over).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Where `apt-get install chromium` puts it (`.ci/run` installs it when missing). */
export const CHROMIUM = "/usr/bin/chromium";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface RunningBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A browser with a fresh profile (its own --user-data-dir, removed on close).
 *
 * @example
 * const { context, close } = await launchBrowser();
 * const page = await context.newPage();
 */
export async function launchBrowser(): Promise<RunningBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "batchbridge-chromium-"));
  // launchPersistentContext is playwright's way to pass --user-data-dir (see
  // docs/sources/dashboard.md § A fresh Chromium profile with Playwright).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

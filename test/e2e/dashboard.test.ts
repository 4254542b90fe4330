/**
 * The dashboard in a real browser (Chromium, driven by playwright-core) against `npm run dev`
 * with ADMIN_TOKEN: sign in, watch a running batch end without reloading, open it, download
 * its results, create and revoke keys, and a virtual key's narrower view.
 *
 * With DASHBOARD_SCREENSHOTS=<dir> it also saves a screenshot of each page there (the
 * README's come from `DASHBOARD_SCREENSHOTS=docs/screenshots npx vitest run --project e2e test/e2e/dashboard.test.ts`).
 */
import Anthropic, { toFile } from "@anthropic-ai/sdk";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type RunningBrowser } from "./support/browser";
import { twoRequests } from "./support/requests";
import { startStack, type Stack } from "./support/stack";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver";

const ADMIN_TOKEN = "e2e-dashboard-admin-token-0123456789abcdef";
const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS;
/** A page refreshes every 3 s; batches end on the fake's second poll. Generous for a loaded machine. */
const ENDS_WITHIN_MS = 120_000;

let stack: Stack;
let receiver: WebhookReceiver;
let admin: RunningBrowser;
let adminPage: Page;
const keys: Record<string, string> = {};

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  stack = await startStack({ vars: { ADMIN_TOKEN } });
  admin = await launchBrowser();
  adminPage = await admin.context.newPage();
}, 180_000);

afterAll(async () => {
  await admin?.close();
  await stack?.stop();
  await receiver?.close();
});

function client(apiKey: string, provider?: string): Anthropic {
  return new Anthropic({
    baseURL: `${stack.gatewayUrl}/anthropic`,
    apiKey,
    maxRetries: 0,
    ...(provider ? { defaultHeaders: { "x-model-provider": provider } } : {}),
  });
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${stack.gatewayUrl}/dashboard`);
  expect(new URL(page.url()).pathname).toBe("/dashboard/sign-in");
  await page.fill('input[name="key"]', key);
  await Promise.all([page.waitForURL(`${stack.gatewayUrl}/dashboard`), page.click('button[type="submit"]')]);
}

async function createKey(page: Page, name: string, webhookUrl?: string): Promise<string> {
  await page.goto(`${stack.gatewayUrl}/dashboard/keys`);
  await page.fill('#create-key input[name="name"]', name);
  if (webhookUrl) await page.fill('#create-key input[name="webhook_url"]', webhookUrl);
  await Promise.all([page.waitForLoadState("load"), page.click('#create-key button[type="submit"]')]);
  const secret = (await page.locator("#new-key-secret").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^bbk_[1-9A-HJ-NP-Za-km-z]{40}$/);
  return secret;
}

describe("the dashboard in Chromium", () => {
  it("signs the admin in with the token, and keeps its session in an HttpOnly SameSite=Strict cookie", async () => {
    await adminPage.goto(`${stack.gatewayUrl}/dashboard`);
    await screenshot(adminPage, "sign-in");
    await signIn(adminPage, ADMIN_TOKEN);
    expect(await adminPage.locator("header [data-viewer]").getAttribute("data-viewer")).toBe("admin");
    const [cookie] = (await admin.context.cookies(`${stack.gatewayUrl}/dashboard`)).filter((c) => c.name === "bb_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/dashboard" });
    expect(cookie!.value).not.toContain(ADMIN_TOKEN);
    // Scripts cannot read it.
    expect(await adminPage.evaluate(() => document.cookie)).not.toContain("bb_session");
  });

  it("creates keys (the secret shown once) and revokes one, which the API then refuses", async () => {
    keys.a = await createKey(adminPage, "team-a", `${receiver.url}/team-a`);
    const webhookSecret = (await adminPage.locator("#new-webhook-secret").textContent())?.trim() ?? "";
    expect(webhookSecret).toMatch(/^whsec_/);
    receiver.setSecret("/team-a", webhookSecret);
    keys.b = await createKey(adminPage, "team-b");
    const doomed = await createKey(adminPage, "to-revoke");
    await client(doomed).beta.messages.batches.list();

    const row = adminPage.locator("tr", { has: adminPage.locator("td.key-name", { hasText: "to-revoke" }) });
    await Promise.all([adminPage.waitForURL(`${stack.gatewayUrl}/dashboard/keys`), row.locator('button:has-text("Revoke")').click()]);
    await expect.poll(() => row.locator("td.revoked time").count()).toBe(1);
    expect(await row.locator('button:has-text("Revoke")').count()).toBe(0);
    expect(await adminPage.locator("#new-key-secret").count()).toBe(0);
    await expect(client(doomed).beta.messages.batches.list()).rejects.toMatchObject({ status: 401 });
    await screenshot(adminPage, "keys");
  });

  it("shows a running batch's progress move to ended without a reload, opens it and downloads its results", async () => {
    const requests = twoRequests("claude-3-5-haiku-20241022");
    const batch = await client(keys.a!).beta.messages.batches.create({ requests });
    // More work for the other pages (and their screenshots).
    await client(keys.a!).beta.files.upload({ file: await toFile(Buffer.from("Quarterly notes."), "notes.txt", { type: "text/plain" }) });
    const other = await client(keys.b!, "openai").beta.messages.batches.create({ requests: twoRequests("gpt-4o-mini") });

    await adminPage.goto(`${stack.gatewayUrl}/dashboard`);
    const listed = adminPage.locator(`tr[data-batch="${batch.id}"]`);
    await expect.poll(() => listed.count()).toBe(1);
    expect(await adminPage.locator(`tr[data-batch="${other.id}"]`).count()).toBe(1);
    await screenshot(adminPage, "batches");

    await Promise.all([adminPage.waitForURL(`${stack.gatewayUrl}/dashboard/batches/${batch.id}`), listed.locator("a").first().click()]);
    const status = adminPage.locator("main dl.facts [data-status]");
    expect(await status.getAttribute("data-status")).toBe("in_progress");
    expect(await adminPage.locator("main dl.facts .progress").getAttribute("data-done")).toBe("0");
    await adminPage.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));

    await adminPage.locator('main dl.facts [data-status="ended"]').waitFor({ timeout: ENDS_WITHIN_MS });
    expect(await adminPage.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    expect(await adminPage.locator("main dl.facts .progress").getAttribute("data-done")).toBe("2");
    expect(await adminPage.locator("#jobs tbody tr").count()).toBeGreaterThanOrEqual(1);
    expect(await adminPage.locator("#usage tbody tr").count()).toBe(1);
    await screenshot(adminPage, "batch");

    const [download] = await Promise.all([adminPage.waitForEvent("download"), adminPage.click("#download-results")]);
    expect(download.suggestedFilename()).toBe(`${batch.id}_results.jsonl`);
    const lines = readFileSync(await download.path(), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { custom_id: string; result: { type: string } });
    expect(lines.map((line) => line.custom_id).sort()).toEqual(requests.map((request) => request.custom_id).sort());
    expect(lines.every((line) => line.result.type === "succeeded")).toBe(true);

    await adminPage.goto(`${stack.gatewayUrl}/dashboard/files`);
    expect(await adminPage.locator("td.filename", { hasText: "notes.txt" }).count()).toBe(1);
    await screenshot(adminPage, "files");

    // team-a's webhook (set on the keys page) was told, with a valid signature; the deliveries page shows it.
    const [delivered] = await receiver.waitFor((received) => received.path === "/team-a" && received.event?.data.id === batch.id, 1, { timeoutMs: ENDS_WITHIN_MS });
    expect(delivered!.verifyError).toBeNull();
    await adminPage.goto(`${stack.gatewayUrl}/dashboard/deliveries`);
    const row = adminPage.locator("#deliveries tbody tr", { hasText: batch.id });
    await expect.poll(() => row.locator(".status").textContent(), { timeout: 30_000 }).toBe("delivered");
    await screenshot(adminPage, "deliveries");

    // Usage: the ended batch's day and provider is drawn, server-side, as SVG.
    await adminPage.goto(`${stack.gatewayUrl}/dashboard/usage?metric=tokens`);
    expect(await adminPage.locator('svg.chart rect.bar-anthropic').count()).toBeGreaterThanOrEqual(1);
    await screenshot(adminPage, "usage");
  });

  it("shows a virtual key only its own batches, and not the keys page", async () => {
    const own = await client(keys.a!).beta.messages.batches.list();
    const others = await client(keys.b!).beta.messages.batches.list();
    expect(own.data.length).toBeGreaterThan(0);
    expect(others.data.length).toBeGreaterThan(0);

    const tenant = await launchBrowser();
    try {
      const page = await tenant.context.newPage();
      await signIn(page, keys.a!);
      expect(await page.locator("header [data-viewer]").textContent()).toBe("key: team-a");
      for (const batch of own.data) expect(await page.locator(`tr[data-batch="${batch.id}"]`).count()).toBe(1);
      for (const batch of others.data) expect(await page.locator(`tr[data-batch="${batch.id}"]`).count()).toBe(0);
      expect(await page.locator('header nav a[href="/dashboard/keys"]').count()).toBe(0);

      const refused = await page.goto(`${stack.gatewayUrl}/dashboard/keys`);
      expect(refused?.status()).toBe(403);
      expect(await page.locator("main").textContent()).toContain("Only the admin token can manage keys.");
      expect(await page.locator("td.key-name").count()).toBe(0);
      const foreign = await page.goto(`${stack.gatewayUrl}/dashboard/batches/${others.data[0]!.id}`);
      expect(foreign?.status()).toBe(404);
    } finally {
      await tenant.close();
    }
  });

  it.skipIf(!SCREENSHOTS)("takes the README's screenshots once every provider's batch has ended", async () => {
    for (const [provider, model] of [["gemini", "gemini-2.5-flash"], ["bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0"]] as const) {
      await client(keys.b!, provider).beta.messages.batches.create({ requests: twoRequests(model) });
    }
    await adminPage.goto(`${stack.gatewayUrl}/dashboard`);
    for (const id of await adminPage.locator("tr[data-batch]").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-batch")!))) {
      await adminPage.goto(`${stack.gatewayUrl}/dashboard/batches/${id}`);
      await adminPage.locator('main dl.facts [data-status="ended"]').waitFor({ timeout: ENDS_WITHIN_MS });
    }
    await adminPage.goto(`${stack.gatewayUrl}/dashboard`);
    await screenshot(adminPage, "batches");
    await adminPage.goto(`${stack.gatewayUrl}/dashboard/usage`);
    await screenshot(adminPage, "usage");
  });

  it("signs out", async () => {
    await adminPage.goto(`${stack.gatewayUrl}/dashboard`);
    await Promise.all([adminPage.waitForURL(`${stack.gatewayUrl}/dashboard/sign-in`), adminPage.click('header button:has-text("Sign out")')]);
    await adminPage.goto(`${stack.gatewayUrl}/dashboard`);
    expect(new URL(adminPage.url()).pathname).toBe("/dashboard/sign-in");
  });
});

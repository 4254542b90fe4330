/**
 * `/dashboard`: the operator's and the tenants' web view, server-rendered with Hono's JSX.
 * A route layer like src/api: it signs people in, checks every form's CSRF token, and asks
 * the services object (src/core/services.ts, set by the app) for what to show, scoped to
 * who is signed in.
 */
import type { Context } from "hono";
import { Hono } from "../lib/hono-app";
import { raw, type HtmlEscapedString } from "hono/utils/html";
import type { NewKeyInput } from "../core/key-admin";
import { RPM_TIERS } from "../core/limits";
import type { BatchUsage } from "../core/usage";
import { csrfMatches, type Viewer } from "../core/sessions";
import { GatewayError, RateLimitedError } from "../lib/errors";
import { staticAsset } from "../lib/static-asset";
import { randomToken, secretsEqual } from "../lib/crypto";
import { PROVIDER_NAMES, type ProviderName } from "../domain/provider-name";
import type { KeyLimits } from "../domain/virtual-key";
import type { DashboardEnv } from "./env";
import type { Services } from "../core/services";
import { BatchPage } from "./pages/batch";
import { BatchesPage } from "./pages/batches";
import { DeliveriesPage } from "./pages/deliveries";
import { UsagePage } from "./pages/usage";
import type { ChartMetric } from "./chart";
import { FilesPage } from "./pages/files";
import { KeysPage } from "./pages/keys";
import { MessagePage } from "./pages/message";
import { SignInPage } from "./pages/sign-in";
import { clearSessionCookie, sessionCookie, setSessionCookie, setSignInCookie, signInCookie } from "./session-cookie";

/** Seconds between refreshes of a page while something on it runs. */
export const REFRESH_SECONDS = 3;
const PAGE_SIZE = 25;
const FIRST_ERRORED = 5;
const DELIVERIES = 100;
const USAGE_DAYS = 14;

/** Scripts and styles from this origin only, nothing inline; no framing; forms post here only. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * @example
 * app.route("/dashboard", dashboard());
 */
export function dashboard(): Hono<DashboardEnv> {
  const app = new Hono<DashboardEnv>();

  app.use(async (c, next) => {
    await next();
    c.res.headers.set("content-security-policy", CONTENT_SECURITY_POLICY);
    c.res.headers.set("x-content-type-options", "nosniff");
    c.res.headers.set("referrer-policy", "same-origin");
    if (!c.req.path.startsWith("/dashboard/assets/")) c.res.headers.set("cache-control", "no-store");
  });
  app.onError((error, c) => errorPage(c, error));
  app.notFound((c) => c.html(page(<MessagePage viewer={c.get("viewer") ?? null} title="Not found" message={`Not found: ${c.req.path}`} />), 404));

  // The stylesheet and the one script are static assets (public/dashboard/), out of the bundle;
  // read whole, so that the answer is the same string body, with these headers, as ever.
  app.get("/assets/app.css", async (c) => c.body(await (await staticAsset(c.env.ASSETS, "/dashboard/app.css", c.req.url)).text(), 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=300" }));
  app.get("/assets/live.js", async (c) => c.body(await (await staticAsset(c.env.ASSETS, "/dashboard/live.js", c.req.url)).text(), 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=300" }));

  // Every POST comes from this origin's own pages: a browser sends Origin with every POST.
  // Defence in depth beside the CSRF tokens (see docs/sources/dashboard.md § CSRF defences).
  app.use(async (c, next) => {
    if (c.req.method === "POST") {
      const origin = c.req.header("origin");
      if (origin !== undefined && origin !== new URL(c.req.url).origin) throw new GatewayError(403, "permission_error", "This form was posted from another site.");
    }
    await next();
  });

  app.get("/sign-in", async (c) => {
    const viewer = await c.var.services.sessions.resume(sessionCookie(c) ?? "");
    if (viewer) return c.redirect("/dashboard", 303);
    return signInForm(c, null, 200);
  });

  app.post("/sign-in", async (c) => {
    // Each attempt counts against the admin API's limit per client address, so that neither
    // the admin token nor a key can be guessed at speed here either.
    const limiter = c.env.ADMIN_RATE_LIMIT as { limit(options: { key: string }): Promise<{ success: boolean }> } | undefined;
    if (limiter && !(await limiter.limit({ key: c.req.header("cf-connecting-ip") ?? "unknown" })).success) {
      throw new RateLimitedError("Too many sign-in attempts from this address; wait a minute and try again.", 60);
    }
    const form = await c.req.parseBody();
    const expected = signInCookie(c);
    if (!expected || typeof form.csrf !== "string" || !(await secretsEqual(form.csrf, expected))) {
      return signInForm(c, "The sign-in form had expired; please try again.", 403);
    }
    try {
      const { id } = await c.var.services.sessions.open(typeof form.key === "string" ? form.key : "");
      setSessionCookie(c, id);
      return c.redirect("/dashboard", 303);
    } catch (error) {
      if (error instanceof GatewayError && error.status === 401) return signInForm(c, "That is neither the admin token nor a key this gateway accepts.", 401);
      throw error;
    }
  });

  // Everything below needs a session; every form of a session carries its CSRF token.
  app.use(async (c, next) => {
    const viewer = await c.var.services.sessions.resume(sessionCookie(c) ?? "");
    if (!viewer) {
      clearSessionCookie(c);
      if (c.req.method === "GET") return c.redirect("/dashboard/sign-in", 303);
      throw new GatewayError(401, "authentication_error", "Your session has ended; sign in again.");
    }
    c.set("viewer", viewer);
    if (c.req.method === "POST") {
      const form = await c.req.parseBody();
      if (!(await csrfMatches(viewer, form.csrf))) throw new GatewayError(403, "permission_error", "This form is not from your session (CSRF token missing or wrong); reload the page and try again.");
    }
    await next();
  });

  app.post("/sign-out", async (c) => {
    await c.var.services.sessions.close(sessionCookie(c) ?? "");
    clearSessionCookie(c);
    return c.redirect("/dashboard/sign-in", 303);
  });

  app.get("/", async (c) => {
    const viewer = c.var.viewer;
    const result = await c.var.services.overview.batches(viewer, pageOf(c, "msgbatch"));
    const next = result.hasMore ? (result.items.at(-1)?.batch.id ?? null) : null;
    return c.html(
      page(<BatchesPage viewer={viewer} batches={result.items} next={next} refreshSeconds={REFRESH_SECONDS} />),
    );
  });

  app.get("/batches/:id", async (c) => {
    const viewer = c.var.viewer;
    const detail = await c.var.services.overview.batch(viewer, c.req.param("id"));
    let errored: Awaited<ReturnType<Services["overview"]["firstErrored"]>> | { failure: string };
    try {
      errored = await c.var.services.overview.firstErrored(viewer, detail.batch, FIRST_ERRORED);
    } catch (error) {
      errored = { failure: error instanceof GatewayError ? error.message : "internal error" };
    }
    let usage: BatchUsage | null | { failure: string };
    try {
      usage = await c.var.services.usage.ofBatch(detail.batch);
    } catch (error) {
      usage = { failure: error instanceof GatewayError ? error.message : "internal error" };
    }
    return c.html(page(<BatchPage viewer={viewer} detail={detail} errored={errored} usage={usage} refreshSeconds={REFRESH_SECONDS} />));
  });

  app.post("/batches/:id/cancel", async (c) => {
    const batch = await c.var.services.overview.cancel(c.var.viewer, c.req.param("id"));
    return c.redirect(`/dashboard/batches/${batch.id}`, 303);
  });

  app.get("/batches/:id/results", async (c) => {
    const id = c.req.param("id");
    // Live results have their first line read already, so that an upstream failure is an
    // error page rather than a download cut short.
    const results = await c.var.services.overview.results(c.var.viewer, id);
    const headers: Record<string, string> = { "content-type": "application/x-jsonl", "content-disposition": `attachment; filename="${id}_results.jsonl"` };
    if (results.size !== null) headers["content-length"] = String(results.size);
    return new Response(results.body, { headers });
  });

  app.get("/files", async (c) => {
    const viewer = c.var.viewer;
    const result = await c.var.services.overview.files(viewer, pageOf(c, "file"));
    const next = result.hasMore ? (result.items.at(-1)?.id ?? null) : null;
    return c.html(page(<FilesPage viewer={viewer} files={result.items} next={next} />));
  });

  app.get("/keys", async (c) => {
    const viewer = adminOnly(c);
    return c.html(page(<KeysPage viewer={viewer} keys={await c.var.services.keys.list()} created={null} updated={null} error={null} />));
  });

  app.post("/keys", async (c) => {
    const viewer = adminOnly(c);
    const keysPage = async (props: Pick<Parameters<typeof KeysPage>[0], "created" | "error">, status: 200 | 400) =>
      c.html(page(<KeysPage viewer={viewer} keys={await c.var.services.keys.list()} updated={null} {...props} />), status);
    const input = newKeyInput(await c.req.parseBody());
    if ("error" in input) return keysPage({ created: null, error: input.error }, 400);
    try {
      return keysPage({ created: await c.var.services.keys.create(input), error: null }, 200);
    } catch (error) {
      if (error instanceof GatewayError && error.status === 400) return keysPage({ created: null, error: error.message }, 400);
      throw error;
    }
  });

  app.post("/keys/:id", async (c) => {
    const viewer = adminOnly(c);
    const keysPage = async (props: Pick<Parameters<typeof KeysPage>[0], "updated" | "error">, status: 200 | 400) =>
      c.html(page(<KeysPage viewer={viewer} keys={await c.var.services.keys.list()} created={null} {...props} />), status);
    const form = await c.req.parseBody();
    const limits = limitsInput(form);
    if ("error" in limits) return keysPage({ updated: null, error: limits.error }, 400);
    const id = c.req.param("id");
    const current = (await c.var.services.keys.list()).find((key) => key.id === id);
    if (!current) throw GatewayError.notFound(`Virtual key not found: ${id}`);
    // The form shows the current URL: the same URL keeps its signing secret, another sets a new one, empty removes it.
    const url = typeof form.webhook_url === "string" ? form.webhook_url.trim() : "";
    const webhookUrl = url === (current.webhookUrl ?? "") ? undefined : url || null;
    try {
      return keysPage({ updated: await c.var.services.keys.update(id, webhookUrl === undefined ? { limits: limits.limits } : { limits: limits.limits, webhookUrl }), error: null }, 200);
    } catch (error) {
      if (error instanceof GatewayError && error.status === 400) return keysPage({ updated: null, error: error.message }, 400);
      throw error;
    }
  });

  app.post("/keys/:id/revoke", async (c) => {
    adminOnly(c);
    await c.var.services.keys.revoke(c.req.param("id"));
    return c.redirect("/dashboard/keys", 303);
  });

  app.get("/usage", async (c) => {
    const viewer = c.var.viewer;
    const requested = c.req.query("metric");
    const metric: ChartMetric = requested === "tokens" || requested === "requests" ? requested : "cost";
    const { days, rows } = await c.var.services.usage.daily(viewer, USAGE_DAYS, new Date());
    const byKey = viewer.kind === "admin" ? await c.var.services.usage.summary(`${days[0]}T00:00:00.000Z`, null) : null;
    return c.html(page(<UsagePage viewer={viewer} days={days} rows={rows} metric={metric} byKey={byKey} />));
  });

  app.get("/deliveries", async (c) => {
    const viewer = c.var.viewer;
    const deliveries = await c.var.services.overview.deliveries(viewer, DELIVERIES);
    return c.html(page(<DeliveriesPage viewer={viewer} deliveries={deliveries} refreshSeconds={REFRESH_SECONDS} />));
  });

  return app;
}

/** A rendered page, with its doctype (the dashboard's JSX runtime renders at once: never a Promise). */
function page(body: HtmlEscapedString | Promise<HtmlEscapedString>) {
  return raw(`<!doctype html>${body as HtmlEscapedString}`);
}

function adminOnly(c: Context<DashboardEnv>): Viewer {
  const viewer = c.var.viewer;
  if (viewer.kind !== "admin") throw new GatewayError(403, "permission_error", "Only the admin token can manage keys.");
  return viewer;
}

/** The page after `?after=<id>` (an ID of this kind, or the first page). */
function pageOf(c: Context<DashboardEnv>, kind: "msgbatch" | "file"): { limit: number; afterId?: string } {
  const after = c.req.query("after");
  return after && new RegExp(`^${kind}_[0-9A-Z]{26}$`).test(after) ? { limit: PAGE_SIZE, afterId: after } : { limit: PAGE_SIZE };
}

function signInForm(c: Context<DashboardEnv>, error: string | null, status: 200 | 401 | 403): Response | Promise<Response> {
  const token = randomToken("", 32);
  setSignInCookie(c, token);
  return c.html(page(<SignInPage token={token} error={error} />), status);
}

/** The create-key form's fields, checked as the admin API checks its body. */
function newKeyInput(form: Record<string, unknown>): NewKeyInput | { error: string } {
  const name = text(form.name);
  if (!name || name.length > 200) return { error: "name: between 1 and 200 characters" };
  const list = (value: unknown) =>
    text(value)
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean);
  const providers = list(form.providers);
  const unknown = providers.find((provider) => !(PROVIDER_NAMES as readonly string[]).includes(provider));
  if (unknown !== undefined) return { error: `providers: ${unknown} is not one of ${PROVIDER_NAMES.join(", ")}` };
  const models = list(form.models);
  if (models.some((model) => model.length > 200)) return { error: "models: each at most 200 characters" };
  const limits = limitsInput(form);
  if ("error" in limits) return limits;
  const webhookUrl = text(form.webhook_url);
  if (webhookUrl.length > 2000) return { error: "webhook_url: at most 2000 characters" };
  return {
    name,
    providers: providers.length ? (providers as ProviderName[]) : null,
    models: models.length ? models : null,
    limits: limits.limits,
    webhookUrl: webhookUrl || null,
  };
}

/** The limit fields of a key form (empty: no limit), checked as the admin API checks them. */
function limitsInput(form: Record<string, unknown>): { limits: KeyLimits } | { error: string } {
  const number = (value: unknown) => (text(value) === "" ? null : Number(text(value)));
  const rpm = number(form.requests_per_minute);
  if (rpm !== null && !(RPM_TIERS as readonly number[]).includes(rpm)) return { error: `requests_per_minute: must be one of ${RPM_TIERS.join(", ")} (or empty for no limit)` };
  const inProgress = number(form.max_batches_in_progress);
  if (inProgress !== null && !(Number.isInteger(inProgress) && inProgress >= 1 && inProgress <= 100_000)) {
    return { error: "max_batches_in_progress: a whole number from 1 to 100000 (or empty for no limit)" };
  }
  const budget = number(form.monthly_budget_usd);
  if (budget !== null && !(Number.isFinite(budget) && budget > 0 && budget <= 1e9)) return { error: "monthly_budget_usd: a positive amount (or empty for no budget)" };
  return { limits: { requestsPerMinute: rpm, maxBatchesInProgress: inProgress, monthlyBudgetUsd: budget } };
}

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

function errorPage(c: Context<DashboardEnv>, error: Error): Response | Promise<Response> {
  const known = error instanceof GatewayError;
  if (!known) console.error(`unexpected ${error.name} on ${c.req.method} ${c.req.path}`);
  const status = known ? error.status : 500;
  const title = status === 404 ? "Not found" : status === 403 ? "Not allowed" : status === 401 ? "Signed out" : "Something went wrong";
  const message = known ? error.message : "Internal server error";
  return c.html(page(<MessagePage viewer={c.get("viewer") ?? null} title={title} message={message} />), status as 400);
}

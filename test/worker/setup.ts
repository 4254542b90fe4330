import { applyD1Migrations, env } from "cloudflare:test";
import { beforeEach } from "vitest";

// Every test file starts from the migrated schema, on real local D1, and every test from
// empty tables.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

const TABLES = ["files", "batches", "batch_jobs", "batch_artifacts", "batch_usage", "virtual_keys", "batch_file_refs", "webhook_events", "webhook_deliveries"];

beforeEach(async () => {
  await env.DB.batch(TABLES.map((table) => env.DB.prepare(`DELETE FROM ${table}`)));
  const cached = await env.AUTH_CACHE.list();
  await Promise.all(cached.keys.map((key) => env.AUTH_CACHE.delete(key.name)));
});

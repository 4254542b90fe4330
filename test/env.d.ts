declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    AUTH_CACHE: KVNamespace;
    ADMIN_TOKEN: string;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}

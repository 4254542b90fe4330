declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    AUTH_CACHE: KVNamespace;
    ADMIN_RATE_LIMIT: RateLimit;
    RESULTS: R2Bucket;
    JOBS: Queue<import("../src/core/queue-messages").JobMessage>;
    ANTHROPIC_API_KEY: string;
    OPENAI_API_KEY: string;
    GEMINI_API_KEY: string;
    AWS_SECRET_ACCESS_KEY: string;
    JOBS: Queue<import("../src/core/queue-messages").JobMessage>;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}

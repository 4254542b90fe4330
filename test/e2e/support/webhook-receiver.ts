/**
 * A local webhook receiver (a node http server), as a user would run one: it checks every
 * delivery's signature with the `standardwebhooks` library, with the secret of the path it
 * arrived on, and can be told to fail its next answers.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface ReceivedWebhook {
  path: string;
  at: number;
  headers: Record<string, string>;
  body: string;
  /** The verified event, or null when the signature did not verify. */
  event: { type: string; timestamp: string; data: Record<string, unknown> & { id: string } } | null;
  verifyError: string | null;
  answered: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The secret deliveries on `path` are verified with. */
  setSecret(path: string, secret: string): void;
  /** Answer the next `count` deliveries on `path` with `status`. */
  failNext(path: string, count: number, status?: number): void;
  /** Resolves with the deliveries matching `match` once there are `count` of them. */
  waitFor(match: (received: ReceivedWebhook) => boolean, count: number, options?: { timeoutMs?: number }): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/**
 * @example
 * const receiver = await startWebhookReceiver();
 * receiver.setSecret("/all", "whsec_…");
 */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const secrets = new Map<string, string>();
  const failures = new Map<string, { count: number; status: number }>();
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      const body = Buffer.concat(chunks).toString("utf8");
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers[name] = value;
      let event: ReceivedWebhook["event"] = null;
      let verifyError: string | null = null;
      try {
        event = new Webhook(secrets.get(path) ?? "whsec_bm8tc2VjcmV0LWZvci10aGlzLXBhdGg=").verify(body, headers) as ReceivedWebhook["event"];
      } catch (error) {
        verifyError = error instanceof Error ? error.message : String(error);
      }
      const failure = failures.get(path);
      let status = 204;
      if (failure && failure.count > 0) {
        failure.count--;
        status = failure.status;
      }
      received.push({ path, at: Date.now(), headers, body, event, verifyError, answered: status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    setSecret: (path, secret) => void secrets.set(path, secret),
    failNext: (path, count, status = 503) => void failures.set(path, { count, status }),
    async waitFor(match, count, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 60_000);
      for (;;) {
        const found = received.filter(match);
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`${found.length} of ${count} webhooks arrived in time; received: ${JSON.stringify(received.map((r) => [r.path, r.event?.data.id]))}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Serves a fake's fetch handler over real HTTP in Node, streaming both ways, so that
 * `wrangler dev` (e2e tests, benchmarks) talks to the fakes exactly as it would to a provider.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

export type FetchHandler = (request: Request) => Promise<Response>;

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/**
 * @example
 * const server = await serveFetch(createFakeOpenAI().fetch);
 * console.log(server.url); // http://127.0.0.1:40123
 */
export function serveFetch(handler: FetchHandler, port = 0, host = "127.0.0.1"): Promise<RunningServer> {
  const server = http.createServer(async (req, res) => {
    try {
      const url = `http://${req.headers.host ?? `${host}:${port}`}${req.url ?? "/"}`;
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
      }
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const request = new Request(url, {
        method: req.method,
        headers,
        body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
        duplex: "half",
      } as RequestInit);
      const response = await handler(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) {
        await new Promise<void>((resolve, reject) => {
          const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
          body.on("error", reject);
          res.on("close", resolve);
          body.pipe(res);
        });
      } else {
        res.end();
      }
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`fake server error: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * The Worker's V8 isolate through its inspector (the DevTools protocol `wrangler dev` serves):
 * heap in use, and a forced garbage collection. RSS says what the process holds; the heap in
 * use after a forced collection says what the Worker still references, which tells garbage
 * that V8 has not collected yet from memory that is really kept.
 */
import { fetchJson } from "./client.ts";

export interface Inspector {
  /** V8 heap in use and allocated, bytes. */
  heapUsage(): Promise<{ usedSize: number; totalSize: number }>;
  collectGarbage(): Promise<void>;
  /** Starts V8's sampling CPU profiler (one sample every `intervalUs` microseconds). */
  startProfile(intervalUs?: number): Promise<void>;
  /** Stops it and returns the profile (the `.cpuprofile` format DevTools opens). */
  stopProfile(): Promise<CpuProfile>;
  close(): void;
}

/** The DevTools protocol's `Profiler.Profile` (what a `.cpuprofile` file holds). */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; hitCount?: number; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/**
 * @example
 * const inspector = await connectInspector(port);
 * await inspector.collectGarbage();
 * const { usedSize } = await inspector.heapUsage();
 */
export async function connectInspector(port: number): Promise<Inspector> {
  const targets = await fetchJson<{ webSocketDebuggerUrl: string }[]>(`http://127.0.0.1:${port}/json`);
  const target = targets[targets.length - 1];
  if (!target) throw new Error("the inspector lists no Worker");
  // The inspector proxy only accepts an Origin of its own host (and Node's WebSocket sends none).
  const Socket = WebSocket as unknown as new (url: string, options: { headers: Record<string, string> }) => WebSocket;
  const socket = new Socket(target.webSocketDebuggerUrl, { headers: { origin: "http://localhost" } });
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve());
    socket.addEventListener("error", () => reject(new Error("could not connect to the Worker's inspector")));
  });
  let id = 0;
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (message.id === undefined) return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiter?.reject(new Error(message.error.message));
    else waiter?.resolve(message.result);
  });
  const send = <T>(method: string, params: Record<string, unknown> = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error(`the inspector did not answer ${method}`)), 30_000);
      pending.set(++id, {
        resolve: (result) => {
          clearTimeout(timeout);
          resolve(result as T);
        },
        reject: (error) => {
          clearTimeout(timeout);
          reject(error);
        },
      });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return {
    heapUsage: () => send<{ usedSize: number; totalSize: number }>("Runtime.getHeapUsage"),
    // workerd does not answer HeapProfiler.collectGarbage; a heap snapshot starts with a full
    // collection (its chunks are dropped as they come).
    async collectGarbage() {
      await send("HeapProfiler.takeHeapSnapshot", { reportProgress: false, captureNumericValue: false });
    },
    async startProfile(intervalUs = 1_000) {
      await send("Profiler.enable");
      await send("Profiler.setSamplingInterval", { interval: intervalUs });
      await send("Profiler.start");
    },
    async stopProfile() {
      const { profile } = await send<{ profile: CpuProfile }>("Profiler.stop");
      return profile;
    },
    close: () => socket.close(),
  };
}

/**
 * Batch create and results, per provider and size. The create runs on a freshly started
 * gateway; the batch is then polled until it ends, and the results are read on another freshly
 * started gateway over the same local D1 state:
 * - translated: the gateway's own results route (what a client gets);
 * - raw: the same upstream bytes through the same Worker, untouched (/__bench/raw);
 * - parse-only: the same bytes, each line JSON.parse'd and dropped, in the same Worker (/__bench/parse);
 * - fake direct: the same bytes straight from the fake (how fast the fake serves them).
 * Each pass runs `repeats` times; the fastest run counts. Memory is taken over the first translated pass,
 * which runs first on the fresh gateway (and alone: the other passes come after it).
 */
import { batchBody, type BatchProvider } from "../lib/bodies.ts";
import { drain, fetchJson, gatewayHeaders } from "../lib/client.ts";
import { cpuWatch, FAKE_BOUND_PCT, type CpuFigures } from "../lib/cpu.ts";
import { KEYS } from "../lib/keys.ts";
import { round, watchMemory, type MemoryFigures } from "../lib/memory.ts";
import { startGateway, type Fakes } from "../lib/stack.ts";

const MB = 1e6;

export interface CreateFigures {
  provider: BatchProvider;
  requests: number;
  bodyMB: number;
  seconds: number;
  mbPerSecond: number;
  memory: MemoryFigures;
  cpu: CpuFigures;
  fakeBound: boolean;
  /** Upstream jobs the batch became. */
  jobs: number;
}

export interface Pass {
  seconds: number;
  /** Upstream bytes read per second (the same bytes for every pass). */
  mbPerSecond: number;
}

export interface ResultsFigures {
  provider: BatchProvider;
  requests: number;
  /** Size of the upstream results (what raw and parse-only read; for inline output, the translated size). */
  upstreamMB: number;
  /** Size of the translated results the client got. */
  translatedMB: number;
  translated: Pass;
  /** The comparison passes are null when the results are not a JSONL file upstream (Gemini's inline output). */
  raw: Pass | null;
  parseOnly: Pass | null;
  fakeDirect: Pass | null;
  /** The same lines through src/lib/jsonl.ts alone (readJsonLines into toJsonLines), no adapter, no service. */
  libraryRoundTrip: Pass | null;
  /** Translated rate over parse-only rate (target ≥ 0.8). */
  translatedVsParse: number | null;
  memory: MemoryFigures;
  cpu: CpuFigures;
  fakeBound: boolean;
}

interface JobRow {
  nativeId: string;
  data: Record<string, unknown>;
}

/**
 * @example
 * const { create, results } = await batchCase(fakes, buildGateway(), "openai", 100_000, 2);
 */
export async function batchCase(fakes: Fakes, config: string, provider: BatchProvider, requests: number, repeats: number): Promise<{ create: CreateFigures; results: ResultsFigures }> {
  const body = batchBody(provider, requests);

  // ── create, on a fresh gateway ──
  const gateway = await startGateway(fakes, { config });
  let batchId: string;
  let create: CreateFigures;
  try {
    const watch = await watchMemory(gateway);
    const from = Date.now();
    const cpu = cpuWatch(fakes.pid, gateway.workerd);
    const started = performance.now();
    const batch = await fetchJson<{ id: string; request_counts: { processing: number } }>(`${gateway.url}/anthropic/v1/messages/batches`, {
      method: "POST",
      headers: { ...gatewayHeaders(provider), "content-type": "application/json" },
      body,
    });
    const seconds = (performance.now() - started) / 1000;
    const cpuFigures = cpu.stop();
    const to = Date.now();
    const memory = await watch.finish(from, to);
    if (batch.request_counts.processing !== requests) {
      throw new Error(`the batch holds ${batch.request_counts.processing} requests, not ${requests}`);
    }
    batchId = batch.id;
    await waitUntilEnded(gateway.url, batchId);
    const jobs = await fetchJson<JobRow[]>(`${gateway.url}/__bench/jobs?batch=${batchId}`);
    create = {
      provider,
      requests,
      bodyMB: round(body.byteLength / MB),
      seconds: round(seconds, 2),
      mbPerSecond: round(body.byteLength / MB / seconds),
      memory,
      cpu: cpuFigures,
      fakeBound: cpuFigures.fakesPct >= FAKE_BOUND_PCT,
      jobs: jobs.length,
    };
  } finally {
    await gateway.stop();
  }

  // ── results, on another fresh gateway over the same D1 state ──
  const reader = await startGateway(fakes, { config, stateDir: gateway.stateDir });
  try {
    const jobs = await fetchJson<JobRow[]>(`${reader.url}/__bench/jobs?batch=${batchId}`);
    const paths = upstreamPaths(provider, jobs);
    const query = `provider=${provider}&${paths.map((path) => `path=${encodeURIComponent(path)}`).join("&")}`;
    const resultsUrl = `${reader.url}/anthropic/v1/messages/batches/${batchId}/results`;
    const headers = gatewayHeaders();

    const watch = await watchMemory(reader);
    const from = Date.now();
    const cpu = cpuWatch(fakes.pid, reader.workerd);
    const first = await drain(resultsUrl, { headers });
    const cpuFigures = cpu.stop();
    const to = Date.now();
    const memory = await watch.finish(from, to);
    if (first.lines !== requests) throw new Error(`the results hold ${first.lines} lines, not ${requests}`);

    const rawUrl = `${reader.url}/__bench/raw?${query}`;
    const parseUrl = `${reader.url}/__bench/parse?${query}`;
    const roundTripUrl = `${reader.url}/__bench/roundtrip?${query}`;
    const raw: { ms: number }[] = [];
    const parse: { ms: number }[] = [];
    const direct: { ms: number }[] = [];
    const roundtrip: { ms: number }[] = [];
    const translated: { ms: number; bytes: number }[] = [first];
    let upstreamBytes = 0;
    const comparable = paths.length > 0;
    for (let run = 0; run < repeats; run++) {
      if (run > 0) translated.push(await drain(resultsUrl, { headers }));
      if (!comparable) continue;
      const rawRun = await drain(rawUrl);
      upstreamBytes = rawRun.bytes;
      raw.push(rawRun);
      parse.push(await timed(() => fetchJson<{ bytes: number; lines: number }>(parseUrl)));
      roundtrip.push(await drain(roundTripUrl));
      direct.push(await directPass(fakes, provider, paths));
    }

    if (!comparable) upstreamBytes = first.bytes;
    const pass = (runs: { ms: number }[]): Pass | null => {
      if (runs.length === 0) return null;
      const best = Math.min(...runs.map((run) => run.ms)) / 1000;
      return { seconds: round(best, 2), mbPerSecond: round(upstreamBytes / MB / best) };
    };
    const translatedPass = pass(translated)!;
    const parsePass = pass(parse);
    const directPassFigures = pass(direct);
    return {
      create,
      results: {
        provider,
        requests,
        upstreamMB: round(upstreamBytes / MB),
        translatedMB: round(first.bytes / MB),
        translated: translatedPass,
        raw: pass(raw),
        parseOnly: parsePass,
        fakeDirect: directPassFigures,
        libraryRoundTrip: pass(roundtrip),
        translatedVsParse: parsePass ? round(translatedPass.mbPerSecond / parsePass.mbPerSecond, 2) : null,
        memory,
        cpu: cpuFigures,
        // The fake is the limit when it is busy, or when the gateway already reads at most of the rate the fake serves at.
        fakeBound: cpuFigures.fakesPct >= FAKE_BOUND_PCT || (directPassFigures !== null && translatedPass.mbPerSecond >= 0.8 * directPassFigures.mbPerSecond),
      },
    };
  } finally {
    await reader.stop();
  }
}

async function timed<T>(run: () => Promise<T>): Promise<T & { ms: number }> {
  const started = performance.now();
  const value = await run();
  return { ...value, ms: performance.now() - started };
}

/** Polls the batch (each GET moves a fake's batch one step) until it has ended. */
async function waitUntilEnded(gatewayUrl: string, batchId: string): Promise<void> {
  for (let poll = 0; poll < 30; poll++) {
    const batch = await fetchJson<{ processing_status: string }>(`${gatewayUrl}/anthropic/v1/messages/batches/${batchId}`, { headers: gatewayHeaders() });
    if (batch.processing_status === "ended") return;
  }
  throw new Error(`batch ${batchId} had not ended after 30 polls`);
}

/** Where each job's results are upstream, as the adapters read them (paths under each provider's base URL). */
function upstreamPaths(provider: BatchProvider, jobs: JobRow[]): string[] {
  const paths: string[] = [];
  for (const job of jobs) {
    if (provider === "anthropic") paths.push(`/v1/messages/batches/${encodeURIComponent(job.nativeId)}/results`);
    if (provider === "openai") {
      for (const id of [job.data.outputFileId, job.data.errorFileId]) {
        if (typeof id === "string" && id) paths.push(`/files/${encodeURIComponent(id)}/content`);
      }
    }
    if (provider === "gemini") {
      const file = (job.data.output as { responsesFile?: string } | undefined)?.responsesFile;
      // Inline output (a small batch) has no JSONL file: only the translated pass runs.
      if (!file) continue;
      paths.push(`/v1beta/${file.split("/").map(encodeURIComponent).join("/")}:download?alt=media`);
    }
  }
  return paths;
}

/** The same upstream bytes read straight from the fake by this process. */
async function directPass(fakes: Fakes, provider: BatchProvider, paths: string[]): Promise<{ ms: number }> {
  const base = provider === "anthropic" ? fakes.urls.anthropic : provider === "openai" ? `${fakes.urls.openai}/v1` : fakes.urls.gemini;
  const headers: Record<string, string> =
    provider === "anthropic"
      ? { "x-api-key": KEYS.anthropic, "anthropic-version": "2023-06-01" }
      : provider === "openai"
        ? { authorization: `Bearer ${KEYS.openai}` }
        : { "x-goog-api-key": KEYS.gemini };
  const started = performance.now();
  for (const path of paths) await drain(`${base}${path}`, { headers });
  return { ms: performance.now() - started };
}

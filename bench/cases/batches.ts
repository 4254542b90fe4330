/**
 * Batch create, vault and results, per provider and size. The create runs on a freshly started
 * gateway, beside its floor (the same body parsed only, /__bench/parse-body, in the same
 * Worker); the batch then ends as a user's does: the background worker polls it (every second,
 * see lib/stack.ts) and vaults its results in R2, and the bench waits for `ended`. The results
 * are read on another freshly started gateway over the same local state (D1, R2, queues):
 * - results: the gateway's own results route, served from the vault (what a client gets);
 * - vault object: the same R2 object through the same Worker, untouched (/__bench/vault-object):
 *   the results read's floor;
 * - vault write: the batch vaulted once more by the Worker's own queue consumer (/__bench/revault),
 *   against parse-only of the same upstream bytes;
 * - raw: the upstream bytes through the same Worker, untouched (/__bench/raw);
 * - parse-only: the same bytes, each line JSON.parse'd and dropped, in the same Worker (/__bench/parse);
 * - fake direct: the same bytes straight from the fake (how fast the fake serves them).
 * Each pass runs `repeats` times; the fastest run counts. Memory (and the CPU profile) is taken
 * over the first results read, which runs first on the fresh gateway (and alone: the other
 * passes come after it), over the create, and over the vault write; the create and the vault
 * write also run unwatched (the inspector's sampling slows the Worker), and the fastest counts.
 */
import { batchBody, type BatchProvider } from "../lib/bodies.ts";
import { drain, fetchJson, gatewayHeaders } from "../lib/client.ts";
import { cpuWatch, FAKE_BOUND_PCT, totalCpuMs, type CpuFigures } from "../lib/cpu.ts";
import { KEYS } from "../lib/keys.ts";
import { round, watchMemory, type MemoryFigures } from "../lib/memory.ts";
import { keepProfile } from "../lib/profile.ts";
import { startGateway, type Fakes } from "../lib/stack.ts";

const MB = 1e6;

/** Ways of writing the raw copy into R2 compared with the floor's (8 MiB parts, one in flight). */
const R2_WRITE_WAYS: readonly (readonly [string, string])[] = [
  ["multipart, 8 MiB parts, 1 in flight (the floor's and the vault's way)", ""],
  ["multipart, 5 MiB parts", "&part=5"],
  ["multipart, 16 MiB parts", "&part=16"],
  ["multipart, 32 MiB parts", "&part=32"],
  ["multipart, 8 MiB parts, 2 in flight", "&inflight=2"],
  ["multipart, 5 MiB parts, 2 in flight", "&part=5&inflight=2"],
  ["one put of a FixedLengthStream (length known up front)", "&write=put&length={bytes}"],
];

export interface CreateFigures {
  provider: BatchProvider;
  requests: number;
  bodyMB: number;
  seconds: number;
  mbPerSecond: number;
  memory: MemoryFigures;
  /**
   * The same watch over one parse-only pass of the body (`/__bench/parse-body`) on a freshly
   * started gateway: the memory the local runtime itself takes to receive and parse the body.
   */
  parseOnlyMemory: MemoryFigures;
  cpu: CpuFigures;
  fakeBound: boolean;
  /** Upstream jobs the batch became. */
  jobs: number;
  /** The floor: the same body, each request JSON.parse'd and dropped, in the same Worker. */
  parseOnly: Pass;
  /** Create rate over parse-only rate (target ≥ 0.6). */
  createVsParse: number;
  /**
   * workerd's CPU time (every thread of its processes), median over the unwatched rounds, of a
   * create and of the floor: how much work each is, whatever the machine's load did to the wall clock.
   */
  cpuMs: { create: number; parseOnly: number; rounds: number };
  /**
   * Gemini only: the floor with the body's bytes also uploaded to Gemini's fake by the gateway's
   * own uploader, as the create uploads its file (`/__bench/parse-body?upload=gemini`, taking
   * turns with the other two): the runtime's and the upstream's share of the create. What the
   * create takes beyond it is the gateway's own work. `uploadedMB`: what the create itself uploaded.
   */
  parseAndUpload: (Pass & { cpuMs: number; uploadedMB: number | null }) | null;
  /** Create rate over that floor's rate. */
  createVsParseAndUpload: number | null;
  /** From the create's answer until a retrieve said `ended` (background polls and the vault). */
  secondsToEnded: number;
}

export interface VaultFigures {
  provider: BatchProvider;
  requests: number;
  /** Upstream bytes the vault read (the rates below are of these bytes). */
  upstreamMB: number;
  /** Bytes written to R2. */
  vaultedMB: number;
  /** The gateway's own vaulting (translation and R2 write), run once more by its queue consumer. */
  write: Pass;
  /** The floor: parse-only of the same upstream bytes (null for Gemini's inline output). */
  parseOnly: Pass | null;
  /** Vault write rate over parse-only rate (target ≥ 0.8). */
  writeVsParse: number | null;
  /** The raw copy with each line JSON.parse'd on the way (`/__bench/r2-copy?parse=1`): both costs no translator into R2 can skip. */
  r2CopyParsed: Pass | null;
  /** The same, writing exactly the vault object's size into R2 (the upstream's bytes cut short or zero-padded). */
  r2CopyParsedSized: Pass | null;
  /** The runtime's own share: the same upstream bytes copied untouched into R2 as the vault writes (null for inline output). */
  r2Copy: Pass | null;
  /** Vault write rate over the raw copy's (same gateway, taking turns). */
  writeVsR2Copy: number | null;
  /** The raw copy written other ways (part sizes, parts in flight, one put), once each; largest size only. */
  r2Ways: (Pass & { how: string })[];
  /** CPU during the watched raw copy (fakes / workerd / client): a workerd at one full core is bound by its own work. */
  r2CopyCpu: CpuFigures | null;
  memory: MemoryFigures;
  cpu: CpuFigures;
}

export interface Pass {
  seconds: number;
  /** Upstream bytes read per second (the same bytes for every pass). */
  mbPerSecond: number;
}

export interface ResultsFigures {
  provider: BatchProvider;
  requests: number;
  /** Size of the vaulted object the client read (the results row's rates are of these bytes). */
  vaultedMB: number;
  /** The results route, served from the vault, in MB/s of the vaulted bytes. */
  read: Pass;
  /** The floor: the same R2 object passed through by the same Worker, in MB/s of the same bytes. */
  vaultObject: Pass;
  /** Results read rate over the vault object's pass-through (target ≥ 0.8). */
  readVsObject: number;
  /** Size of the upstream results (what raw and parse-only read; for inline output, the translated size). */
  upstreamMB: number;
  /** Size of the translated results the client got. */
  translatedMB: number;
  /** The results read again, in MB/s of the upstream bytes (to compare with the passes below). */
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
  /**
   * The same watch over one read of the vault object through a freshly started gateway with no
   * gateway code in the way (`/__bench/vault-object`): the memory the local runtime itself takes
   * to serve those bytes out of its R2 (its R2 runs inside the same workerd process).
   */
  vaultObjectMemory: MemoryFigures;
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
export async function batchCase(fakes: Fakes, config: string, provider: BatchProvider, requests: number, repeats: number): Promise<{ create: CreateFigures; vault: VaultFigures; results: ResultsFigures }> {
  const body = batchBody(provider, requests);

  // ── create, on a fresh gateway ──
  const gateway = await startGateway(fakes, { config });
  let batchId: string;
  let create: CreateFigures;
  try {
    const watch = await watchMemory(gateway, { profile: true });
    const from = Date.now();
    const cpu = cpuWatch(fakes.pid, gateway.workerd);
    const started = performance.now();
    const post = () =>
      fetchJson<{ id: string; request_counts: { processing: number } }>(`${gateway.url}/anthropic/v1/messages/batches`, {
        method: "POST",
        headers: { ...gatewayHeaders(provider), "content-type": "application/json" },
        body,
      });
    const batch = await post();
    const watchedSeconds = (performance.now() - started) / 1000;
    const cpuFigures = cpu.stop();
    const to = Date.now();
    const memory = await watch.finish(from, to);
    keepProfile(`create ${provider} ${requests}`, watch.cpuProfile);
    if (batch.request_counts.processing !== requests) {
      throw new Error(`the batch holds ${batch.request_counts.processing} requests, not ${requests}`);
    }
    batchId = batch.id;
    const endedAfter = await waitUntilEnded(gateway.url, batchId, requests);
    // The rate: the same create again, unwatched (the inspector's sampling slowed the first one),
    // taking turns with the floor in the same Worker, `repeats + 1` rounds; the fastest of each
    // counts. Taking turns keeps a passing slowdown of this shared machine from landing on one
    // side only (in one run the floor alone, measured after both creates, read at a quarter of
    // its usual rate). Each create's batch has ended before its floor (so that no background work
    // runs during the floor), and workerd has gone quiet before each. The Worker's CPU time (every
    // workerd thread) is read around each.
    const workerdCpu = () => totalCpuMs(gateway.workerd);
    const createRuns: { ms: number; cpuMs: number }[] = [];
    const parseRuns: { ms: number; cpuMs: number }[] = [];
    const uploadRuns: { ms: number; cpuMs: number }[] = [];
    for (let run = 0; run <= repeats; run++) {
      await quiet(gateway.workerd);
      let cpu0 = workerdCpu();
      const again = await timed(post);
      createRuns.push({ ms: again.ms, cpuMs: workerdCpu() - cpu0 });
      if (again.request_counts.processing !== requests) throw new Error(`batch ${run + 2} holds ${again.request_counts.processing} requests, not ${requests}`);
      await waitUntilEnded(gateway.url, again.id, requests);
      await quiet(gateway.workerd);
      cpu0 = workerdCpu();
      const parsed = await timed(() => fetchJson<{ requests: number }>(`${gateway.url}/__bench/parse-body`, { method: "POST", headers: { "content-type": "application/json" }, body }));
      parseRuns.push({ ms: parsed.ms, cpuMs: workerdCpu() - cpu0 });
      if (parsed.requests !== requests) throw new Error(`/__bench/parse-body found ${parsed.requests} requests, not ${requests}`);
      if (provider !== "gemini") continue;
      await quiet(gateway.workerd);
      cpu0 = workerdCpu();
      const uploaded = await timed(() =>
        fetchJson<{ requests: number; uploaded: number }>(`${gateway.url}/__bench/parse-body?upload=gemini`, { method: "POST", headers: { "content-type": "application/json" }, body }),
      );
      uploadRuns.push({ ms: uploaded.ms, cpuMs: workerdCpu() - cpu0 });
      if (uploaded.requests !== requests || uploaded.uploaded !== body.byteLength) {
        throw new Error(`/__bench/parse-body?upload=gemini found ${uploaded.requests} requests and uploaded ${uploaded.uploaded} bytes, not ${requests} and ${body.byteLength}`);
      }
    }
    const seconds = Math.min(watchedSeconds, ...createRuns.map((run) => run.ms / 1000));
    const parseSeconds = Math.min(...parseRuns.map((run) => run.ms)) / 1000;
    const parseOnly = { seconds: round(parseSeconds, 2), mbPerSecond: round(body.byteLength / MB / parseSeconds) };
    const jobs = await fetchJson<JobRow[]>(`${gateway.url}/__bench/jobs?batch=${batchId}`);
    const uploadSeconds = uploadRuns.length > 0 ? Math.min(...uploadRuns.map((run) => run.ms)) / 1000 : null;
    const parseAndUpload =
      uploadSeconds === null
        ? null
        : {
            seconds: round(uploadSeconds, 2),
            mbPerSecond: round(body.byteLength / MB / uploadSeconds),
            cpuMs: median(uploadRuns.map((run) => run.cpuMs)),
            uploadedMB: await uploadedInputMB(fakes, jobs),
          };
    create = {
      provider,
      requests,
      bodyMB: round(body.byteLength / MB),
      seconds: round(seconds, 2),
      mbPerSecond: round(body.byteLength / MB / seconds),
      memory,
      // Filled in below, on a gateway of its own.
      parseOnlyMemory: memory,
      cpu: cpuFigures,
      fakeBound: cpuFigures.fakesPct >= FAKE_BOUND_PCT,
      jobs: jobs.length,
      parseOnly,
      createVsParse: round(body.byteLength / MB / seconds / parseOnly.mbPerSecond, 2),
      cpuMs: { create: median(createRuns.map((run) => run.cpuMs)), parseOnly: median(parseRuns.map((run) => run.cpuMs)), rounds: createRuns.length },
      parseAndUpload,
      createVsParseAndUpload: parseAndUpload ? round(body.byteLength / MB / seconds / parseAndUpload.mbPerSecond, 2) : null,
      secondsToEnded: round(endedAfter / 1000, 1),
    };
  } finally {
    await gateway.stop();
  }

  // ── the parse-only pass alone, on a fresh gateway: the runtime's own memory for the body ──
  const parser = await startGateway(fakes, { config });
  try {
    const parseWatch = await watchMemory(parser);
    const parseFrom = Date.now();
    await fetchJson(`${parser.url}/__bench/parse-body`, { method: "POST", headers: { "content-type": "application/json" }, body });
    create.parseOnlyMemory = await parseWatch.finish(parseFrom, Date.now());
  } finally {
    await parser.stop();
  }

  // ── the vault object's read alone, on a fresh gateway: the runtime's own memory for it ──
  const objectReader = await startGateway(fakes, { config, stateDir: gateway.stateDir });
  let vaultObjectMemory: MemoryFigures;
  try {
    const objectWatch = await watchMemory(objectReader);
    const objectFrom = Date.now();
    await drain(`${objectReader.url}/__bench/vault-object?batch=${batchId}`);
    vaultObjectMemory = await objectWatch.finish(objectFrom, Date.now());
  } finally {
    await objectReader.stop();
  }

  // ── results, on another fresh gateway over the same D1 state ──
  const reader = await startGateway(fakes, { config, stateDir: gateway.stateDir });
  try {
    const jobs = await fetchJson<JobRow[]>(`${reader.url}/__bench/jobs?batch=${batchId}`);
    const paths = upstreamPaths(provider, jobs);
    // The floors read the upstream as the vault reads it: Anthropic's results 256 KiB a read
    // (src/providers/anthropic/batches.ts), the others 64 KiB (src/lib/jsonl.ts).
    const query = `provider=${provider}&read=${provider === "anthropic" ? 256 : 64}&${paths.map((path) => `path=${encodeURIComponent(path)}`).join("&")}`;
    const resultsUrl = `${reader.url}/anthropic/v1/messages/batches/${batchId}/results`;
    const headers = gatewayHeaders();

    const watch = await watchMemory(reader, { profile: true });
    const from = Date.now();
    const cpu = cpuWatch(fakes.pid, reader.workerd);
    const first = await drain(resultsUrl, { headers });
    const cpuFigures = cpu.stop();
    const to = Date.now();
    const memory = await watch.finish(from, to);
    keepProfile(`results ${provider} ${requests}`, watch.cpuProfile);
    if (first.lines !== requests) throw new Error(`the results hold ${first.lines} lines, not ${requests}`);
    const objectUrl = `${reader.url}/__bench/vault-object?batch=${batchId}`;
    const objectRuns: { ms: number; bytes: number }[] = [];

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
      // Unwatched reads too (the watched first one was slowed by the inspector's sampling).
      translated.push(await drain(resultsUrl, { headers }));
      objectRuns.push(await drain(objectUrl));
      if (!comparable) continue;
      const rawRun = await drain(rawUrl);
      upstreamBytes = rawRun.bytes;
      raw.push(rawRun);
      parse.push(await timed(() => fetchJson<{ bytes: number; lines: number }>(parseUrl)));
      roundtrip.push(await drain(roundTripUrl));
      direct.push(await directPass(fakes, provider, paths));
    }

    if (!comparable) upstreamBytes = first.bytes;
    if (objectRuns.some((run) => run.bytes !== first.bytes)) throw new Error(`the vaulted object has ${objectRuns[0]!.bytes} bytes; the results read gave ${first.bytes}`);
    const pass = (runs: { ms: number }[], bytes = upstreamBytes): Pass | null => {
      if (runs.length === 0) return null;
      const best = Math.min(...runs.map((run) => run.ms)) / 1000;
      return { seconds: round(best, 2), mbPerSecond: round(bytes / MB / best) };
    };
    const translatedPass = pass(translated)!;
    const parsePass = pass(parse);
    const directPassFigures = pass(direct);
    const readPass = pass(translated, first.bytes)!;
    const objectPass = pass(objectRuns, first.bytes)!;

    // ── the vault write, once more, last (it rewrites the object the reads above served), on a
    // freshly started gateway over the same state: the passes above leave garbage in the
    // reader's heap that would otherwise count as the write's ──
    await reader.stop();
    const writer = await startGateway(fakes, { config, stateDir: gateway.stateDir });
    let written: { bytes: number; ms: number };
    const r2Copy: { ms: number }[] = [];
    const r2Ways: (Pass & { how: string })[] = [];
    let r2CopyCpu: CpuFigures | null = null;
    // The vault's parse-only floor, taken on the writer too, between its writes (the reads'
    // parse-only pass ran earlier on another gateway, under whatever load was then).
    const writerParse: { ms: number }[] = [];
    // The raw copy with each line parsed on the way: the vault's floor with both of its costs.
    const r2CopyParsed: { ms: number }[] = [];
    // And that copy writing the vault object's own size, which is not the upstream's (Gemini's
    // results grow in Anthropic's format; OpenAI's shrink): reading and parsing the upstream and
    // writing what the vault writes, the runtime's whole share of this job.
    const r2CopyParsedSized: { ms: number }[] = [];
    let writePass: Pass;
    let vaultCpuFigures: CpuFigures;
    let vaultMemory: MemoryFigures;
    try {
      const vaultWatch = await watchMemory(writer, { profile: true });
      const vaultFrom = Date.now();
      const vaultCpu = cpuWatch(fakes.pid, writer.workerd);
      const revault = () => timed(() => fetchJson<{ bytes: number }>(`${writer.url}/__bench/revault?batch=${batchId}`, { method: "POST" }));
      const copy = (how = "") => timed(() => fetchJson<{ bytes: number }>(`${writer.url}/__bench/r2-copy?${query}${how}`, { method: "POST" }));
      written = await revault();
      vaultCpuFigures = vaultCpu.stop();
      vaultMemory = await vaultWatch.finish(vaultFrom, Date.now());
      keepProfile(`vault ${provider} ${requests}`, vaultWatch.cpuProfile);
      if (written.bytes !== first.bytes) throw new Error(`the vault wrote ${written.bytes} bytes, not the ${first.bytes} it wrote first`);
      // The raw copy's profile, on the same gateway right after: where the runtime's own R2
      // write spends its time (the closing argument when the vault is held by it).
      if (comparable) {
        const copyWatch = await watchMemory(writer, { profile: true });
        const copyFrom = Date.now();
        const copyCpuWatch = cpuWatch(fakes.pid, writer.workerd);
        await copy();
        r2CopyCpu = copyCpuWatch.stop();
        await copyWatch.finish(copyFrom, Date.now());
        keepProfile(`r2 copy ${provider} ${requests}`, copyWatch.cpuProfile);
      }
      // The rates: unwatched writes as well (the inspector's sampling slowed the watched one),
      // each vault write beside a raw copy into R2 on the same gateway, taking turns.
      const writes = [written];
      for (let run = 0; run < repeats; run++) {
        writes.push(await revault());
        if (!comparable) continue;
        r2Copy.push(await copy());
        r2CopyParsed.push(await copy("&parse=1"));
        r2CopyParsedSized.push(await copy(`&parse=1&size=${first.bytes}`));
        writerParse.push(await timed(() => fetchJson<{ bytes: number; lines: number }>(`${writer.url}/__bench/parse?${query}`)));
      }
      writePass = pass(writes)!;
      // Other ways of writing the same bytes into R2, once each, to show the floor writes the
      // fastest way found (bench/README.md, "The R2 write"); the largest size only.
      if (comparable && repeats > 1) {
        for (const [how, query] of R2_WRITE_WAYS) {
          try {
            r2Ways.push({ how, ...pass([await copy(query.replace("{bytes}", String(upstreamBytes)))])! });
          } catch (error) {
            process.stderr.write(`\nbench: the raw copy "${how}" failed: ${(error as Error).message.slice(0, 200)}\n`);
            r2Ways.push({ how, seconds: 0, mbPerSecond: 0 });
          }
        }
      }
    } finally {
      await writer.stop();
    }
    const vaultParse = pass(writerParse) ?? parsePass;
    return {
      create,
      vault: {
        provider,
        requests,
        upstreamMB: round(upstreamBytes / MB),
        vaultedMB: round(written.bytes / MB),
        write: writePass,
        parseOnly: comparable ? vaultParse : null,
        writeVsParse: comparable && vaultParse ? round(writePass.mbPerSecond / vaultParse.mbPerSecond, 2) : null,
        r2Copy: comparable ? pass(r2Copy) : null,
        writeVsR2Copy: comparable && r2Copy.length > 0 ? round(writePass.mbPerSecond / pass(r2Copy)!.mbPerSecond, 2) : null,
        r2CopyParsed: comparable ? pass(r2CopyParsed) : null,
        r2CopyParsedSized: comparable ? pass(r2CopyParsedSized) : null,
        r2Ways,
        r2CopyCpu,
        memory: vaultMemory,
        cpu: vaultCpuFigures,
      },
      results: {
        provider,
        requests,
        vaultedMB: round(first.bytes / MB),
        read: readPass,
        vaultObject: objectPass,
        readVsObject: round(readPass.mbPerSecond / objectPass.mbPerSecond, 2),
        upstreamMB: round(upstreamBytes / MB),
        translatedMB: round(first.bytes / MB),
        translated: translatedPass,
        raw: pass(raw),
        parseOnly: parsePass,
        fakeDirect: directPassFigures,
        libraryRoundTrip: pass(roundtrip),
        translatedVsParse: parsePass ? round(translatedPass.mbPerSecond / parsePass.mbPerSecond, 2) : null,
        memory,
        vaultObjectMemory,
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

/**
 * Retrieves the batch every half second until it has ended; returns the milliseconds that took.
 * A batch ends once the background worker has polled it to its end upstream (each poll moves a
 * fake's batch one step) and vaulted its results (a small batch is vaulted by the retrieve
 * itself), so the wait allows a minute plus the vault's time at a pessimistic 1 MB/s.
 */
async function waitUntilEnded(gatewayUrl: string, batchId: string, requests: number): Promise<number> {
  const started = performance.now();
  const deadline = started + 60_000 + requests * 10;
  let status = "";
  while (performance.now() < deadline) {
    const batch = await fetchJson<{ processing_status: string }>(`${gatewayUrl}/anthropic/v1/messages/batches/${batchId}`, { headers: gatewayHeaders() });
    status = batch.processing_status;
    if (status === "ended") return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`batch ${batchId} had not ended after ${Math.round((performance.now() - started) / 1000)} s (still ${status})`);
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

/** The size in MB of the files a Gemini create uploaded (its jobs' input files, from the fake), or null. */
async function uploadedInputMB(fakes: Fakes, jobs: JobRow[]): Promise<number | null> {
  let bytes = 0;
  for (const job of jobs) {
    const name = job.data.inputFile;
    if (typeof name !== "string") return null;
    const file = await fetchJson<{ sizeBytes?: string }>(`${fakes.urls.gemini}/v1beta/${name.split("/").map(encodeURIComponent).join("/")}`, { headers: { "x-goog-api-key": KEYS.gemini } }).catch(() => null);
    bytes += Number(file?.sizeBytes ?? Number.NaN);
  }
  return Number.isFinite(bytes) ? round(bytes / MB) : null;
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

/** The middle value; the mean of the two middle ones for an even count. */
function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}

/**
 * Waits until workerd has been idle (under 10 ms of CPU in 200 ms) or 10 s have passed: a
 * batch that reads `ended` may still leave work behind (deferred cleanup, garbage collection)
 * that would otherwise count as the next measured pass's.
 */
async function quiet(workerd: readonly number[]): Promise<void> {
  const cpu = () => totalCpuMs(workerd);
  const until = Date.now() + 10_000;
  let before = cpu();
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = cpu();
    if (now - before < 10) return;
    before = now;
  }
}

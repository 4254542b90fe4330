/**
 * The gateway as `npm run bench` runs it: the deployed Worker (src/index.ts's default export,
 * untouched, with wrangler.toml's bindings) plus bench-only routes under /__bench/ that run in
 * the same Worker (same isolate, same workerd), so that the results case compares like with like:
 *
 * - GET  /__bench/raw?provider=P&path=…[&path=…]    the upstream bytes of each path, in turn,
 *                                                   passed through untouched;
 * - GET  /__bench/parse?provider=P&path=…[&path=…]  the same bytes split into lines, each line
 *                                                   JSON.parse'd and dropped (the floor for any
 *                                                   translator that reads every line);
 * - GET  /__bench/roundtrip?provider=P&path=…       the same lines through src/lib/jsonl.ts alone
 *                                                   (parsed, re-serialised), no adapter;
 * - POST /__bench/parse-body                        a batch create body, each request found by a
 *                                                   byte scan and JSON.parse'd, then dropped (the
 *                                                   floor for any create that reads every request);
 *                                                   with ?upload=gemini, its bytes also sent to
 *                                                   Gemini's fake as the create sends its file (the
 *                                                   runtime's and the upstream's share of a create);
 * - POST /__bench/revault?batch=ID                  vaults an ended batch once more, as the
 *                                                   background worker does (the vault write case);
 * - POST /__bench/r2-copy?provider=P&path=…         the upstream bytes copied untouched into R2 in
 *                                                   8 MiB parts, as the vault writes (the runtime's
 *                                                   own cost of the vault write), then removed; or
 *                                                   another way (&part=MiB, &inflight=n, or
 *                                                   &write=put&length=bytes), to compare; with
 *                                                   &parse=1, each line JSON.parse'd on the way too
 *                                                   (what no translator into R2 can skip); with
 *                                                   &size=bytes, exactly that many bytes written
 *                                                   (the upstream's cut short or zero-padded: the
 *                                                   vault object's size);
 * - GET  /__bench/vault-object?batch=ID             the batch's vaulted results object, passed
 *                                                   through from R2 untouched (the vault read floor);
 * - GET  /__bench/upstream-file?id=NATIVE_ID         an Anthropic fake file's content through this
 *                                                   Worker with no gateway code (the download floor
 *                                                   in the gateway's own runtime);
 * - GET  /__bench/d1                                one D1 round trip (`SELECT 1`), for the overhead case;
 * - GET  /__bench/jobs?batch=ID                     the upstream jobs the gateway recorded for a
 *                                                   batch (where the raw and parse passes read);
 * - POST /__bench/files                             records an upstream file as a downloadable
 *                                                   gateway file of the caller (for the 500 MB
 *                                                   download, seeded in the Anthropic fake).
 *
 * Plain JavaScript on purpose: tsconfig.node.json type-checks bench/ with Node's types, and
 * the gateway's sources only type-check with the Workers types (tsconfig.json).
 * Never deployed: wrangler.toml's main is src/index.ts; bench/lib/stack.ts builds this entry
 * with a copy of wrangler.toml whose main points here.
 */
import { Hono } from "hono";
import { auth } from "../../src/api/middleware/auth";
import { newFileId } from "../../src/core/ids";
import { createServices } from "../../src/core/services";
import { ADAPTERS } from "../../src/providers/index";
import { readJsonLines, toJsonLines } from "../../src/lib/jsonl";
import { multipartBody } from "../../src/lib/multipart";
import { readFilePart } from "../../src/lib/multipart-upload";
import { BatchStore } from "../../src/store/batches";
import { FileStore } from "../../src/store/files";
import { geminiClient } from "../../src/providers/gemini/client";
import { ResumableUpload } from "../../src/providers/gemini/resumable-upload";
import gateway from "../../src/index";

/** Base URL and auth headers of each provider, from the same variables the adapters read. */
function upstream(env, provider, path) {
  switch (provider) {
    case "anthropic":
      return { url: `${env.ANTHROPIC_BASE_URL}${path}`, headers: { "x-api-key": env.ANTHROPIC_API_KEY, "anthropic-version": "2023-06-01" } };
    case "openai":
      return { url: `${env.OPENAI_BASE_URL}${path}`, headers: { authorization: `Bearer ${env.OPENAI_API_KEY}` } };
    case "gemini":
      return { url: `${env.GEMINI_BASE_URL}${path}`, headers: { "x-goog-api-key": env.GEMINI_API_KEY } };
    default:
      throw new Error(`no upstream for ${provider}`);
  }
}

async function open(env, provider, path) {
  const { url, headers } = upstream(env, provider, path);
  const response = await fetch(url, { headers });
  if (!response.ok || !response.body) throw new Error(`upstream ${url} answered ${response.status}`);
  return response.body;
}

function targets(c) {
  const url = new URL(c.req.url);
  return { provider: url.searchParams.get("provider") ?? "", paths: url.searchParams.getAll("path") };
}

const bench = new Hono();

bench.get("/__bench/raw", async (c) => {
  const { provider, paths } = targets(c);
  const headers = { "content-type": "application/x-jsonl" };
  const first = await open(c.env, provider, paths[0]);
  // One upstream body is handed to the runtime as is, as any proxy would; several are piped in
  // turn through the runtime's native identity stream.
  if (paths.length === 1) return new Response(first, { headers });
  const { readable, writable } = new IdentityTransformStream();
  const pump = async () => {
    let body = first;
    for (let index = 0; ; index++) {
      await body.pipeTo(writable, { preventClose: true });
      if (index + 1 >= paths.length) break;
      body = await open(c.env, provider, paths[index + 1]);
    }
    await writable.close();
  };
  pump().catch((error) => writable.abort(error).catch(() => {}));
  return new Response(readable, { headers });
});

bench.get("/__bench/parse", async (c) => {
  const { provider, paths } = targets(c);
  const parser = lineParser();
  for (const path of paths) {
    // Read as the vault reads this provider's results (see `chunkReader` and `readKiB`), so
    // that the floor pays no more per read.
    const read = chunkReader(await open(c.env, provider, path), readKiB(c));
    for (;;) {
      const { done, value } = await read();
      if (value && value.byteLength > 0) parser.push(value);
      if (done) break;
    }
    parser.end();
  }
  return c.json({ lines: parser.lines, bytes: parser.bytes });
});

/**
 * The parse-only pass over one body's chunks: decoded, each line `JSON.parse`d and dropped.
 * `end()` after each body.
 */
function lineParser() {
  const decoder = new TextDecoder();
  let pending = "";
  const state = {
    lines: 0,
    bytes: 0,
    push(value) {
      state.bytes += value.byteLength;
      const text = pending + decoder.decode(value, { stream: true });
      let start = 0;
      let newline = text.indexOf("\n", start);
      while (newline !== -1) {
        if (newline > start) {
          JSON.parse(text.slice(start, newline));
          state.lines++;
        }
        start = newline + 1;
        newline = text.indexOf("\n", start);
      }
      pending = text.slice(start);
    },
    end() {
      pending += decoder.decode();
      if (pending.trim().length > 0) {
        JSON.parse(pending);
        state.lines++;
      }
      pending = "";
    },
  };
  return state;
}

// The floor of a create: the same body the create case posts, each request's bytes found by a
// byte scan (strings and escapes respected; a request is an object at depth 3 of
// `{"requests":[{…},…]}`), decoded and JSON.parse'd, then dropped. Nothing is kept but the
// request being read. The body is read as the gateway's create reads it (src/api/batch-body.ts:
// at least 64 KiB a read, see `chunkReader`), not workerd's few KiB a default read.
// With `upload=gemini`, every byte read is also written to a Gemini resumable upload by the
// gateway's own uploader (src/providers/gemini/resumable-upload.ts: 8 MiB chunks, one in flight
// while the next fills), finalized at the end and then deleted (a round trip the create does
// not make): what a Gemini create pays the runtime and the upstream to send its file, without
// translating anything.
bench.post("/__bench/parse-body", async (c) => {
  const read = chunkReader(c.req.raw.body);
  const gemini = c.req.query("upload") === "gemini" ? geminiClient({ env: c.env, fetch: (input, init) => fetch(input, init), clientBetas: [] }) : null;
  const upload = gemini ? await ResumableUpload.start(gemini, { displayName: "bench-parse-body.jsonl", mimeType: "application/jsonl", sizeBytes: null }) : null;
  try {
    const { requests, bytes } = await parseBody(read, upload);
    if (!upload) return c.json({ requests, bytes });
    const file = await upload.finish();
    await (await gemini.fetch(`/v1beta/${file.name}`, { method: "DELETE" })).body?.cancel();
    return c.json({ requests, bytes, uploaded: Number(file.sizeBytes) });
  } catch (error) {
    // As a failed create aborts its upload: the session ends and the isolate's second chunk is
    // given back (src/providers/gemini/resumable-upload.ts), so later creates are not slowed.
    await upload?.cancel();
    throw error;
  }
});

// The floor's scan: the requests found and parsed, and the bytes read (each also written to
// `upload` when there is one).
async function parseBody(read, upload) {
  const decoder = new TextDecoder();
  let depth = 0;
  let inString = false;
  let escaped = false;
  let pieces = null; // the current request's bytes from earlier chunks
  let requests = 0;
  let bytes = 0;
  for (;;) {
    const { done, value } = await read();
    if (!value || value.byteLength === 0) {
      if (done) break;
      continue;
    }
    bytes += value.byteLength;
    const sent = upload?.write(value);
    if (sent) await sent;
    let start = pieces ? 0 : -1;
    for (let index = 0; index < value.length; index++) {
      const byte = value[index];
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === 92) escaped = true;
        else if (byte === 34) inString = false;
        continue;
      }
      if (byte === 34) inString = true;
      else if (byte === 123 || byte === 91) {
        depth++;
        if (depth === 3) {
          start = index;
          pieces = [];
        }
      } else if (byte === 125 || byte === 93) {
        if (depth === 3 && pieces) {
          const tail = value.subarray(start, index + 1);
          let whole = tail;
          if (pieces.length > 0) {
            whole = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.byteLength, tail.byteLength));
            let at = 0;
            for (const piece of [...pieces, tail]) {
              whole.set(piece, at);
              at += piece.byteLength;
            }
          }
          JSON.parse(decoder.decode(whole));
          requests++;
          pieces = null;
          start = -1;
        }
        depth--;
      }
    }
    if (pieces) pieces.push(value.slice(start));
    if (done) break;
  }
  return { requests, bytes };
}

// The vault write, once more: an ended batch is put back to `vaulting` and handed to the
// Worker's own queue consumer as the `vault` message the background worker gets, so that the
// same code translates its upstream results into R2 again (the same object is rewritten).
bench.post("/__bench/revault", async (c) => {
  const batchId = c.req.query("batch") ?? "";
  const reset = await c.env.DB.prepare(`UPDATE batches SET state = 'vaulting', vault_lease_until = NULL WHERE id = ? AND state = 'ended'`).bind(batchId).run();
  if (reset.meta.changes !== 1) return c.json({ error: `${batchId} is not an ended batch` }, 409);
  let retried = false;
  const message = { id: "bench-revault", timestamp: new Date(), attempts: 1, body: { kind: "vault", batchId }, ack() {}, retry() { retried = true; } };
  await gateway.queue({ queue: "bench", messages: [message], ackAll() {}, retryAll() {} }, c.env, c.executionCtx);
  const row = await c.env.DB.prepare(`SELECT state, results_bytes FROM batches WHERE id = ?`).bind(batchId).first();
  if (retried || row?.state !== "ended") return c.json({ error: `the vault did not end ${batchId} (state ${row?.state}; see the Worker's log)` }, 500);
  return c.json({ bytes: row.results_bytes });
});

// What writing the vault costs the runtime alone: the same upstream bytes, untouched, into R2
// the way src/store/vault.ts writes (one put below a part, else a multipart upload of 8 MiB
// parts, one part in flight). The object is removed after the answer. Other ways of writing,
// to find the fastest (bench/README.md, "The R2 write"): `part=<MiB>` (at least 5: R2's
// minimum), `inflight=<n>` parts uploaded at once (one buffer each), or `write=put`: one `put`
// of a FixedLengthStream of `length=<bytes>` (which the vault, translating as it goes, never
// knows up front).
bench.post("/__bench/r2-copy", async (c) => {
  const { provider, paths } = targets(c);
  const partBytes = Number(c.req.query("part") ?? "8") * 1024 * 1024;
  const inflight = Number(c.req.query("inflight") ?? "1");
  const key = `bench/r2-copy/${crypto.randomUUID()}`;
  const bodies = async function* () {
    for (const path of paths) yield await open(c.env, provider, path);
  };
  // `parse=1`: each line is also JSON.parse'd (and dropped) on the way, as the parse-only pass
  // does: the two things any translator into R2 must do, in one pass.
  const parser = c.req.query("parse") === "1" ? lineParser() : null;
  // `size=<bytes>`: exactly that many bytes are written into R2, the upstream's own cut short or
  // followed by zeros, while all of it is still read (and parsed): the runtime's cost of reading
  // the upstream and writing the vault's object, whose size differs from the upstream's.
  const size = c.req.query("size") === undefined ? null : Number(c.req.query("size"));
  if (size !== null && !(Number.isSafeInteger(size) && size >= 0 && c.req.query("write") !== "put")) {
    return c.json({ error: "size: a whole number of bytes, with the multipart copy only" }, 400);
  }
  const total =
    c.req.query("write") === "put"
      ? await putCopy(c.env.RESULTS, key, Number(c.req.query("length")), bodies())
      : await multipartCopy(c.env.RESULTS, key, bodies(), partBytes, inflight, parser, readKiB(c), size);
  c.executionCtx.waitUntil(c.env.RESULTS.delete(key));
  return c.json({ bytes: total });
});

/**
 * The upstream bodies copied into R2 in fixed-size parts, `inflight` parts uploaded at once (a
 * buffer each, reused: a new buffer per part would add the collector's work to what should be
 * the runtime's cost alone). One `put` when everything fits one part, as the vault does. With
 * `size`, exactly that many bytes are written: the upstream's cut short, or followed by zeros.
 */
async function multipartCopy(bucket, key, bodies, partBytes, inflight, parser = null, readSize = 64, size = null) {
  const buffers = Array.from({ length: inflight }, () => new Uint8Array(partBytes));
  const uploading = new Array(inflight).fill(null);
  const parts = [];
  let upload = null;
  let slot = 0;
  let part = buffers[0];
  let filled = 0;
  let total = 0;
  // Bytes put into parts (`size` caps them, and zeros make up what the upstream lacks).
  let written = 0;
  const sendPart = async (bytes) => {
    upload ??= await bucket.createMultipartUpload(key);
    const number = parts.length + 1;
    parts.push(null);
    uploading[slot] = upload.uploadPart(number, bytes).then((uploaded) => {
      parts[number - 1] = uploaded;
    });
    slot = (slot + 1) % inflight;
    // The next buffer is free once the part sent from it has been uploaded.
    if (uploading[slot]) await uploading[slot];
    uploading[slot] = null;
    part = buffers[slot];
  };
  for await (const body of bodies) {
    const read = chunkReader(body, readSize);
    for (;;) {
      const { done, value } = await read();
      if (value) total += value.byteLength;
      if (!value || value.byteLength === 0) {
        if (done) break;
        continue;
      }
      parser?.push(value);
      let chunk = size === null ? value : value.subarray(0, Math.max(0, size - written));
      while (chunk.byteLength > 0) {
        const take = Math.min(chunk.byteLength, partBytes - filled);
        part.set(chunk.subarray(0, take), filled);
        filled += take;
        written += take;
        chunk = chunk.subarray(take);
        if (filled === partBytes) {
          await sendPart(part);
          filled = 0;
        }
      }
      if (done) break;
    }
    parser?.end();
  }
  while (size !== null && written < size) {
    const take = Math.min(size - written, partBytes - filled);
    part.fill(0, filled, filled + take);
    filled += take;
    written += take;
    if (filled === partBytes) {
      await sendPart(part);
      filled = 0;
    }
  }
  if (!upload) {
    await bucket.put(key, part.subarray(0, filled));
    return total;
  }
  if (filled > 0) await sendPart(part.subarray(0, filled));
  await Promise.all(uploading);
  await upload.complete(parts);
  return total;
}

/**
 * Reads a body as the vault reads upstream results (src/lib/jsonl.ts, `CHUNK_READ_BYTES`): a
 * byte stream through a BYOB reader, at least 64 KiB a read into one reused buffer, since
 * workerd hands a fetched body to a default reader about 4 KiB a read; any other stream as it
 * comes. A BYOB read may end the stream with bytes (`done` and a value).
 */
/**
 * `&read=<KiB>`: the read size of the vault's own reader for this provider (Anthropic's results
 * are read 256 KiB at a time: src/providers/anthropic/batches.ts; the others 64 KiB: src/lib/jsonl.ts),
 * which the bench passes so that the raw copy and parse-only floors read as the vault reads.
 */
function readKiB(c) {
  return Number(c.req.query("read") ?? "64");
}

function chunkReader(body, readKiB = 64) {
  let reader;
  try {
    reader = body.getReader({ mode: "byob" });
  } catch {
    const plain = body.getReader();
    return () => plain.read();
  }
  let buffer = new ArrayBuffer(readKiB * 1024);
  return async () => {
    const result = await reader.read(new Uint8Array(buffer), { min: buffer.byteLength });
    if (result.value) buffer = result.value.buffer;
    return result;
  };
}

/**
 * The upstream bodies into R2 as one `put` of a FixedLengthStream of `length` bytes (their
 * summed size, which the bench measured in its raw pass: the fakes stream without a
 * Content-Length).
 */
async function putCopy(bucket, key, length, bodies) {
  if (!Number.isSafeInteger(length) || length <= 0) throw new Error("write=put needs &length=<bytes>");
  const { readable, writable } = new FixedLengthStream(length);
  const written = bucket.put(key, readable);
  for await (const body of bodies) await body.pipeTo(writable, { preventClose: true });
  await writable.close();
  await written;
  return length;
}

// An upstream file's content through this Worker with no gateway code (no auth, no D1, no
// adapter): fetched from the Anthropic fake and answered as the files route answers (the body
// untouched, its type and length copied): the download's floor in the gateway's own runtime.
bench.get("/__bench/upstream-file", async (c) => {
  const { url, headers } = upstream(c.env, "anthropic", `/v1/files/${c.req.query("id") ?? ""}/content`);
  const response = await fetch(url, { headers });
  if (!response.ok || !response.body) return c.json({ error: `upstream ${url} answered ${response.status}` }, 502);
  const answer = new Headers({ "content-type": response.headers.get("content-type") ?? "application/octet-stream" });
  const length = response.headers.get("content-length");
  if (length !== null) answer.set("content-length", length);
  return new Response(response.body, { headers: answer });
});

// The vault read's floor: the vaulted object (src/store/vault.ts names it
// batches/<id>/results.jsonl) streamed from R2 as is, as any proxy of that object would.
bench.get("/__bench/vault-object", async (c) => {
  const object = await c.env.RESULTS.get(`batches/${c.req.query("batch") ?? ""}/results.jsonl`);
  if (!object) return c.json({ error: "no vaulted results" }, 404);
  return new Response(object.body, { headers: { "content-type": "application/x-jsonl", "content-length": String(object.size) } });
});

// The library's own JSONL round trip (src/lib/jsonl.ts: readJsonLines into toJsonLines), with
// no adapter and no service between: what the line plumbing alone costs.
bench.get("/__bench/roundtrip", async (c) => {
  const { provider, paths } = targets(c);
  const env = c.env;
  async function* values() {
    for (const path of paths) yield* readJsonLines(await open(env, provider, path));
  }
  return new Response(toJsonLines(values()), { headers: { "content-type": "application/x-jsonl" } });
});

// Upload stages apart, to tell where an upload's time and memory go: the request body drained
// (stage=body), its file part parsed out by src/lib/multipart-upload.ts and drained
// (stage=part), or also re-encoded by src/lib/multipart.ts as the adapters do (stage=encode).
bench.post("/__bench/upload", async (c) => {
  const stage = c.req.query("stage") ?? "part";
  let stream;
  if (stage === "body") stream = c.req.raw.body;
  else {
    const part = await readFilePart(c.req.raw, "file", { maxFileBytes: 500 * 1024 * 1024 });
    stream = stage === "part" ? part.body : multipartBody([{ name: "file", filename: part.filename, contentType: part.contentType, body: part.body }]).body;
  }
  const reader = stream.getReader();
  let bytes = 0;
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    chunks++;
  }
  return c.json({ bytes, chunks });
});

// One D1 round trip (`SELECT 1`) from the Worker: the unit the gateway's per-call overhead is
// made of under `wrangler dev` (local D1 lives in another service of the runtime).
bench.get("/__bench/d1", async (c) => {
  await c.env.DB.prepare("SELECT 1").first();
  return c.json({ ok: true });
});

bench.get("/__bench/jobs", async (c) => c.json(await new BatchStore(c.env.DB).jobs(c.req.query("batch") ?? "")));

// The auth middleware identifies the caller through the services object, as the app sets it.
const services = async (c, next) => {
  c.set("services", createServices({ env: c.env, adapters: ADAPTERS }));
  await next();
};

bench.post("/__bench/files", services, auth(), async (c) => {
  const body = await c.req.json();
  const now = new Date().toISOString();
  const record = {
    id: newFileId(),
    owner: c.get("owner"),
    provider: body.provider,
    state: "ready",
    nativeId: body.nativeId,
    filename: body.filename,
    mimeType: body.mimeType,
    sizeBytes: body.sizeBytes,
    downloadable: true,
    createdAt: now,
    expiresAt: null,
    native: {},
    batchId: null,
  };
  await new FileStore(c.env.DB).insert(record);
  return c.json({ id: record.id });
});

export default {
  ...gateway,
  fetch(request, env, ctx) {
    // The path found without parsing the URL: a `new URL` here was a visible share of every
    // hot request the bench measures, a cost the deployed Worker does not have.
    const url = request.url;
    const path = url.indexOf("/", url.indexOf("//") + 2);
    return path !== -1 && url.startsWith("/__bench/", path) ? bench.fetch(request, env, ctx) : gateway.fetch(request, env, ctx);
  },
};

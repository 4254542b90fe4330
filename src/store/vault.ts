/**
 * The results vault in R2 (binding `RESULTS`): per batch, the custom_id lists written while
 * it is created, and the final Anthropic results JSONL written once it has ended. The only
 * place that knows the object keys.
 *
 *   batches/<batch id>/ids/<slot>/<seq>   "custom_id\t<model as JSON>" lines, a chunk of a slot's requests
 *   batches/<batch id>/results.jsonl      the results, every submitted custom_id exactly once
 */

/** One submitted request as the ID lists keep it. */
export interface IdEntry {
  customId: string;
  model: string;
}

/**
 * Multipart parts: R2 wants every part but the last at least 5 MiB and all of one size, so
 * the writer fills fixed-size parts; memory holds one part (a `put` from a stream would need
 * its length up front). See docs/sources/cloudflare.md § R2 multipart parts: at least 5 MiB,
 * all but the last of one size, and § R2 put from a stream needs a known length.
 */
export const RESULTS_PART_BYTES = 8 * 1024 * 1024;

/**
 * @example
 * const vault = new ResultsVault(env.RESULTS);
 * const object = await vault.results("msgbatch_01…");
 */
export class ResultsVault {
  constructor(
    private readonly bucket: R2Bucket,
    private readonly partBytes = RESULTS_PART_BYTES,
  ) {}

  /** Writes one chunk of a slot's request list (custom_id and model per line). */
  async putIds(batchId: string, slot: string, seq: number, entries: readonly IdEntry[]): Promise<void> {
    // The model as JSON once per run of one model (a chunk mostly holds one), not once an entry.
    let model: string | undefined;
    let json = "";
    const text = entries
      .map((entry) => {
        if (entry.model !== model) json = JSON.stringify((model = entry.model));
        return `${entry.customId}\t${json}`;
      })
      .join("\n");
    await this.bucket.put(idsKey(batchId, slot, seq), text, { httpMetadata: { contentType: "text/plain; charset=utf-8" } });
  }

  /** A slot's requests, one chunk at a time, in the order they were submitted. */
  async *ids(batchId: string, slot: string): AsyncGenerator<IdEntry[]> {
    for await (const text of this.#idTexts(batchId, slot)) yield text === "" ? [] : text.split("\n").map(parseEntry);
  }

  /**
   * The texts of a slot's ID chunks in order. The next chunk's `get` is sent before this one
   * is handed out, so that R2's answer comes while the caller works (one get after another is
   * a wait per 10,000 requests: a vault of several models reads every list). A caller that
   * stops early leaves that one get to finish alone.
   */
  async *#idTexts(batchId: string, slot: string): AsyncGenerator<string> {
    // Each get has a handler at once: one that fails while the caller holds the chunk before it
    // is seen by the next `await`, not reported as unhandled first.
    const get = (seq: number) => {
      const object = this.bucket.get(idsKey(batchId, slot, seq));
      object.catch(() => {});
      return object;
    };
    let next = get(0);
    try {
      for (let seq = 1; ; seq++) {
        const object = await next;
        if (!object) return;
        const text = await object.text();
        next = get(seq);
        yield text;
      }
    } finally {
      // The read ahead is nobody's once the caller stops.
      next.then((object) => object?.body.cancel()).catch(() => {});
    }
  }

  /**
   * Streams `pieces` into the results object: one `put` when it fits one part, else a
   * multipart upload of fixed-size parts (aborted on failure, so that no object is ever
   * half-written). A piece is bytes, or lines of text, each written as UTF-8 followed by a
   * line feed: text is encoded straight into the part (no byte buffer per piece or per line).
   * `onPart` runs after each part (the caller renews its lease there). Returns the object's size.
   */
  async writeResults(batchId: string, pieces: AsyncIterable<Uint8Array | readonly string[]>, onPart: () => Promise<void> = async () => {}): Promise<number> {
    const key = resultsKey(batchId);
    const options: R2PutOptions = { httpMetadata: { contentType: "application/x-jsonl" } };
    const part = new Uint8Array(this.partBytes);
    const encoder = new TextEncoder();
    let filled = 0;
    let total = 0;
    let upload: R2MultipartUpload | null = null;
    const parts: R2UploadedPart[] = [];
    // Sends the full part. The binding has sent the part once uploadPart resolves: the same
    // buffer takes the next one. A new buffer per part left each 8 MiB to the collector, and a
    // 100 MB batch's heap peaked at about its whole size (`npm run bench`, vault cases).
    const send = async () => {
      upload ??= await this.bucket.createMultipartUpload(key, options);
      parts.push(await upload.uploadPart(parts.length + 1, part));
      total += filled;
      filled = 0;
      await onPart();
    };
    try {
      for await (const piece of pieces) {
        if (piece instanceof Uint8Array) {
          let chunk = piece;
          while (chunk.byteLength > 0) {
            const take = Math.min(chunk.byteLength, part.byteLength - filled);
            part.set(chunk.subarray(0, take), filled);
            filled += take;
            chunk = chunk.subarray(take);
            if (filled === part.byteLength) await send();
          }
          continue;
        }
        if (piece.length === 0) continue;
        // The piece's lines as one text, encoded by one encodeInto rather than one per line: in
        // workerd each call is a trip into the runtime, and 100 MB of lines encoded one call a
        // line took about twice as long as one call a piece (measured in workerd, wrangler dev).
        // The last line feed is written as a byte: a text with it added is copied again, whole,
        // before it is encoded.
        let text = piece.join("\n");
        for (;;) {
          // encodeInto writes whole characters only: what did not fit goes into the next part.
          const { read, written } = encoder.encodeInto(text, filled === 0 ? part : part.subarray(filled));
          filled += written;
          if (read === text.length) break;
          text = text.slice(read);
          if (filled < part.byteLength) {
            // A character that does not fit whole: its bytes are split between this part and
            // the next, as a byte copy would split them (every part but the last is full).
            const width = text.codePointAt(0)! > 0xffff ? 2 : 1;
            const bytes = encoder.encode(text.slice(0, width));
            const head = part.byteLength - filled;
            part.set(bytes.subarray(0, head), filled);
            filled += head;
            await send();
            part.set(bytes.subarray(head), 0);
            filled = bytes.byteLength - head;
            text = text.slice(width);
            continue;
          }
          await send();
        }
        if (filled === part.byteLength) await send();
        part[filled++] = 0x0a;
        if (filled === part.byteLength) await send();
      }
      if (!upload) {
        await this.bucket.put(key, part.subarray(0, filled), options);
        return filled;
      }
      if (filled > 0) parts.push(await (upload as R2MultipartUpload).uploadPart(parts.length + 1, part.subarray(0, filled)));
      await (upload as R2MultipartUpload).complete(parts);
      return total + filled;
    } catch (error) {
      await (upload as R2MultipartUpload | null)?.abort().catch(() => {});
      throw error;
    }
  }

  /** The results object, streamed; null when there is none. */
  async results(batchId: string): Promise<R2ObjectBody | null> {
    return this.bucket.get(resultsKey(batchId));
  }

  /** Removes the results object only (retention). */
  async deleteResults(batchId: string): Promise<void> {
    await this.bucket.delete(resultsKey(batchId));
  }

  /** Removes everything kept for the batch. */
  async deleteBatch(batchId: string): Promise<void> {
    let cursor: string | undefined;
    do {
      const listed = await this.bucket.list({ prefix: `batches/${batchId}/`, cursor, limit: 1000 });
      if (listed.objects.length > 0) await this.bucket.delete(listed.objects.map((object) => object.key));
      cursor = listed.truncated ? listed.cursor : undefined;
    } while (cursor);
  }
}

function idsKey(batchId: string, slot: string, seq: number): string {
  return `batches/${batchId}/ids/${encodeURIComponent(slot)}/${seq}`;
}

function resultsKey(batchId: string): string {
  return `batches/${batchId}/results.jsonl`;
}

// custom_ids match ^[a-zA-Z0-9_-]{1,64}$, so a tab can never be part of one; the model is a
// JSON string, so that no model name can break a line.
function parseEntry(line: string): IdEntry {
  const tab = line.indexOf("\t");
  return { customId: line.slice(0, tab), model: JSON.parse(line.slice(tab + 1)) as string };
}

/**
 * Message Batches (docs/reference/provider-apis.md §2): create (validated strictly, body read as a stream), list,
 * retrieve, cancel, delete, results. Time does not pass (test/fakes/README.md): each GET of a
 * batch moves it one step, `in_progress` → `in_progress` → `ended` with the default two polls;
 * a cancel makes it `canceling` and the next GET ends it with a `canceled` result for every
 * request, as Anthropic reports requests it never ran.
 *
 * Looked up: the results endpoint answers `content-type: application/x-jsonl` and
 * `content-disposition: attachment; filename*=utf-8''<id>_results.jsonl` (maintainer comment
 * of 2026-08-05 and the header dump in anthropics/anthropic-sdk-ruby#208; also
 * anthropics/anthropic-sdk-php#30). Results come in no guaranteed order (docs/reference/provider-apis.md §2.4): the
 * fake writes them in reverse, so that a client relying on order fails here first.
 * Chosen (not published): the messages for deleting, cancelling or reading the results of a
 * batch in the wrong state, and the status for those (400).
 */
import { BatchBodyScanner } from "./batch-body.ts";
import { validateRequest } from "./batch-validation.ts";
import type { StoredFile } from "./files.ts";
import { ApiError, json } from "./http.ts";
import type { IdSource } from "./ids.ts";
import { messageOf, simulate, type Outcome } from "./model.ts";
import { pageOf } from "./paging.ts";

const MAX_REQUESTS = 100_000;
const MAX_BODY_BYTES = 256 * 1024 * 1024;
/** Bodies up to this size are kept for `calls`; larger ones only by size. */
const MAX_RECORDED_BODY = 1024 * 1024;

type Status = "in_progress" | "canceling" | "ended";
type Ending = "completed" | "canceled" | "expired";

interface StoredBatch {
  id: string;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
  cancel_initiated_at: string | null;
  processing_status: Status;
  polls: number;
  customIds: string[];
  /** Decided on create, for each request in order; dropped once the results are written. */
  outcomes: Outcome[] | null;
  /** The results JSONL lines, in the order they are served; set when the batch ends. */
  resultLines: string[] | null;
  counts: Record<"processing" | "succeeded" | "errored" | "canceled" | "expired", number>;
}

export interface RecordedBody {
  text: string | undefined;
  bytes: number;
}

export interface BatchStore {
  create(request: Request, origin: string, recordBody: (body: RecordedBody) => void): Promise<Response>;
  list(query: URLSearchParams, origin: string): Response;
  retrieve(id: string, origin: string): Response;
  cancel(id: string, origin: string): Response;
  remove(id: string): Response;
  results(id: string): Response;
  /** Control route: the batch ends now as expired. */
  expire(id: string, origin: string): Response;
  reset(): void;
}

export interface BatchStoreOptions {
  ids: IdSource;
  now: () => Date;
  fileOf: (id: string) => StoredFile | undefined;
  /** GETs before a batch ends. */
  pollsToEnd: number;
}

/**
 * @example
 * const batches = createBatchStore({ ids, now: () => new Date(), fileOf: files.get, pollsToEnd: 2 });
 */
export function createBatchStore(options: BatchStoreOptions): BatchStore {
  const { ids, now, fileOf, pollsToEnd } = options;
  const batches = new Map<string, StoredBatch>();

  const found = (id: string): StoredBatch => {
    const batch = batches.get(id);
    if (!batch) throw ApiError.notFound(`Message Batch not found: ${id}`);
    return batch;
  };

  const end = (batch: StoredBatch, ending: Ending): void => {
    const outcomes = batch.outcomes!;
    const lines: string[] = [];
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    for (let index = batch.customIds.length - 1; index >= 0; index--) {
      const result = ending === "completed" ? resultOf(outcomes[index]!) : { type: ending };
      counts[result.type as keyof typeof counts] += 1;
      lines.push(JSON.stringify({ custom_id: batch.customIds[index], result }));
    }
    batch.processing_status = "ended";
    batch.ended_at = now().toISOString();
    batch.counts = counts;
    batch.resultLines = lines;
    batch.outcomes = null;
  };

  const resultOf = (outcome: Outcome): Record<string, unknown> => {
    if (outcome.type === "errored") {
      return {
        type: "errored",
        error: { type: "error", error: { type: "invalid_request_error", message: outcome.message }, request_id: ids.next("req") },
      };
    }
    const toolUseId = outcome.stopReason === "tool_use" ? ids.next("toolu") : "";
    return { type: "succeeded", message: messageOf(outcome, ids.next("msg"), toolUseId) };
  };

  const view = (batch: StoredBatch, origin: string): Record<string, unknown> => ({
    id: batch.id,
    type: "message_batch",
    processing_status: batch.processing_status,
    request_counts: batch.counts,
    ended_at: batch.ended_at,
    created_at: batch.created_at,
    expires_at: batch.expires_at,
    archived_at: null,
    cancel_initiated_at: batch.cancel_initiated_at,
    results_url: batch.processing_status === "ended" ? `${origin}/v1/messages/batches/${batch.id}/results` : null,
  });

  return {
    async create(request, origin, recordBody) {
      if (!/^application\/json\s*(;|$)/i.test(request.headers.get("content-type") ?? "")) {
        throw ApiError.invalid("Content-Type must be application/json");
      }
      const recorded: RecordedBody = { text: "", bytes: 0 };
      try {
        const { customIds, outcomes } = await readRequests(request, recorded, fileOf);
        const created = now();
        const batch: StoredBatch = {
          id: ids.next("msgbatch"),
          created_at: created.toISOString(),
          expires_at: new Date(created.getTime() + 24 * 3_600_000).toISOString(),
          ended_at: null,
          cancel_initiated_at: null,
          processing_status: "in_progress",
          polls: 0,
          customIds,
          outcomes,
          resultLines: null,
          counts: { processing: customIds.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
        };
        batches.set(batch.id, batch);
        return json(view(batch, origin));
      } finally {
        recordBody(recorded);
      }
    },

    list(query, origin) {
      const page = pageOf([...batches.values()].reverse(), query, (batch) => batch.id);
      return json({ ...page, data: page.data.map((batch) => view(batch, origin)) });
    },

    retrieve(id, origin) {
      const batch = found(id);
      if (batch.processing_status === "canceling") end(batch, "canceled");
      else if (batch.processing_status === "in_progress" && ++batch.polls >= pollsToEnd) end(batch, "completed");
      return json(view(batch, origin));
    },

    cancel(id, origin) {
      const batch = found(id);
      if (batch.processing_status === "ended") throw ApiError.invalid(`Message Batch ${id} has already ended and cannot be canceled`);
      if (batch.processing_status === "in_progress") {
        batch.processing_status = "canceling";
        batch.cancel_initiated_at = now().toISOString();
      }
      return json(view(batch, origin));
    },

    remove(id) {
      const batch = found(id);
      if (batch.processing_status !== "ended") {
        throw ApiError.invalid(`Message Batch ${id} cannot be deleted while it is still processing; cancel it and wait for it to end first`);
      }
      batches.delete(id);
      return json({ id, type: "message_batch_deleted" });
    },

    results(id) {
      const batch = found(id);
      if (!batch.resultLines) throw ApiError.invalid(`Message Batch ${id} has not finished processing; results are available once it has ended`);
      return new Response(linesStream(batch.resultLines), {
        headers: {
          "content-type": "application/x-jsonl",
          "content-disposition": `attachment; filename*=utf-8''${id}_results.jsonl`,
        },
      });
    },

    expire(id, origin) {
      const batch = found(id);
      if (batch.processing_status === "ended") throw ApiError.invalid(`Message Batch ${id} has already ended`);
      end(batch, "expired");
      return json(view(batch, origin));
    },

    reset() {
      batches.clear();
    },
  };
}

/** Streams the body through the scanner, checking each request as it completes. */
async function readRequests(
  request: Request,
  recorded: RecordedBody,
  fileOf: (id: string) => StoredFile | undefined,
): Promise<{ customIds: string[]; outcomes: Outcome[] }> {
  if (!request.body) throw ApiError.invalid("requests: Field required");
  const scanner = new BatchBodyScanner();
  const decoder = new TextDecoder();
  const seen = new Set<string>();
  const customIds: string[] = [];
  const outcomes: Outcome[] = [];
  let index = 0;
  const reader = request.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      if (!done) {
        recorded.bytes += value.length;
        if (recorded.bytes > MAX_BODY_BYTES) throw new ApiError(413, "request_too_large", `Request exceeds the maximum allowed number of bytes (${MAX_BODY_BYTES})`);
      }
      if (recorded.text !== undefined) recorded.text = recorded.bytes <= MAX_RECORDED_BODY ? recorded.text + text : undefined;
      for (const item of scanner.push(text)) {
        const valid = validateRequest(item, index, seen, fileOf);
        // Past the limit requests are still checked (the error counts them all), not kept.
        if (index < MAX_REQUESTS) {
          customIds.push(valid.custom_id);
          outcomes.push(simulate(valid.params));
        }
        index += 1;
      }
      if (done) break;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  scanner.end();
  if (scanner.count === 0) throw ApiError.invalid("requests: List should have at least 1 item after validation, not 0");
  if (scanner.count > MAX_REQUESTS) throw ApiError.invalid(`requests: List should have at most ${MAX_REQUESTS} items after validation, not ${scanner.count}`);
  return { customIds, outcomes };
}

/** The lines as a byte stream, about 64 KiB per chunk, produced as the reader pulls. */
function linesStream(lines: readonly string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      let text = "";
      while (next < lines.length && text.length < 64 * 1024) text += lines[next++] + "\n";
      if (text) controller.enqueue(encoder.encode(text));
      if (next >= lines.length) controller.close();
    },
  });
}

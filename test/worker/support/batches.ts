/**
 * The Message Batches routes as a client on one provider calls them, and the MessageBatch and
 * result lines they answer.
 */
import { expect } from "vitest";
import { call, type CallOptions } from "./gateway";
import { twoRequests } from "./requests";
import { bodyText, json, jsonLines } from "./responses";

/** The gateway's Message Batches route. */
export const BATCHES = "/anthropic/v1/messages/batches";

/** Anthropic's MessageBatch, as the gateway answers it. */
export interface WireBatch {
  id: string;
  type: string;
  processing_status: string;
  request_counts: { processing: number; succeeded: number; errored: number; canceled: number; expired: number };
  ended_at: string | null;
  created_at: string;
  expires_at: string;
  archived_at: string | null;
  cancel_initiated_at: string | null;
  results_url: string | null;
}

/** One line of a batch's results. */
export interface ResultLine {
  custom_id: string;
  result: {
    type: string;
    message?: Record<string, unknown>;
    error?: { type: string; error: { type: string; message: string }; request_id?: string | null };
  };
}

export interface BatchClientOptions {
  /** `x-model-provider` on creates (absent: anthropic). */
  provider?: string;
  /** Whether calls naming one batch (retrieve, results) send `provider` too; the ID decides either way. Default true. */
  headerOnReads?: boolean;
  /** How many retrieves a poll makes at most before the batch must have ended. Default 7. */
  maxReads?: number;
}

/** The batch calls of one client; each call must succeed. */
export interface BatchClient {
  /** Creates a batch (by default of `twoRequests()`), on the beta path. */
  create(requests?: unknown[], headers?: Record<string, string>): Promise<WireBatch>;
  /** Retrieves a batch once (refreshing it from upstream while it runs). */
  retrieve(id: string): Promise<WireBatch>;
  /** Retrieves until the batch has ended: every batch seen, in order; the last has ended. */
  readsUntilEnded(id: string): Promise<WireBatch[]>;
  /** Retrieves until the batch has ended: the ended batch. */
  pollUntilEnded(id: string): Promise<WireBatch>;
  /** The results, as JSONL with the results content type, in the order served. */
  results(id: string): Promise<ResultLine[]>;
}

/**
 * @example
 * const { create, pollUntilEnded, results } = batchClient({ provider: "gemini" });
 * const batch = await create(twoRequests("gemini-1.5-flash"));
 * await pollUntilEnded(batch.id);
 * expect((await results(batch.id)).map((line) => line.result.type)).toEqual(["succeeded", "succeeded"]);
 */
export function batchClient(options: BatchClientOptions = {}): BatchClient {
  const { provider, headerOnReads = true, maxReads = 7 } = options;
  const reads: CallOptions = headerOnReads ? { provider } : {};
  const retrieve = async (id: string) => json<WireBatch>(await call(`${BATCHES}/${id}`, reads));
  const readsUntilEnded = async (id: string) => {
    const seen: WireBatch[] = [];
    do seen.push(await retrieve(id));
    while (seen.length < maxReads && seen.at(-1)!.processing_status !== "ended");
    expect(seen.at(-1)!.processing_status, `batch ${id} after ${seen.length} reads`).toBe("ended");
    return seen;
  };
  return {
    async create(requests = twoRequests(), headers = {}) {
      return json<WireBatch>(await call(`${BATCHES}?beta=true`, { method: "POST", body: { requests }, provider, headers }));
    },
    retrieve,
    readsUntilEnded,
    async pollUntilEnded(id) {
      return (await readsUntilEnded(id)).at(-1)!;
    },
    async results(id) {
      const res = await call(`${BATCHES}/${id}/results`, reads);
      const text = await bodyText(res);
      expect(res.status, text).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/x-jsonl");
      return jsonLines(text) as ResultLine[];
    },
  };
}

/**
 * Orders result lines by custom_id, for comparing a whole batch's results.
 *
 * @example
 * const lines = (await results(batch.id)).sort(byCustomId);
 */
export function byCustomId(a: { custom_id: string }, b: { custom_id: string }): number {
  return a.custom_id.localeCompare(b.custom_id);
}

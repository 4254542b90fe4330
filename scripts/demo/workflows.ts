/**
 * The seed's workflows (shared/seed: "Anthropic SDK: Files and Batch API"), with the official
 * SDK: each step checks what the seed says it does, and prints what it saw.
 */
import Anthropic, { APIError, toFile } from "@anthropic-ai/sdk";
import { StepFailure, type RequestCounts, type Transcript } from "./transcript.ts";

export type Provider = "anthropic" | "openai" | "gemini" | "bedrock";

/** The model each provider's batch runs on (current models; the simulators accept any name). */
export const MODELS: Readonly<Record<Provider, string>> = {
  anthropic: "claude-haiku-4-5",
  openai: "gpt-4o-mini",
  gemini: "gemini-2.5-flash",
  bedrock: "claude-haiku-4-5",
};

/** The seed's two questions (its Anthropic Batch Workflow). */
export const QUESTIONS = [
  { custom_id: "math-question", text: "What is 15 * 7?" },
  { custom_id: "geography-question", text: "What is the largest ocean?" },
];

export interface DemoContext {
  baseURL: string;
  apiKey: string;
  transcript: Transcript;
  /** Between two retrieves while watching a batch. */
  pollMs: number;
  /** Longest wait for a batch to end. */
  timeoutMs: number;
}

type Batch = Anthropic.Beta.Messages.BetaMessageBatch;

/**
 * The SDK as the seed configures it: `x-model-provider` for every provider but Anthropic.
 *
 * @example
 * const client = clientFor(ctx, "openai");
 */
export function clientFor(ctx: DemoContext, provider: Provider): Anthropic {
  return new Anthropic({
    baseURL: `${ctx.baseURL}/anthropic`,
    apiKey: ctx.apiKey,
    maxRetries: 2,
    ...(provider === "anthropic" ? {} : { defaultHeaders: { "x-model-provider": provider } }),
  });
}

/**
 * Upload, list, download and delete a file (the seed's Files API section).
 *
 * @example
 * await filesWorkflow(ctx);
 */
export async function filesWorkflow(ctx: DemoContext): Promise<void> {
  const { transcript } = ctx;
  const client = clientFor(ctx, "anthropic");
  const content = "This is a test file for Files API integration.";
  transcript.section("Files (anthropic)");

  const file = await transcript.step(
    "upload",
    async () => {
      const uploaded = await client.beta.files.upload({ file: await toFile(Buffer.from(content), "test_upload.txt", { type: "text/plain" }) });
      expect(/^file_/.test(uploaded.id), `the ID ${uploaded.id} is not a gateway file ID`);
      expect(uploaded.filename === "test_upload.txt", `filename ${uploaded.filename}, expected test_upload.txt`);
      expect(uploaded.size_bytes === Buffer.byteLength(content), `size ${uploaded.size_bytes}, expected ${Buffer.byteLength(content)}`);
      return uploaded;
    },
    (f) => `${f.id} ${f.filename}, ${f.size_bytes} bytes, ${f.mime_type}`,
  );
  if (!file) return;

  await transcript.step(
    "list",
    async () => {
      let count = 0;
      let found = false;
      for await (const listed of client.beta.files.list({ limit: 20 })) {
        count += 1;
        if (listed.id === file.id) found = true;
      }
      expect(found, `${file.id} is not in the list`);
      return count;
    },
    (count) => `${file.id} is listed (${count} files)`,
  );

  await transcript.step(
    "download",
    async () => {
      // The seed: "Anthropic only allows downloading files created by certain tools"; files
      // you upload answer 400. (A provider's batch output can be downloaded: see openai below.)
      const error = await client.beta.files.download(file.id).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error instanceof APIError && error.status === 400, `expected Anthropic's 400 for an uploaded file, got ${describeError(error)}`);
      return apiMessage(error as APIError);
    },
    (message) => `refused, as Anthropic refuses files you uploaded: 400 "${truncate(message, 110)}"`,
  );

  await transcript.step(
    "delete",
    async () => {
      const deleted = await client.beta.files.delete(file.id);
      expect(deleted.id === file.id && deleted.type === "file_deleted", `unexpected answer ${JSON.stringify(deleted)}`);
      const after = await client.beta.files.retrieveMetadata(file.id).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(after instanceof APIError && after.status === 404, `the file can still be read: ${describeError(after)}`);
      return deleted;
    },
    (deleted) => `${deleted.id} deleted; reading it now answers 404`,
  );
}

/**
 * On one provider: create the seed's batch, watch it end, find it in the list, read its
 * results; then create another and cancel it. Returns the batches' IDs.
 *
 * @example
 * const ids = await batchWorkflow(ctx, "gemini");
 */
export async function batchWorkflow(ctx: DemoContext, provider: Provider): Promise<string[]> {
  const { transcript } = ctx;
  const client = clientFor(ctx, provider);
  const model = MODELS[provider];
  const requests = QUESTIONS.map((q) => ({ custom_id: q.custom_id, params: { model, max_tokens: 100, messages: [{ role: "user" as const, content: q.text }] } }));
  const ids: string[] = [];
  transcript.section(`Batch on ${provider} (${model})`);

  const created = await transcript.step(
    "create",
    async () => {
      const batch = await client.beta.messages.batches.create({ requests });
      expect(batch.type === "message_batch" && /^msgbatch_/.test(batch.id), `unexpected batch ${JSON.stringify(batch)}`);
      expect(batch.processing_status === "in_progress", `status ${batch.processing_status}, expected in_progress`);
      expect(batch.request_counts.processing === requests.length, `${batch.request_counts.processing} processing, expected ${requests.length}`);
      return batch;
    },
    (batch) => `${batch.id}, ${batch.processing_status}, ${batch.request_counts.processing} requests`,
  );
  if (created) {
    ids.push(created.id);
    const ended = await transcript.step(
      "watch",
      () => watch(ctx, client, created.id),
      ({ batch, polls, seconds }) => `ended after ${polls} polls (${seconds.toFixed(1)} s): ${countsText(batch.request_counts)}`,
    );
    await transcript.step(
      "list",
      async () => {
        const page = await client.beta.messages.batches.list({ limit: 20 });
        expect(
          page.data.some((batch) => batch.id === created.id),
          `${created.id} is not on the first page of the list`,
        );
        return page.data.length;
      },
      (count) => `${created.id} is in the list (first page: ${count} batches)`,
    );
    if (ended) {
      const lines = await transcript.step(
        "results",
        async () => {
          const lines = await resultsOf(client, created.id);
          expect(lines.length === requests.length, `${lines.length} result lines, expected ${requests.length}`);
          for (const q of QUESTIONS) {
            const line = lines.find((l) => l.custom_id === q.custom_id);
            expect(line !== undefined, `no result for ${q.custom_id}`);
            expect(line!.result.type === "succeeded", `${q.custom_id}: ${line!.result.type} ${JSON.stringify(line!.result)}`);
          }
          return lines;
        },
        (lines) => `${lines.length} lines`,
      );
      for (const line of lines ?? []) {
        // The seed prints the first 50 characters of each answer.
        transcript.detail(`${line.custom_id}: ${line.result.type === "succeeded" ? JSON.stringify(firstText(line.result.message).slice(0, 50)) : line.result.type}`);
      }
      if (provider === "openai") await outputFileStep(ctx, client, created.id);
    }
  }

  const toCancel = await transcript.step(
    "cancel another",
    async () => {
      const batch = await client.beta.messages.batches.create({ requests });
      ids.push(batch.id);
      const canceled = await client.beta.messages.batches.cancel(batch.id);
      // The seed: "canceling" or "ended".
      expect(["canceling", "ended"].includes(canceled.processing_status), `status ${canceled.processing_status} after cancel`);
      return canceled;
    },
    (batch) => `${batch.id}, ${batch.processing_status}`,
  );
  if (toCancel) {
    await transcript.step(
      "canceled batch ends",
      async () => {
        const { batch } = await watch(ctx, client, toCancel.id);
        const lines = await resultsOf(client, toCancel.id);
        const seen = new Set(lines.map((line) => line.custom_id));
        expect(lines.length === requests.length && seen.size === requests.length, `results name ${[...seen].join(", ")}, expected each request once`);
        return batch;
      },
      (batch) => `ended: ${countsText(batch.request_counts)}`,
    );
  }
  return ids;
}

/**
 * `GET /anthropic/v1/messages/batches/{id}/usage` for each batch, printed. Every ended batch
 * has its usage: any answer but a 200 `message_batch_usage` for it fails the step.
 *
 * @example
 * await usageReport(ctx, [{ id, provider: "openai" }]);
 */
export async function usageReport(ctx: DemoContext, batches: readonly { id: string; provider: Provider }[]): Promise<void> {
  const { transcript } = ctx;
  transcript.section("Usage and cost");
  for (const { id, provider } of batches) {
    await transcript.step(
      `${id} (${provider})`,
      async () => {
        const response = await fetch(`${ctx.baseURL}/anthropic/v1/messages/batches/${id}/usage`, {
          headers: { "x-api-key": ctx.apiKey, "anthropic-version": "2023-06-01" },
        });
        const body = (await response.json()) as Usage;
        expect(response.status === 200, `${response.status} ${JSON.stringify(body)}`);
        expect(body.type === "message_batch_usage" && body.id === id, `unexpected answer ${JSON.stringify(body)}`);
        const models = (body.by_model ?? []).map((m) => `${m.model ?? "?"}: ${m.input_tokens ?? 0} in / ${m.output_tokens ?? 0} out`).join("; ");
        return `${body.input_tokens} input, ${body.output_tokens} output, ${body.cache_creation_input_tokens} cache write, ${body.cache_read_input_tokens} cache read tokens; cost $${body.cost_usd}${models ? ` (${models})` : ""}`;
      },
      (text) => text,
    );
  }
}

interface Usage {
  type: string;
  id: string;
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cost_usd: number | string | null;
  by_model?: { model?: string; input_tokens?: number; output_tokens?: number }[];
}

// The seed: "OpenAI allows downloading batch output files". The gateway lists them, once the
// batch has ended, as `<batch id>_<job>_output.jsonl`.
async function outputFileStep(ctx: DemoContext, client: Anthropic, batchId: string): Promise<void> {
  await ctx.transcript.step(
    "download output file",
    async () => {
      let output: { id: string; filename: string } | undefined;
      for await (const file of client.beta.files.list({ limit: 100 })) {
        if (file.filename.startsWith(`${batchId}_`) && file.filename.endsWith("_output.jsonl")) output = file;
      }
      expect(output !== undefined, `no ${batchId}_…_output.jsonl in the openai files list`);
      const text = await (await client.beta.files.download(output!.id)).text();
      const lines = text.split("\n").filter((line) => line.trim() !== "");
      expect(lines.length === QUESTIONS.length, `${lines.length} lines in the output file, expected ${QUESTIONS.length}`);
      return { file: output!, lines: lines.length };
    },
    ({ file, lines }) => `${file.id} ${file.filename}: ${lines} lines`,
  );
}

async function watch(ctx: DemoContext, client: Anthropic, id: string): Promise<{ batch: Batch; polls: number; seconds: number }> {
  const start = Date.now();
  let polls = 0;
  for (;;) {
    const batch = await client.beta.messages.batches.retrieve(id);
    polls += 1;
    ctx.transcript.progress(batch.request_counts as RequestCounts, batch.processing_status);
    if (batch.processing_status === "ended") return { batch, polls, seconds: (Date.now() - start) / 1000 };
    if (Date.now() - start > ctx.timeoutMs) throw new StepFailure(`${id} has not ended after ${ctx.timeoutMs / 1000} s (${batch.processing_status})`);
    await new Promise((resolve) => setTimeout(resolve, ctx.pollMs));
  }
}

async function resultsOf(client: Anthropic, id: string) {
  const lines = [];
  for await (const line of await client.beta.messages.batches.results(id)) lines.push(line);
  return lines;
}

function firstText(message: { content: { type: string; text?: string }[] }): string {
  return message.content.find((block) => block.type === "text")?.text ?? "";
}

function countsText(counts: RequestCounts): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([name, n]) => `${n} ${name}`)
    .join(", ") || "no requests";
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new StepFailure(message);
}

// The message of an Anthropic error body (`{"type":"error","error":{"type","message"}}`).
function apiMessage(error: APIError): string {
  const body = error.error as { error?: { message?: unknown } } | undefined;
  return typeof body?.error?.message === "string" ? body.error.message : error.message;
}

function describeError(error: unknown): string {
  if (error === null) return "success";
  if (error instanceof APIError) return `${error.status} ${apiMessage(error)}`;
  return error instanceof Error ? error.message : String(error);
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/**
 * Local simulators of Anthropic, OpenAI, Gemini and Bedrock with S3, for `npm run dev` when no
 * provider key is set: the strict fakes of test/fakes/, served over HTTP on loopback ports by
 * this Node process (never by the Worker, so they never ship in the deployed bundle), and the
 * `wrangler dev` vars that point the gateway at them.
 *
 * The fakes move a batch one state per GET of it (test/fakes/README.md § Batch lifecycle); here a
 * clock also polls every unfinished batch once a second through the fake's own API, so a batch
 * ends within seconds however rarely its client polls. Answers echo the prompt
 * (`echo: <last user text>`).
 */
import { AwsClient } from "aws4fetch";
import { createFakeAnthropic } from "../test/fakes/anthropic/index.ts";
import { createFakeBedrock } from "../test/fakes/bedrock/index.ts";
import { createFakeGemini } from "../test/fakes/gemini/index.ts";
import { createFakeOpenAI } from "../test/fakes/openai/index.ts";
import { serveFetch, type RunningServer } from "../test/e2e/support/node-server.ts";

/** The simulators' own credentials: they accept only these, as the real services would. */
const KEYS = {
  anthropic: "simulator-anthropic-key",
  openai: "simulator-openai-key",
  gemini: "simulator-gemini-key",
  awsAccessKeyId: "AKIDBATCHBRIDGESIM",
  awsSecretAccessKey: "simulator-aws-secret-key",
  awsRegion: "us-east-1",
};
const BUCKET = "batchbridge-simulator";

export interface Simulators {
  /** Where each simulator listens (Bedrock serves its control plane under `/bedrock`, S3 under `/s3`). */
  urls: { anthropic: string; openai: string; gemini: string; bedrock: string };
  /** The gateway's settings that point it at the simulators, for `wrangler dev --var`. */
  vars: Record<string, string>;
  /** Stops the clock and the servers. */
  close(): Promise<void>;
}

export interface SimulatorOptions {
  /** How often the clock polls unfinished batches (default 1000 ms). */
  tickMs?: number;
}

type Fetch = (request: Request) => Promise<Response>;

/**
 * @example
 * const simulators = await startSimulators();
 * spawn("wrangler", ["dev", ...Object.entries(simulators.vars).flatMap(([k, v]) => ["--var", `${k}:${v}`])]);
 */
export async function startSimulators(options: SimulatorOptions = {}): Promise<Simulators> {
  const anthropic = createFakeAnthropic({ apiKey: KEYS.anthropic });
  const openai = createFakeOpenAI({ apiKey: KEYS.openai });
  const gemini = createFakeGemini({ apiKey: KEYS.gemini, recordBodies: false });
  // One record is enough here (real Bedrock asks for 100 per job), so that the README's
  // few-request examples run on Bedrock too; the gateway is told the same minimum below.
  const bedrock = createFakeBedrock({
    accessKeyId: KEYS.awsAccessKeyId,
    secretAccessKey: KEYS.awsSecretAccessKey,
    region: KEYS.awsRegion,
    buckets: [BUCKET],
    minRecordsPerJob: 1,
  });

  const servers: RunningServer[] = [];
  const serve = async (handler: Fetch): Promise<string> => {
    const server = await serveFetch(handler);
    servers.push(server);
    return server.url;
  };
  const urls = {
    anthropic: await serve((r) => anthropic.fetch(r)),
    openai: await serve((r) => openai.fetch(r)),
    gemini: await serve((r) => gemini.fetch(r)),
    bedrock: await serve((r) => bedrock.fetch(r)),
  };

  const aws = new AwsClient({ accessKeyId: KEYS.awsAccessKeyId, secretAccessKey: KEYS.awsSecretAccessKey, region: KEYS.awsRegion, service: "bedrock" });
  const pollers: Array<() => Promise<void>> = [
    () => pollAnthropic((r) => anthropic.fetch(r)),
    () => pollOpenAI((r) => openai.fetch(r)),
    () => pollGemini((r) => gemini.fetch(r)),
    () => pollBedrock(async (r) => bedrock.fetch(await aws.sign(r))),
  ];
  let ticking = false;
  const clock = setInterval(async () => {
    if (ticking) return;
    ticking = true;
    try {
      await Promise.all(pollers.map((poll) => poll().catch(() => {})));
    } finally {
      // Nothing reads what the simulators received; forget it so that a long session stays small.
      for (const fake of [anthropic, openai, gemini, bedrock]) fake.calls.length = 0;
      ticking = false;
    }
  }, options.tickMs ?? 1000);
  clock.unref();

  const vars: Record<string, string> = {
    BATCHBRIDGE_SIMULATORS: "true",
    ANTHROPIC_API_KEY: KEYS.anthropic,
    ANTHROPIC_BASE_URL: urls.anthropic,
    OPENAI_API_KEY: KEYS.openai,
    OPENAI_BASE_URL: `${urls.openai}/v1`,
    GEMINI_API_KEY: KEYS.gemini,
    GEMINI_BASE_URL: urls.gemini,
    AWS_ACCESS_KEY_ID: KEYS.awsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: KEYS.awsSecretAccessKey,
    AWS_REGION: KEYS.awsRegion,
    BEDROCK_BASE_URL: `${urls.bedrock}/bedrock`,
    BEDROCK_RUNTIME_BASE_URL: `${urls.bedrock}/bedrock-runtime`,
    S3_BASE_URL: `${urls.bedrock}/s3`,
    BEDROCK_BATCH_S3_URI: `s3://${BUCKET}/batches/`,
    BEDROCK_BATCH_ROLE_ARN: "arn:aws:iam::123456789012:role/BatchBridgeSimulator",
    BEDROCK_BATCH_MIN_RECORDS: "1",
    // The gateway polls batches in the background, by default 30 s after a create and then
    // backing off (BATCH_POLL_MIN_SECONDS / BATCH_POLL_MAX_SECONDS): the simulators end a batch
    // within seconds, so the gateway polls them every second or two, and a batch shows `ended`
    // within seconds however rarely its client asks.
    BATCH_POLL_MIN_SECONDS: "1",
    BATCH_POLL_MAX_SECONDS: "2",
  };

  return {
    urls,
    vars,
    async close() {
      clearInterval(clock);
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

const SIM = "http://simulator.local";

async function getJson<T>(fetch: Fetch, path: string, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(new Request(`${SIM}${path}`, { headers }));
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}

// Lists every batch (newest first, page by page) and GETs each one that has not ended.
async function pollAnthropic(fetch: Fetch): Promise<void> {
  const headers = { "x-api-key": KEYS.anthropic, "anthropic-version": "2023-06-01" };
  let after = "";
  for (;;) {
    const page = await getJson<{ data: { id: string; processing_status: string }[]; has_more: boolean; last_id: string | null }>(
      fetch,
      `/v1/messages/batches?limit=1000${after ? `&after_id=${after}` : ""}`,
      headers,
    );
    for (const batch of page.data) if (batch.processing_status !== "ended") await getJson(fetch, `/v1/messages/batches/${batch.id}`, headers);
    if (!page.has_more || !page.last_id) return;
    after = page.last_id;
  }
}

async function pollOpenAI(fetch: Fetch): Promise<void> {
  const headers = { authorization: `Bearer ${KEYS.openai}` };
  const ended = new Set(["completed", "failed", "expired", "cancelled"]);
  let after = "";
  for (;;) {
    const page = await getJson<{ data: { id: string; status: string }[]; has_more: boolean; last_id: string | null }>(
      fetch,
      `/v1/batches?limit=100${after ? `&after=${after}` : ""}`,
      headers,
    );
    for (const batch of page.data) if (!ended.has(batch.status)) await getJson(fetch, `/v1/batches/${batch.id}`, headers);
    if (!page.has_more || !page.last_id) return;
    after = page.last_id;
  }
}

async function pollGemini(fetch: Fetch): Promise<void> {
  const headers = { "x-goog-api-key": KEYS.gemini };
  let token = "";
  for (;;) {
    const page = await getJson<{ operations?: { name: string; done?: boolean }[]; nextPageToken?: string }>(
      fetch,
      `/v1beta/batches?pageSize=1000${token ? `&pageToken=${token}` : ""}`,
      headers,
    );
    for (const operation of page.operations ?? []) if (!operation.done) await getJson(fetch, `/v1beta/${operation.name}`, headers);
    if (!page.nextPageToken) return;
    token = page.nextPageToken;
  }
}

async function pollBedrock(fetch: Fetch): Promise<void> {
  const running = new Set(["Submitted", "Validating", "Scheduled", "InProgress", "Stopping"]);
  let token = "";
  for (;;) {
    const page = await getJson<{ invocationJobSummaries: { jobArn: string; status: string }[]; nextToken?: string }>(
      fetch,
      `/bedrock/model-invocation-jobs?maxResults=1000${token ? `&nextToken=${token}` : ""}`,
    );
    for (const job of page.invocationJobSummaries) {
      if (running.has(job.status)) await getJson(fetch, `/bedrock/model-invocation-job/${encodeURIComponent(job.jobArn)}`);
    }
    if (!page.nextToken) return;
    token = page.nextToken;
  }
}

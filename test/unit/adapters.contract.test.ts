/**
 * What every registered adapter must do, run over each provider against its strict fake (one
 * harness shape, test/unit/support/harness.ts). A provider's entry is the `contract` of its test
 * side (test/providers/<name>.ts, listed in test/providers/index.ts); the suite checks that every
 * registered adapter has one.
 *
 * Batch creation goes through `createUpstreamBatch` (test/unit/support/batches.ts) alone, which
 * drives the batch planner as the batches service does, so that a change to how batches are
 * created upstream changes that one file.
 */
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/lib/errors";
import { ADAPTERS } from "../../src/providers/index";
import { PROVIDER_NAMES, type ProviderName } from "../../src/domain/provider-name";
import type { BatchRequest } from "../../src/domain/batch-request";
import type { JobRef } from "../../src/domain/job-record";
import { TEST_PROVIDERS } from "../providers/index.ts";
import type { ContractEntry } from "../providers/types.ts";
import { check, createUpstreamBatch, messageRequest, pollToEnd, resultsOf } from "./support/batches";
import { providerHarness, type ProviderHarness } from "./support/harness";
import { bodyText, describeError, rejectionOf, streamOf } from "./support/helpers";

/** Each provider's entry, from its test side (test/providers/<name>.ts). */
const CONTRACT: Record<ProviderName, ContractEntry> = Object.fromEntries(
  Object.entries(TEST_PROVIDERS).map(([name, provider]) => [name, provider.contract]),
) as Record<ProviderName, ContractEntry>;

it("covers every registered provider", () => {
  expect(Object.keys(ADAPTERS).sort()).toEqual([...PROVIDER_NAMES].sort());
  expect(Object.keys(CONTRACT).sort()).toEqual(Object.keys(ADAPTERS).sort());
});

/** A harness whose upstream answers `failWith` instead of the fake while it is set. */
function failingHarness(name: ProviderName) {
  const state: { failWith: (() => Response) | null } = { failWith: null };
  const h = providerHarness(name, { intercept: () => state.failWith?.() }) as ProviderHarness;
  return { h, state };
}

/** Three plain requests to the entry's model. */
function threeRequests(model: string): BatchRequest[] {
  return ["a", "b", "c"].map((id) => messageRequest(id, model, `question ${id}`));
}

describe.each(PROVIDER_NAMES.map((name) => ({ name, adapter: ADAPTERS[name], entry: CONTRACT[name] })))("adapter contract: $name", ({ name, adapter, entry }) => {
  it("assertConfigured names the variable to set, and passes once configured", () => {
    const error = rejectionSync(() => adapter.assertConfigured({}));
    expect(error).toBeInstanceOf(GatewayError);
    expect(describeError(error)).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(error.message).toContain(entry.configVar);
    expect(() => adapter.assertConfigured(providerHarness(name).env)).not.toThrow();
  });

  it.runIf(adapter.files)("files: upload → retrieve → download → delete; a deleted file is a 404", async () => {
    const files = adapter.files!;
    const h = providerHarness(name);
    const content = "The contract's file.\n";
    const uploaded = await files.upload(h.ctx, { filename: "contract.txt", mimeType: "text/plain", sizeBytes: content.length, body: streamOf(content) });
    expect(uploaded).toMatchObject({ filename: "contract.txt", sizeBytes: content.length });
    expect(uploaded.nativeId).toEqual(expect.any(String));
    const file = { gatewayId: "file_gwcontract", nativeId: uploaded.nativeId, filename: uploaded.filename, mimeType: uploaded.mimeType, native: uploaded.native };

    expect(await files.retrieve(h.ctx, file)).toMatchObject({ nativeId: uploaded.nativeId, filename: "contract.txt", sizeBytes: content.length });

    if (uploaded.downloadable) {
      expect(await bodyText(new Response((await files.download(h.ctx, file)).body))).toBe(content);
    } else {
      const refused = await rejectionOf(files.download(h.ctx, file));
      expect(describeError(refused)).toMatchObject({ name: "GatewayError", status: 400, type: "invalid_request_error" });
    }

    await files.delete(h.ctx, file);
    const gone = await rejectionOf(files.retrieve(h.ctx, file));
    expect(gone).toBeInstanceOf(GatewayError);
    expect((gone as GatewayError).status).toBe(404);
    await expect(files.delete(h.ctx, file)).resolves.toBeUndefined();
  });

  it.runIf(adapter.files)("files: an unknown file is a 404 GatewayError", async () => {
    const h = providerHarness(name);
    const unknown = { gatewayId: "file_gwnope", nativeId: entry.unknownFileId ?? "file-nope", filename: "nope.txt", mimeType: "text/plain", native: {} };
    const error = await rejectionOf(adapter.files!.retrieve(h.ctx, unknown));
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(404);
  });

  it("a batch created upstream is retrieved, runs to its end, and its results name every custom_id", async () => {
    const h = providerHarness(name) as ProviderHarness;
    const requests = threeRequests(entry.model);
    const { slots, jobs } = await createUpstreamBatch(h, requests);
    expect(slots).toHaveLength(3);
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.reduce((sum, job) => sum + job.requestCount, 0)).toBe(3);
    expect(h.artifacts.length).toBeGreaterThan(0);

    const lines = [];
    for (const job of jobs) {
      expect(job.nativeId).toEqual(expect.any(String));
      const first = await adapter.batches.retrieve(h.ctx, job);
      expect(["in_progress", "ended"]).toContain(first.state);
      const { status, job: ended } = await pollToEnd(h, job);
      expect(status.state).toBe("ended");
      expect(status.endedAt).toEqual(expect.any(String));
      expect(status.counts).toEqual({ processing: 0, succeeded: job.requestCount, errored: 0, canceled: 0, expired: 0 });
      lines.push(...(await resultsOf(h, ended)));
    }
    expect(lines.map((line) => line.custom_id).sort()).toEqual(["a", "b", "c"]);
    for (const line of lines) {
      expect(line.result.type).toBe("succeeded");
      expect(line.result).toMatchObject({ message: { type: "message", role: "assistant", content: expect.any(Array) } });
    }
  });

  it("a batch is cancelled upstream, and then ends", async () => {
    const h = providerHarness(name) as ProviderHarness;
    const { jobs } = await createUpstreamBatch(h, threeRequests(entry.model));
    for (const job of jobs) {
      await adapter.batches.cancel(h.ctx, job);
      const after = await adapter.batches.retrieve(h.ctx, job);
      expect(["canceling", "ended"]).toContain(after.state);
      expect((await pollToEnd(h, job)).status.state).toBe("ended");
    }
  });

  it("a batch's artifacts are deleted, and deleting them again counts as deleted", async () => {
    const h = providerHarness(name) as ProviderHarness;
    const { jobs } = await createUpstreamBatch(h, threeRequests(entry.model));
    const ended: JobRef[] = [];
    for (const job of jobs) ended.push((await pollToEnd(h, job)).job);
    expect(h.artifacts.length).toBeGreaterThan(0);
    for (const artifact of h.artifacts) await expect(adapter.batches.deleteArtifact(h.ctx, artifact)).resolves.toBeUndefined();
    for (const artifact of h.artifacts) await expect(adapter.batches.deleteArtifact(h.ctx, artifact)).resolves.toBeUndefined();
  });

  it.each([500, 429])("an upstream %i is an error naming the provider, never its key", async (status) => {
    const { h, state } = failingHarness(name);
    const { jobs } = await createUpstreamBatch(h, threeRequests(entry.model));
    state.failWith = () => entry.upstreamError(status, `failure for key ${h.key}`);
    const error = await rejectionOf(adapter.batches.retrieve(h.ctx, jobs[0]!));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.name).toMatch(/^(UpstreamError|GatewayError|RateLimitedError)$/);
    expect(error.message).toContain(name);
    expect(error.message).toContain("failure for key");
    expect(JSON.stringify(describeError(error))).not.toContain(h.key);
    expect((error as GatewayError).status).toBeGreaterThanOrEqual(status === 429 ? 429 : 500);
  });

  it("a request the translator refuses is a 400 naming the param, before any upstream call", async () => {
    const h = providerHarness(name) as ProviderHarness;
    const checked = rejectionSync(() => check(adapter.batches, entry.refused, new Map(), h.ctx));
    expect(describeError(checked)).toMatchObject({ name: "GatewayError", status: 400, type: "invalid_request_error" });
    expect(checked.message).toMatch(entry.refusalPrefix ?? /^params\./);
    // A batch holding it is refused whole by the check pass: nothing upstream, nothing recorded.
    const created = await rejectionOf(createUpstreamBatch(h, [...threeRequests(entry.model), entry.refused]));
    expect(describeError(created)).toEqual(describeError(checked));
    expect(h.requests).toEqual([]);
    expect(h.artifacts).toEqual([]);
  });
});

/** The error a function throws (fails the test if it returns). */
function rejectionSync(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to throw");
}

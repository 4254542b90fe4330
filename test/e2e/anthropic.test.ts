/**
 * The seed's workflows on the default provider, through `npm run dev`, with the official SDK.
 */
import { toFile } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { fakeCalls, gatewayClient, idsOf, pollUntilEnded, resultsOf } from "./support/client";
import { twoRequests } from "./support/requests";

const client = gatewayClient();

describe("files on anthropic", () => {
  it("uploads, lists, retrieves, refuses to download an upload, and deletes", async () => {
    const uploaded = await client.beta.files.upload({
      file: await toFile(Buffer.from("This is a test file for Files API integration."), "test_upload.txt", { type: "text/plain" }),
    });
    expect(uploaded).toMatchObject({
      type: "file",
      filename: "test_upload.txt",
      mime_type: "text/plain",
      size_bytes: 46,
      downloadable: false,
      expires_at: null,
      scope: null,
    });
    expect(uploaded.id).toMatch(/^file_[0-9A-Z]{26}$/);

    const listed = await idsOf(client.beta.files.list({ limit: 1 }));
    expect(listed).toContain(uploaded.id);
    expect(new Set(listed).size).toBe(listed.length);

    const metadata = await client.beta.files.retrieveMetadata(uploaded.id);
    expect(metadata).toEqual(uploaded);

    await expect(client.beta.files.download(uploaded.id)).rejects.toMatchObject({ status: 400 });

    const deleted = await client.beta.files.delete(uploaded.id);
    expect(deleted).toEqual({ id: uploaded.id, type: "file_deleted" });
    await expect(client.beta.files.retrieveMetadata(uploaded.id)).rejects.toMatchObject({ status: 404 });

    const upstream = (await fakeCalls("anthropic")).filter((call) => call.path.startsWith("/v1/files"));
    expect(upstream.length).toBeGreaterThanOrEqual(2);
    for (const call of upstream) {
      expect(call.headers["anthropic-beta"]).toContain("files-api-2025-04-14");
      expect(call.headers["anthropic-version"]).toBe("2023-06-01");
      expect(call.headers["x-api-key"]).toBe("test-anthropic-key");
    }
  });
});

describe("batches on anthropic", () => {
  const requests = twoRequests("claude-3-sonnet-20240229");

  it("runs the seed's Anthropic batch workflow: create, poll, list, results, delete", async () => {
    const batch = await client.beta.messages.batches.create({ requests });
    expect(batch).toMatchObject({
      type: "message_batch",
      processing_status: "in_progress",
      request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      results_url: null,
      ended_at: null,
    });
    expect(batch.id).toMatch(/^msgbatch_[0-9A-Z]{26}$/);

    const ended = await pollUntilEnded(client, batch.id);
    expect(ended.processing_status).toBe("ended");
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
    expect(ended.results_url).toBe(`${client.baseURL}/v1/messages/batches/${batch.id}/results`);

    const listed = await client.beta.messages.batches.list({ limit: 20 });
    expect(listed.data.map((b) => b.id)).toContain(batch.id);

    const results = await resultsOf(client, batch.id);
    expect(results.map((r) => r.custom_id).sort()).toEqual(["geography-question", "math-question"]);
    for (const line of results) {
      expect(line.result.type).toBe("succeeded");
      if (line.result.type === "succeeded") expect(line.result.message.content[0]).toMatchObject({ type: "text" });
    }

    expect(await client.beta.messages.batches.delete(batch.id)).toEqual({ id: batch.id, type: "message_batch_deleted" });
    await expect(client.beta.messages.batches.retrieve(batch.id)).rejects.toMatchObject({ status: 404 });
  });

  it("cancels a batch: canceling, then ended with canceled results", async () => {
    const batch = await client.beta.messages.batches.create({ requests });
    const canceling = await client.beta.messages.batches.cancel(batch.id);
    expect(canceling.processing_status).toBe("canceling");
    expect(canceling.cancel_initiated_at).not.toBeNull();
    const ended = await pollUntilEnded(client, batch.id);
    expect(ended.processing_status).toBe("ended");
    expect(ended.request_counts.canceled + ended.request_counts.succeeded).toBe(2);
    const results = await resultsOf(client, batch.id);
    expect(results).toHaveLength(2);
  });

  it("refuses to delete a batch that is still processing, and to read its results", async () => {
    // The fake ends a batch on its second poll: each check gets a fresh batch.
    const running = await client.beta.messages.batches.create({ requests });
    await expect(client.beta.messages.batches.delete(running.id)).rejects.toMatchObject({ status: 400, error: { type: "error", error: { type: "invalid_request_error" } } });
    const other = await client.beta.messages.batches.create({ requests });
    await expect(client.beta.messages.batches.results(other.id)).rejects.toThrow(/results_url/);
  });

  it("walks every batch exactly once when auto-paginating", async () => {
    for (let i = 0; i < 3; i++) await client.beta.messages.batches.create({ requests });
    const seen = await idsOf(client.beta.messages.batches.list({ limit: 2 }));
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort().reverse()).toEqual(seen);
  });
});

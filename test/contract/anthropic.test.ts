/**
 * The fake Anthropic (test/fakes/anthropic) driven by the official `@anthropic-ai/sdk` over
 * HTTP, exactly as a user drives the real API: Files (upload, list, retrieve, the download
 * refusal for an uploaded file, delete) and Message Batches (create, retrieve until ended,
 * list, results, cancel, delete). A fake the SDK cannot use is wrong.
 */
import Anthropic, { APIError, toFile } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { createFakeAnthropic } from "../fakes/anthropic/index.ts";
import { pollUntil, serveDuringSuite } from "./support/serve.ts";

const API_KEY = "test-anthropic-key";
const MODEL = "claude-sonnet-4-5";
const fake = createFakeAnthropic({ apiKey: API_KEY });
const served = serveDuringSuite((request) => fake.fetch(request));

function client(apiKey = API_KEY): Anthropic {
  return new Anthropic({ baseURL: served.url, apiKey, maxRetries: 0 });
}

function request(customId: string, text: string): Anthropic.Messages.Batches.BatchCreateParams.Request {
  return { custom_id: customId, params: { model: MODEL, max_tokens: 64, messages: [{ role: "user", content: text }] } };
}

describe("the fake Anthropic, through the official @anthropic-ai/sdk", () => {
  it("uploads a file; list and retrieve return it; its download is refused; delete removes it", async () => {
    const anthropic = client();
    const uploaded = await anthropic.beta.files.upload({ file: await toFile(Buffer.from("Some notes."), "notes.txt", { type: "text/plain" }) });
    expect(uploaded).toMatchObject({ type: "file", filename: "notes.txt", mime_type: "text/plain", size_bytes: 11, downloadable: false });
    expect(uploaded.id).toMatch(/^file_/);

    expect(await anthropic.beta.files.retrieveMetadata(uploaded.id)).toEqual(uploaded);
    const listed: string[] = [];
    for await (const file of anthropic.beta.files.list({ limit: 1 })) listed.push(file.id);
    expect(listed).toContain(uploaded.id);

    const refused = await anthropic.beta.files.download(uploaded.id).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(Anthropic.FileNotDownloadableError);
    expect((refused as APIError).status).toBe(400);
    expect((refused as APIError).requestID).toMatch(/^req_/);

    expect(await anthropic.beta.files.delete(uploaded.id)).toEqual({ id: uploaded.id, type: "file_deleted" });
    const gone = await anthropic.beta.files.retrieveMetadata(uploaded.id).catch((caught: unknown) => caught);
    expect(gone).toBeInstanceOf(Anthropic.NotFoundError);
  });

  it("serves the Files API to the SDK's generally available client.files too", async () => {
    const anthropic = client();
    const uploaded = await anthropic.files.upload({ file: await toFile(Buffer.from("GA notes"), "ga.txt", { type: "text/plain" }) });
    expect(uploaded).toMatchObject({ filename: "ga.txt", size_bytes: 8 });
    expect((await anthropic.files.retrieveMetadata(uploaded.id)).id).toBe(uploaded.id);
    expect(await anthropic.files.delete(uploaded.id)).toMatchObject({ id: uploaded.id });
  });

  it("runs a batch to ended and streams its results", async () => {
    const anthropic = client();
    const created = await anthropic.messages.batches.create({ requests: [request("ok-1", "first"), request("bad", "FAIL_REQUEST please"), request("ok-2", "second")] });
    expect(created).toMatchObject({ type: "message_batch", processing_status: "in_progress", results_url: null });
    expect(created.request_counts).toEqual({ processing: 3, succeeded: 0, errored: 0, canceled: 0, expired: 0 });
    expect(created.id).toMatch(/^msgbatch_/);

    const seen = await pollUntil(() => anthropic.messages.batches.retrieve(created.id), (batch) => batch.processing_status === "ended");
    expect(seen.map((batch) => batch.processing_status)).toEqual(["in_progress", "ended"]);
    const ended = seen[seen.length - 1]!;
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 1, canceled: 0, expired: 0 });
    expect(ended.results_url).toBe(`${served.url}/v1/messages/batches/${created.id}/results`);
    expect(ended.ended_at).toEqual(expect.any(String));

    const results = new Map<string, Anthropic.Messages.Batches.MessageBatchResult>();
    for await (const line of await anthropic.messages.batches.results(created.id)) results.set(line.custom_id, line.result);
    expect([...results.keys()].sort()).toEqual(["bad", "ok-1", "ok-2"]);
    const first = results.get("ok-1");
    expect(first?.type).toBe("succeeded");
    expect(first?.type === "succeeded" ? first.message.content[0] : undefined).toEqual({ type: "text", text: "echo: first" });
    expect(results.get("bad")?.type).toBe("errored");

    expect(await anthropic.messages.batches.delete(created.id)).toEqual({ id: created.id, type: "message_batch_deleted" });
    await expect(anthropic.messages.batches.retrieve(created.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });

  it("lists batches newest first across pages", async () => {
    const anthropic = client();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await anthropic.messages.batches.create({ requests: [request(`list-${i}`, `list ${i}`)] })).id);
    const first = await anthropic.messages.batches.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const listed: string[] = [];
    for await (const batch of anthropic.messages.batches.list({ limit: 2 })) listed.push(batch.id);
    expect(listed.slice(0, 3)).toEqual([...ids].reverse());
  });

  it("cancels a batch: canceling, then ended with every request canceled; an ended batch cannot be canceled", async () => {
    const anthropic = client();
    const created = await anthropic.messages.batches.create({ requests: [request("a", "one"), request("b", "two")] });
    const canceling = await anthropic.messages.batches.cancel(created.id);
    expect(canceling.processing_status).toBe("canceling");
    expect(canceling.cancel_initiated_at).toEqual(expect.any(String));

    const ended = await anthropic.messages.batches.retrieve(created.id);
    expect(ended.processing_status).toBe("ended");
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 0, errored: 0, canceled: 2, expired: 0 });
    const types: string[] = [];
    for await (const line of await anthropic.messages.batches.results(created.id)) types.push(line.result.type);
    expect(types).toEqual(["canceled", "canceled"]);
    await expect(anthropic.messages.batches.cancel(created.id)).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });

  it("answers a wrong key with the SDK's AuthenticationError", async () => {
    const error = await client("wrong-key").messages.batches.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as APIError).error).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    // The SDK sends its key as a bearer token, with the API version it was built for.
    const sent = fake.calls[fake.calls.length - 1];
    expect(sent?.headers).toMatchObject({ authorization: "Bearer wrong-key", "anthropic-version": "2026-10-21" });
  });
});

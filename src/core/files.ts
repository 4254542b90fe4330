/**
 * The files service: gateway file IDs, ownership, and the native file each one maps to.
 * It knows no provider's wire format.
 */
import { GatewayError, UpstreamError } from "../lib/errors";
import { nowRfc3339 } from "../lib/time";
import type { FileDownload, FilesAdapter, FileUpload, ResolvedFile, UpstreamFile } from "../providers/types";
import type { ProviderName } from "../domain/provider-name";
import type { FileRecord } from "../domain/file-record";
import type { PageOf, PageQuery } from "../store/pages";
import type { Gateway } from "./gateway";
import { getBatch } from "./batch-refresh";
import { newFileId } from "./ids";
import { batchIdPairs, inGatewayTerms, nativeIdScrubber, scrubbedText } from "./native-ids";

/**
 * How long an isolate answers the same files list from memory instead of D1. This isolate's
 * own uploads and deletes drop its lists at once (src/store/files.ts); one made through
 * another isolate may be missing from, or still in, a list for up to this long. A file
 * that expires meanwhile is left out at once.
 */
export const FILE_LIST_CACHE_MS = 1_000;

/**
 * A page of the caller's live files (of one provider, or all), newest first.
 *
 * @example
 * const page = await listFiles(gateway, "owner", null, { limit: 20 });
 */
export function listFiles(gateway: Gateway, owner: string, provider: ProviderName | null, page: PageQuery): Promise<PageOf<FileRecord>> {
  return gateway.files.list(owner, provider, page, new Date().toISOString(), FILE_LIST_CACHE_MS);
}

/**
 * The provider's Files API; a 400 for a provider that has none (Bedrock).
 *
 * @example
 * requireFilesApi(gateway, "bedrock"); // throws: "bedrock has no Files API, …"
 */
export function requireFilesApi(gateway: Gateway, provider: ProviderName): FilesAdapter {
  const adapter = gateway.adapter(provider);
  if (!adapter.files) {
    throw GatewayError.invalid(
      `${provider} has no Files API, so the files routes are not available with x-model-provider: ${provider}. Batches on ${provider} take inline requests only.`,
    );
  }
  return adapter.files;
}

/**
 * The provider's Files API, once it is known to exist and be configured: checked before an
 * upload's body is read, so a refused upload costs nothing.
 *
 * @example
 * filesOf(gateway, "openai"); // throws 400 naming OPENAI_API_KEY when it is not set
 */
export function filesOf(gateway: Gateway, provider: ProviderName): FilesAdapter {
  const files = requireFilesApi(gateway, provider);
  gateway.adapter(provider).assertConfigured(gateway.upstream.env);
  return files;
}

/**
 * A file record as adapters see it.
 *
 * @example
 * await adapter.files.delete(ctx, resolvedFile(record));
 */
export function resolvedFile(file: FileRecord): ResolvedFile {
  return { gatewayId: file.id, nativeId: file.nativeId ?? "", filename: file.filename, mimeType: file.mimeType, native: file.native };
}

function withUpstream(file: FileRecord, upstream: UpstreamFile): FileRecord {
  return {
    ...file,
    nativeId: upstream.nativeId,
    filename: upstream.filename || file.filename,
    mimeType: upstream.mimeType || file.mimeType,
    sizeBytes: upstream.sizeBytes,
    createdAt: upstream.createdAt || file.createdAt,
    downloadable: upstream.downloadable,
    expiresAt: upstream.expiresAt,
    native: { ...upstream.native, processing: upstream.processing === true },
  };
}

/**
 * Streams an upload to the provider and records it. The record is written first
 * (`creating`), so a failure in between leaves a record to clean up, never a lost file.
 *
 * @example
 * const file = await uploadFile(gateway, "owner", "anthropic", { filename: "a.txt", mimeType: "text/plain", sizeBytes: null, body });
 */
export async function uploadFile(gateway: Gateway, owner: string, provider: ProviderName, upload: FileUpload): Promise<FileRecord> {
  const files = filesOf(gateway, provider);
  const now = nowRfc3339();
  const record: FileRecord = {
    id: newFileId(),
    owner,
    provider,
    state: "creating",
    nativeId: null,
    filename: upload.filename,
    mimeType: upload.mimeType,
    sizeBytes: upload.sizeBytes ?? 0,
    downloadable: false,
    createdAt: now,
    expiresAt: null,
    native: {},
    batchId: null,
  };
  await gateway.files.insert(record);
  let upstream: UpstreamFile;
  try {
    upstream = await files.upload(gateway.upstream, upload);
  } catch (error) {
    await gateway.files.delete(record.id);
    throw error;
  }
  const ready: FileRecord = { ...withUpstream(record, upstream), state: "ready" };
  await gateway.files.update(ready);
  return ready;
}

/**
 * The caller's file. A file the provider is still processing, or whose provider may drop it
 * at any time (`refreshOnRead`), is refreshed; one the provider has expired (Gemini keeps
 * files 48 hours) is forgotten and answers 404.
 *
 * @example
 * const file = await getFile(gateway, "owner", "file_01…");
 */
export async function getFile(gateway: Gateway, owner: string, id: string): Promise<FileRecord> {
  const file = await gateway.files.get(owner, id);
  if (!file) throw GatewayError.notFound(`File not found: ${id}`);
  if (file.expiresAt && Date.parse(file.expiresAt) <= Date.now()) {
    await gateway.files.delete(file.id);
    throw GatewayError.notFound(`File not found: ${id}`);
  }
  if (file.native.processing !== true && gateway.adapter(file.provider).files?.refreshOnRead !== true) return file;
  let upstream: UpstreamFile;
  try {
    upstream = await inGatewayTerms([[file.nativeId ?? "", file.id]], () => filesOf(gateway, file.provider).retrieve(gateway.upstream, resolvedFile(file)));
  } catch (error) {
    // The adapter's own 404 means the file is gone upstream (an UpstreamError is a failed call).
    if (error instanceof GatewayError && !(error instanceof UpstreamError) && error.status === 404) await gateway.files.delete(file.id);
    throw error;
  }
  const refreshed = withUpstream(file, upstream);
  await gateway.files.update(refreshed);
  return refreshed;
}

/**
 * The file's bytes, streamed from the provider. Files the provider does not let anyone
 * download answer Anthropic's error for a non-downloadable file, without an upstream call.
 *
 * @example
 * const { body } = await downloadFile(gateway, "owner", "file_01…");
 */
export async function downloadFile(gateway: Gateway, owner: string, id: string): Promise<FileDownload> {
  const file = await getFile(gateway, owner, id);
  if (!file.downloadable) throw GatewayError.notDownloadable(id);
  const download = await inGatewayTerms([[file.nativeId ?? "", file.id]], () => filesOf(gateway, file.provider).download(gateway.upstream, resolvedFile(file)));
  if (!file.batchId) return download;
  // A batch's output or error file (OpenAI's) quotes native IDs: served scrubbed, so its
  // length is no longer known in advance.
  const scrub = nativeIdScrubber(await batchIdPairs(gateway, file.batchId), [gateway.adapter(file.provider).nativeIdShapes]);
  return { ...download, body: scrubbedText(download.body, scrub), contentLength: null };
}

/** Batches checked (refreshed) before a file they name may be deleted. */
const REFERRING_BATCHES_CHECKED = 5;

/**
 * Deletes the file upstream, then its record. A file that a batch not yet ended names is
 * refused with a 400 naming the batch: the batch would fail on it upstream. A batch's own
 * output file is refused until the batch's results are in the vault.
 *
 * @example
 * await deleteFile(gateway, "owner", "file_01…");
 */
export async function deleteFile(gateway: Gateway, owner: string, id: string): Promise<void> {
  const file = await gateway.files.get(owner, id);
  if (!file) throw GatewayError.notFound(`File not found: ${id}`);
  if (file.batchId) {
    // Until the batch's results are in the vault they are read from this file; after that it
    // is the owner's to delete (a batch that ended before the vault existed still needs it).
    const batch = await gateway.batches.get(owner, file.batchId);
    if (batch && (batch.state !== "ended" || batch.resultsBytes === null)) {
      throw GatewayError.invalid(`File ${id} holds results of message batch ${file.batchId}; delete the batch to delete it.`);
    }
  }
  for (const batch of await gateway.batches.unendedReferencing(file.id, REFERRING_BATCHES_CHECKED)) {
    // The record may be behind upstream: a batch that has in fact ended lets go of the file.
    const current = batch.state === "creating" ? batch : await getBatch(gateway, owner, batch.id).catch(() => batch);
    if (current.state !== "ended") {
      throw GatewayError.invalid(
        `File ${id} is used by message batch ${batch.id}, which has not ended; delete the file once the batch has ended (cancel the batch to end it sooner).`,
      );
    }
  }
  if (file.nativeId) await inGatewayTerms([[file.nativeId, file.id]], () => filesOf(gateway, file.provider).delete(gateway.upstream, resolvedFile(file)));
  await gateway.files.delete(file.id);
}

/**
 * Files named inside Messages params (`{"type":"file","file_id"}` sources), found and
 * resolved to the provider's own files before anything is sent upstream.
 */
import { GatewayError } from "../lib/errors";
import type { ResolvedFile } from "../providers/types";
import type { MessageParams } from "../domain/batch-request";
import type { ProviderName } from "../domain/provider-name";
import type { FileStore } from "../store/files";

/**
 * Every gateway file ID a request's params name, with where it was found.
 *
 * @example
 * fileIdsIn({ model: "m", max_tokens: 1, messages: [{ role: "user", content: [{ type: "document", source: { type: "file", file_id: "file_01…" } }] }] })
 * // [{ fileId: "file_01…", path: "messages.0.content.0.source.file_id" }]
 */
export function fileIdsIn(params: MessageParams): { fileId: string; path: string }[] {
  const found: { fileId: string; path: string }[] = [];
  visit(params.messages, ["messages"], found);
  return found;
}

// Runs for every request of a create body: no closure per call, and a path (the parts of it
// on a stack) is joined only for a file found.
function visit(value: unknown, path: (string | number)[], found: { fileId: string; path: string }[]): void {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      path.push(index);
      visit(value[index], path, found);
      path.pop();
    }
    return;
  }
  if (value === null || typeof value !== "object") return;
  const record = value as Record<string, unknown>;
  if ((record.type === "file" || record.type === "container_upload") && typeof record.file_id === "string") {
    found.push({ fileId: record.file_id, path: `${path.join(".")}.file_id` });
    return;
  }
  if (record.source !== undefined) {
    path.push("source");
    visit(record.source, path, found);
    path.pop();
  }
  if (Array.isArray(record.content)) {
    path.push("content");
    visit(record.content, path, found);
    path.pop();
  }
}

/**
 * Resolves the files a batch's requests name, once each, for one owner and provider.
 * The map it fills is the one handed to the adapter.
 *
 * @example
 * const files = new FileResolver(gateway.files, owner, "openai");
 * await files.resolve(request.params, "requests.3.params");
 * adapter.batches.jobs.translate(request, files.map, ctx);
 */
export class FileResolver {
  readonly map = new Map<string, ResolvedFile>();

  constructor(
    private readonly store: FileStore,
    private readonly owner: string,
    private readonly provider: ProviderName,
  ) {}

  /**
   * Whether `params` name a file not resolved yet (only then is `resolve` needed: most
   * requests name none, and an await per request showed in a large create's profile).
   */
  unresolved(params: MessageParams): boolean {
    const found = fileIdsIn(params);
    for (let index = 0; index < found.length; index++) {
      if (!this.map.has(found[index]!.fileId)) return true;
    }
    return false;
  }

  /** Resolves the files `params` name; returns the IDs seen for the first time. */
  async resolve(params: MessageParams, where: string): Promise<string[]> {
    const added: string[] = [];
    for (const { fileId, path } of fileIdsIn(params)) {
      if (this.map.has(fileId)) continue;
      const file = await this.store.get(this.owner, fileId);
      if (!file || file.nativeId === null) {
        throw GatewayError.invalid(`${where}.${path}: file not found: ${fileId}`);
      }
      if (file.provider !== this.provider) {
        throw GatewayError.invalid(
          `${where}.${path}: file ${fileId} lives on provider ${file.provider}; a batch on ${this.provider} can only use files uploaded with x-model-provider: ${this.provider}`,
        );
      }
      this.map.set(fileId, {
        gatewayId: file.id,
        nativeId: file.nativeId,
        filename: file.filename,
        mimeType: file.mimeType,
        native: file.native,
      });
      added.push(fileId);
    }
    return added;
  }
}

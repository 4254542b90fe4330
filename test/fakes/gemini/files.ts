/**
 * The Files API of the fake: resumable uploads (docs/reference/provider-apis.md §5.1), get, list, delete and the
 * download of generated files (§5.2).
 *
 * The resumable protocol is enforced header by header:
 * - start: `X-Goog-Upload-Protocol: resumable`, `X-Goog-Upload-Command: start`,
 *   `X-Goog-Upload-Header-Content-Type`, a JSON body `{file: {...}}` (unknown fields refused);
 *   `X-Goog-Upload-Header-Content-Length` is optional (see below). The answer carries the
 *   session URL in `x-goog-upload-url` and `x-goog-upload-status: active`.
 * - each chunk: `X-Goog-Upload-Command` `upload` or `upload, finalize`, `X-Goog-Upload-Offset`
 *   equal to the bytes received so far, `Content-Length` equal to the body. Every answer
 *   carries `x-goog-upload-status`; the finalize answer is `{file: File}`.
 * - `query` reports `x-goog-upload-size-received`; `cancel` ends the session.
 *
 * Looked up: the SDKs always announce the size (python-genai `files.upload`, js-genai
 * `_cross_uploader.ts`); no Google document says the header is required, and Google's
 * resumable protocol fixes the size at finalize. The fake therefore accepts a start without
 * it, and when a size was announced refuses a finalize at any other size (python-genai: the
 * content "will have to match the size requested in the resumable upload request").
 * Error bodies for protocol mistakes are the fake's own wording (Google's are undocumented).
 *
 * A file that does not exist, or expired after 48 hours, answers 403 PERMISSION_DENIED
 * "You do not have permission to access the File {id} or it may not exist." (reported against
 * the official SDKs: google-gemini/deprecated-generative-ai-js#236, googleapis/python-genai#1218).
 */
import { badRequest, googleError, json, unknownQuery } from "./http.ts";
import { CREATE_FILE_REQUEST } from "./messages.ts";
import { field, readMessage } from "./proto.ts";
import { newId, timestamp, type FakeState, type StoredFile, type UploadSession } from "./store.ts";

const FILE_TTL_MS = 48 * 3_600_000;

/** How the fake's Files API behaves. */
export interface FilesOptions {
  /** New uploads start PROCESSING and become ACTIVE on their next GET. */
  uploadsStartProcessing: boolean;
}

/**
 * The File resource as the API shows it.
 *
 * @example
 * return json(200, fileResource(file, "https://generativelanguage.googleapis.com"));
 */
export function fileResource(file: StoredFile, origin: string): Record<string, unknown> {
  const id = file.name.slice("files/".length);
  const resource: Record<string, unknown> = {
    name: file.name,
    mimeType: file.mimeType,
    sizeBytes: String(file.sizeBytes),
    createTime: file.createTime,
    updateTime: file.updateTime,
    expirationTime: file.expirationTime,
    uri: `${origin}/v1beta/${file.name}`,
    state: file.state,
    source: file.source,
  };
  if (file.displayName) resource.displayName = file.displayName;
  if (file.source === "GENERATED") resource.downloadUri = `${origin}/download/v1beta/files/${id}:download?alt=media`;
  return resource;
}

/**
 * Stores a file the fake itself produced (batch output), downloadable.
 *
 * @example
 * storeGeneratedFile(state, "files/batch-abc", "application/jsonl", chunks);
 */
export function storeGeneratedFile(state: FakeState, name: string, mimeType: string, chunks: Uint8Array[]): StoredFile {
  const now = new Date();
  const file: StoredFile = {
    name,
    mimeType,
    sizeBytes: chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0),
    createTime: timestamp(now),
    updateTime: timestamp(now),
    expirationTime: timestamp(new Date(now.getTime() + FILE_TTL_MS)),
    source: "GENERATED",
    state: "ACTIVE",
    chunks,
    expired: false,
  };
  state.files.set(name, file);
  return file;
}

/**
 * A live file by name, or the answer Gemini gives for a missing one.
 *
 * @example
 * const found = liveFile(state, "files/abc");
 * if (found instanceof Response) return found;
 */
export function liveFile(state: FakeState, name: string): StoredFile | Response {
  const file = state.files.get(name);
  if (!file || file.expired) {
    return googleError(403, `You do not have permission to access the File ${name.slice("files/".length)} or it may not exist.`);
  }
  return file;
}

/** `POST /upload/v1beta/files` with `X-Goog-Upload-Command: start`. */
export async function startUpload(state: FakeState, request: Request, url: URL): Promise<Response> {
  const protocol = request.headers.get("x-goog-upload-protocol");
  const command = request.headers.get("x-goog-upload-command");
  if (protocol !== "resumable") {
    return googleError(400, `Upload protocol ${JSON.stringify(protocol ?? "")} is not supported by this fake: send X-Goog-Upload-Protocol: resumable.`);
  }
  if (command !== "start") return googleError(400, `X-Goog-Upload-Command must be "start" to open an upload, got ${JSON.stringify(command ?? "")}.`);
  const mimeHeader = request.headers.get("x-goog-upload-header-content-type");
  const lengthHeader = request.headers.get("x-goog-upload-header-content-length");
  let declaredSize: number | null = null;
  if (lengthHeader !== null) {
    declaredSize = Number(lengthHeader);
    if (!/^\d+$/.test(lengthHeader)) return googleError(400, `Invalid X-Goog-Upload-Header-Content-Length: ${JSON.stringify(lengthHeader)}.`);
  }
  const text = await request.text();
  let metadata: Record<string, unknown> = {};
  if (text.trim() !== "") {
    if (!(request.headers.get("content-type") ?? "").startsWith("application/json")) {
      return googleError(400, "The upload metadata must be sent as Content-Type: application/json.");
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return googleError(400, `Invalid JSON payload received. Unexpected token.\n${text.slice(0, 40)}\n^`);
    }
    const violations = readMessage(body, CREATE_FILE_REQUEST, "");
    if (violations.length > 0) return badRequest(violations);
    metadata = (field(body, "file") as Record<string, unknown> | undefined) ?? {};
  }
  const mimeType = mimeHeader ?? (field(metadata, "mime_type") as string | undefined);
  if (!mimeType) return googleError(400, "The file's MIME type is missing: send X-Goog-Upload-Header-Content-Type.");
  const id = newId(24);
  const session: UploadSession = {
    id,
    displayName: field(metadata, "display_name") as string | undefined,
    mimeType,
    declaredSize,
    chunks: [],
    received: 0,
    status: "active",
  };
  state.uploads.set(id, session);
  const sessionUrl = `${url.origin}/upload/v1beta/files?upload_id=${id}&upload_protocol=resumable`;
  return new Response(null, {
    status: 200,
    headers: { "x-goog-upload-url": sessionUrl, "x-goog-upload-control-url": sessionUrl, "x-goog-upload-status": "active" },
  });
}

/** A request to an upload session URL (`?upload_id=`). */
export async function continueUpload(state: FakeState, request: Request, url: URL, options: FilesOptions): Promise<Response> {
  const session = state.uploads.get(url.searchParams.get("upload_id") ?? "");
  if (!session) return googleError(404, "The upload session was not found or has expired.");
  const command = (request.headers.get("x-goog-upload-command") ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  const answer = (status: number, body: unknown, extra: Record<string, string> = {}): Response =>
    status === 200 && body === null
      ? new Response(null, { status, headers: { "x-goog-upload-status": session.status, ...extra } })
      : json(status, body, { "x-goog-upload-status": session.status, ...extra });

  if (session.status !== "active") {
    await request.body?.cancel();
    return answer(400, { error: { code: 400, message: `The upload session is already ${session.status}.`, status: "FAILED_PRECONDITION" } });
  }
  const commandName = command.join(", ");
  if (commandName === "query") return answer(200, null, { "x-goog-upload-size-received": String(session.received) });
  if (commandName === "cancel") {
    session.status = "cancelled";
    return answer(200, null);
  }
  if (commandName !== "upload" && commandName !== "upload, finalize" && commandName !== "finalize") {
    await request.body?.cancel();
    return answer(400, { error: { code: 400, message: `Unknown X-Goog-Upload-Command ${JSON.stringify(commandName)}.`, status: "INVALID_ARGUMENT" } });
  }
  const offsetHeader = request.headers.get("x-goog-upload-offset");
  const lengthHeader = request.headers.get("content-length");
  const bodyBytes = new Uint8Array(await request.arrayBuffer());
  if (offsetHeader === null) {
    return answer(400, { error: { code: 400, message: "X-Goog-Upload-Offset is required with the upload command.", status: "INVALID_ARGUMENT" } });
  }
  if (Number(offsetHeader) !== session.received) {
    return answer(400, {
      error: { code: 400, message: `X-Goog-Upload-Offset ${offsetHeader} does not match the ${session.received} bytes received so far.`, status: "INVALID_ARGUMENT" },
    });
  }
  if (lengthHeader === null || Number(lengthHeader) !== bodyBytes.byteLength) {
    return answer(400, {
      error: { code: 400, message: `Content-Length ${lengthHeader ?? "(missing)"} does not match the ${bodyBytes.byteLength} bytes sent.`, status: "INVALID_ARGUMENT" },
    });
  }
  if (commandName === "finalize" && bodyBytes.byteLength > 0) {
    return answer(400, { error: { code: 400, message: "The finalize command carries no bytes.", status: "INVALID_ARGUMENT" } });
  }
  const total = session.received + bodyBytes.byteLength;
  if (session.declaredSize !== null && total > session.declaredSize) {
    return answer(400, {
      error: { code: 400, message: `The upload exceeds the ${session.declaredSize} bytes announced at start.`, status: "INVALID_ARGUMENT" },
    });
  }
  if (bodyBytes.byteLength > 0) session.chunks.push(bodyBytes);
  session.received = total;
  if (!command.includes("finalize")) return answer(200, null);

  if (session.declaredSize !== null && total !== session.declaredSize) {
    return answer(400, {
      error: { code: 400, message: `The upload was finalized at ${total} bytes, not the ${session.declaredSize} announced at start.`, status: "INVALID_ARGUMENT" },
    });
  }
  session.status = "final";
  const now = new Date();
  const file: StoredFile = {
    name: `files/${newId(12)}`,
    displayName: session.displayName,
    mimeType: session.mimeType,
    sizeBytes: total,
    createTime: timestamp(now),
    updateTime: timestamp(now),
    expirationTime: timestamp(new Date(now.getTime() + FILE_TTL_MS)),
    source: "UPLOADED",
    state: options.uploadsStartProcessing ? "PROCESSING" : "ACTIVE",
    chunks: session.chunks,
    expired: false,
  };
  session.chunks = [];
  session.file = file;
  state.files.set(file.name, file);
  return answer(200, { file: fileResource(file, url.origin) }, { "content-type": "application/json; charset=UTF-8" });
}

/** `GET /v1beta/files/{id}`: a PROCESSING file is ACTIVE from its next read on. */
export function getFile(state: FakeState, name: string, url: URL): Response {
  const refused = unknownQuery(url, []);
  if (refused) return refused;
  const found = liveFile(state, name);
  if (found instanceof Response) return found;
  const body = fileResource(found, url.origin);
  if (found.state === "PROCESSING") {
    found.state = "ACTIVE";
    found.updateTime = timestamp();
  }
  return json(200, body);
}

/** `GET /v1beta/files?pageSize=&pageToken=` (pageSize default 10, at most 100). */
export function listFiles(state: FakeState, url: URL): Response {
  const refused = unknownQuery(url, ["pageSize", "pageToken", "page_size", "page_token"]);
  if (refused) return refused;
  const sizeParam = url.searchParams.get("pageSize") ?? url.searchParams.get("page_size");
  const pageSize = sizeParam === null ? 10 : Number(sizeParam);
  if (!Number.isInteger(pageSize) || pageSize < 0) return googleError(400, `Invalid value at 'page_size' (TYPE_INT32), "${sizeParam}"`);
  const size = Math.min(pageSize === 0 ? 10 : pageSize, 100);
  const live = [...state.files.values()].filter((file) => !file.expired).reverse();
  const start = Number(url.searchParams.get("pageToken") ?? url.searchParams.get("page_token") ?? "0") || 0;
  const page = live.slice(start, start + size);
  const body: Record<string, unknown> = { files: page.map((file) => fileResource(file, url.origin)) };
  if (start + size < live.length) body.nextPageToken = String(start + size);
  return json(200, page.length === 0 ? {} : body);
}

/** `DELETE /v1beta/files/{id}`: answers `{}`. */
export function deleteFile(state: FakeState, name: string, url: URL): Response {
  const refused = unknownQuery(url, []);
  if (refused) return refused;
  const found = liveFile(state, name);
  if (found instanceof Response) return found;
  state.files.delete(name);
  // Its bytes go too: the upload session that made it still points at it.
  found.chunks = [];
  return json(200, {});
}

/**
 * `GET /v1beta/files/{id}:download?alt=media` (the SDKs' path) or the same under
 * `/download/v1beta/` (the `downloadUri` form): bytes of generated files only.
 */
export function downloadFile(state: FakeState, name: string, url: URL): Response {
  const refused = unknownQuery(url, []);
  if (refused) return refused;
  if (url.searchParams.get("alt") !== "media") return googleError(400, "Downloading file content needs alt=media.");
  const found = liveFile(state, name);
  if (found instanceof Response) return found;
  if (found.source !== "GENERATED") {
    return googleError(400, `File ${name.slice("files/".length)} was uploaded; only generated files can be downloaded.`, { status: "FAILED_PRECONDITION" });
  }
  const chunks = found.chunks;
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[index++];
      if (chunk) controller.enqueue(chunk.slice());
      else controller.close();
    },
  });
  return new Response(body, {
    status: 200,
    headers: { "content-type": found.mimeType, "content-length": String(found.sizeBytes) },
  });
}

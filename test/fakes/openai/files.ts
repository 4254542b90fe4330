/**
 * `/v1/files`: upload (multipart), list, retrieve, content, delete (docs/reference/provider-apis.md §3).
 */
import { errorResponse, json } from "./http.ts";
import { type FakeState, type StoredFile, fileObject } from "./state.ts";

/** Purposes an upload may name (openai-openapi `CreateFileRequest.purpose`). */
export const UPLOAD_PURPOSES = ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"];
const FORM_FIELDS = new Set(["file", "purpose", "expires_after[anchor]", "expires_after[seconds]"]);
const MAX_FILE_BYTES = 512 * 1024 * 1024;
const MAX_BATCH_FILE_BYTES = 200 * 1024 * 1024;
const BATCH_FILE_LIFETIME = 30 * 24 * 3600;

/**
 * Purposes whose content OpenAI refuses to serve, with 400 "Not allowed to download files of
 * purpose: user_data" (confirmed wording; OpenAI community thread 1357013, 2025, which also
 * gives the per-purpose table: assistants, user_data, fine-tune and evals uploads cannot be
 * downloaded; batch, batch_output, vision, assistants_output and fine-tune-results can).
 */
const NOT_DOWNLOADABLE = new Set(["assistants", "user_data", "fine-tune", "evals"]);

/** What the fake records of a multipart upload: field names and values, and the file part. */
export interface RecordedForm {
  fields: Record<string, string>;
  files: { name: string; filename: string; contentType: string; size: number }[];
}

/**
 * `POST /v1/files`.
 *
 * Multipart only: a JSON body gets OpenAI's "Invalid Content-Type header" answer (recalled
 * wording, as OpenAI answers it on its multipart endpoints). Field errors follow the wording
 * OpenAI uses for this endpoint, `'answers' is not one of [...] - 'purpose'` (confirmed,
 * irudnyts/openai#66); "is a required property" and "Additional properties are not allowed"
 * are the same validator's other messages (unconfirmed here). A batch file must be `.jsonl`
 * ("Invalid file format for Batch API. Must be .jsonl", confirmed, BerriAI/litellm#37527) and
 * at most 200 MB (wording unconfirmed); its lines are checked when a batch uses it.
 */
export async function createFile(request: Request, state: FakeState, recordForm: (form: RecordedForm) => void): Promise<Response> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
    await request.body?.cancel();
    return errorResponse(400, {
      message: `Invalid Content-Type header (${contentType || "none"}), expected multipart/form-data. (HINT: If you're using curl, you can pass -H 'Content-Type: multipart/form-data')`,
    });
  }
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return errorResponse(400, { message: "Could not parse multipart form data." });
  }
  const recorded: RecordedForm = { fields: {}, files: [] };
  let file: File | null = null;
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") recorded.fields[name] = value;
    else {
      recorded.files.push({ name, filename: value.name, contentType: value.type, size: value.size });
      if (name === "file") file = value;
    }
  }
  recordForm(recorded);

  for (const name of Object.keys(recorded.fields).concat(recorded.files.map((part) => part.name))) {
    if (!FORM_FIELDS.has(name)) return errorResponse(400, { message: `Additional properties are not allowed ('${name}' was unexpected)` });
  }
  if (!file) return errorResponse(400, { message: "'file' is a required property", param: "file" });
  const purpose = recorded.fields.purpose;
  if (purpose === undefined) return errorResponse(400, { message: "'purpose' is a required property", param: "purpose" });
  if (!UPLOAD_PURPOSES.includes(purpose)) {
    return errorResponse(400, { message: `'${purpose}' is not one of ${pythonList(UPLOAD_PURPOSES)} - 'purpose'`, param: "purpose" });
  }
  if (file.size > MAX_FILE_BYTES) return errorResponse(400, { message: "File is too large: files may be at most 512 MB.", param: "file" });
  if (purpose === "batch") {
    if (!file.name.endsWith(".jsonl")) return errorResponse(400, { message: "Invalid file format for Batch API. Must be .jsonl" });
    if (file.size > MAX_BATCH_FILE_BYTES) {
      return errorResponse(400, { message: "File is too large for Batch API: batch input files may be at most 200 MB.", param: "file" });
    }
  }
  const expiresAfter = expiresAfterSeconds(recorded.fields);
  if (expiresAfter !== null && typeof expiresAfter === "object") return errorResponse(400, expiresAfter);

  const lifetime = expiresAfter ?? (purpose === "batch" ? BATCH_FILE_LIFETIME : null);
  const stored = storeFile(state, { filename: file.name, purpose, content: file, lifetime });
  return json(fileObject(stored));
}

/**
 * Stores a file (uploads, and the output/error files batches write).
 *
 * @example
 * storeFile(state, { filename: "batch_x_output.jsonl", purpose: "batch_output", content: new Blob([text]), lifetime: null });
 */
export function storeFile(
  state: FakeState,
  input: { filename: string; purpose: string; content: Blob; lifetime: number | null },
): StoredFile {
  const created = state.now();
  const file: StoredFile = {
    id: state.nextId("file-"),
    object: "file",
    bytes: input.content.size,
    created_at: created,
    expires_at: input.lifetime === null ? null : created + input.lifetime,
    filename: input.filename,
    purpose: input.purpose,
    status: "processed",
    status_details: null,
    content: input.content,
  };
  state.files.set(file.id, file);
  return file;
}

/** `GET /v1/files` with `purpose`, `limit` (1–10 000), `order` (`asc`/`desc`, by creation), `after`. */
export function listFiles(url: URL, state: FakeState): Response {
  const limit = Number(url.searchParams.get("limit") ?? 10_000);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    return errorResponse(400, { message: `Invalid 'limit': expected an integer between 1 and 10000.`, param: "limit", code: "invalid_value" });
  }
  const order = url.searchParams.get("order") ?? "desc";
  if (order !== "asc" && order !== "desc") {
    return errorResponse(400, { message: `Invalid value: '${order}'. Supported values are: 'asc' and 'desc'.`, param: "order", code: "invalid_value" });
  }
  const purpose = url.searchParams.get("purpose");
  let files = [...state.files.values()].filter((file) => purpose === null || file.purpose === purpose);
  if (order === "desc") files.reverse();
  const after = url.searchParams.get("after");
  if (after !== null) files = files.slice(files.findIndex((file) => file.id === after) + 1);
  const page = files.slice(0, limit);
  return json({
    object: "list",
    data: page.map(fileObject),
    first_id: page[0]?.id ?? null,
    last_id: page[page.length - 1]?.id ?? null,
    has_more: files.length > page.length,
  });
}

/** `GET /v1/files/{id}`. */
export function retrieveFile(id: string, state: FakeState): Response {
  const file = state.files.get(id);
  return file ? json(fileObject(file)) : noSuchFile(id);
}

/** `GET /v1/files/{id}/content`: the bytes, for purposes OpenAI lets anyone download. */
export function fileContent(id: string, state: FakeState): Response {
  const file = state.files.get(id);
  if (!file) return noSuchFile(id);
  if (NOT_DOWNLOADABLE.has(file.purpose)) {
    return errorResponse(400, { message: `Not allowed to download files of purpose: ${file.purpose}` });
  }
  return new Response(file.content.stream(), {
    headers: { "content-type": "application/octet-stream", "content-length": String(file.bytes) },
  });
}

/** `DELETE /v1/files/{id}`. */
export function deleteFile(id: string, state: FakeState): Response {
  if (!state.files.delete(id)) return noSuchFile(id);
  return json({ id, object: "file", deleted: true });
}

/**
 * 404 for an unknown file: "No such File object: file-…" (confirmed wording,
 * danny-avila/LibreChat#2632); `param` is recalled as `id` (unconfirmed).
 */
export function noSuchFile(id: string, param = "id"): Response {
  return errorResponse(404, { message: `No such File object: ${id}`, param });
}

// `expires_after[anchor]=created_at` and `expires_after[seconds]` in 3600–2592000 (the field
// encoding is unconfirmed, docs/reference/provider-apis.md §3).
function expiresAfterSeconds(fields: Record<string, string>): number | null | { message: string; param: string } {
  const anchor = fields["expires_after[anchor]"];
  const seconds = fields["expires_after[seconds]"];
  if (anchor === undefined && seconds === undefined) return null;
  if (anchor !== "created_at") return { message: `'${anchor ?? ""}' is not one of ['created_at'] - 'expires_after.anchor'`, param: "expires_after" };
  const value = Number(seconds);
  if (!Number.isInteger(value) || value < 3600 || value > 2_592_000) {
    return { message: `${seconds ?? "None"} is not a valid value for 'expires_after.seconds': expected an integer between 3600 and 2592000`, param: "expires_after" };
  }
  return value;
}

function pythonList(values: readonly string[]): string {
  return `[${values.map((value) => `'${value}'`).join(", ")}]`;
}

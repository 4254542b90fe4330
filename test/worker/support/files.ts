/**
 * The Files routes as a client calls them, and the FileMetadata they answer.
 */
import { call } from "./gateway";
import { json } from "./responses";

/** Anthropic's FileMetadata, as the gateway answers it. */
export interface WireFile {
  id: string;
  type: string;
  filename: string;
  mime_type: string;
  size_bytes: number;
  size: number;
  created_at: string;
  downloadable: boolean;
  expires_at: string | null;
  scope: string | null;
}

/**
 * A multipart body holding one file in the field `file`, as the SDK sends an upload.
 *
 * @example
 * await call("/anthropic/v1/files", { method: "POST", body: fileForm("a.txt", "hello") });
 */
export function fileForm(name: string, content: string | Uint8Array, type = "text/plain"): FormData {
  const form = new FormData();
  form.append("file", new File([content], name, { type }));
  return form;
}

export interface UploadOptions {
  /** The file's content type (default text/plain). */
  type?: string;
  /** `x-model-provider` (absent: anthropic). */
  provider?: string;
  /** The caller's API key (default: any key, as when no virtual key exists). */
  key?: string;
}

/**
 * Uploads a file through the gateway; the upload must succeed.
 *
 * @example
 * const file = await uploadFile("notes.md", "# Notes", { type: "text/markdown", provider: "openai" });
 */
export async function uploadFile(name: string, content: string | Uint8Array, options: UploadOptions = {}): Promise<WireFile> {
  const { type, ...caller } = options;
  return json<WireFile>(await call("/anthropic/v1/files", { method: "POST", body: fileForm(name, content, type), ...caller }));
}

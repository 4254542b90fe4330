/**
 * The gateway's record of one file (table `files`), owner-scoped.
 *
 * @example
 * const usable = (file: FileRecord) => file.state === "ready";
 */
import type { ProviderName } from "./provider-name";

export interface FileRecord {
  id: string;
  owner: string;
  provider: ProviderName;
  state: "creating" | "ready" | "deleting";
  nativeId: string | null;
  filename: string;
  mimeType: string;
  sizeBytes: number;
  downloadable: boolean;
  createdAt: string;
  expiresAt: string | null;
  native: Record<string, unknown>;
  batchId: string | null;
}

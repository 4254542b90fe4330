/** The files page: the viewer's files (uploads and batch output files), newest first. */
import type { FC } from "hono/jsx";
import type { Viewer } from "../../core/sessions";
import type { FileRecord } from "../../domain/file-record";
import { Time } from "../components";
import { Layout } from "../layout";

/**
 * @example
 * <FilesPage viewer={viewer} files={page.items} next={null} />
 */
export const FilesPage: FC<{ viewer: Viewer; files: FileRecord[]; next: string | null }> = ({ viewer, files, next }) => (
  <Layout title="Files" viewer={viewer} section="files">
    <h1>Files{viewer.kind === "admin" ? " (every key)" : ""}</h1>
    {files.length === 0 ? (
      <p class="muted">No files yet.</p>
    ) : (
      <table id="files">
        <thead>
          <tr>
            <th>File</th>
            <th>Name</th>
            <th>Provider</th>
            <th>Type</th>
            <th class="num">Size</th>
            <th>Created</th>
            <th>Kind</th>
          </tr>
        </thead>
        <tbody>
          {files.map((file) => (
            <tr data-file={file.id}>
              <td class="mono">{file.id}</td>
              <td class="filename">{file.filename}</td>
              <td>{file.provider}</td>
              <td class="mono">{file.mimeType}</td>
              <td class="num">{bytes(file.sizeBytes)}</td>
              <td>
                <Time at={file.createdAt} />
              </td>
              <td>
                {file.batchId ? (
                  <>
                    output of <a class="mono" href={`/dashboard/batches/${file.batchId}`}>{file.batchId}</a>
                  </>
                ) : (
                  "upload"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
    {next ? (
      <p class="pager">
        <a href={`/dashboard/files?after=${encodeURIComponent(next)}`}>Older files →</a>
      </p>
    ) : null}
  </Layout>
);

/**
 * @example
 * bytes(2048) // "2.0 KiB"
 */
export function bytes(size: number): string {
  if (size < 1024) return `${size} B`;
  const units = ["KiB", "MiB", "GiB"];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

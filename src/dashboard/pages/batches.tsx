/** The batches page: the viewer's batches, newest first, with their progress. */
import type { FC } from "hono/jsx";
import type { BatchSummary } from "../../core/overview";
import type { Viewer } from "../../core/sessions";
import { Progress, Status, Time, Usd } from "../components";
import { Layout } from "../layout";

export interface BatchesPageProps {
  viewer: Viewer;
  batches: BatchSummary[];
  /** The `after` of the next page, when there is one. */
  next: string | null;
  /** Seconds between refreshes while a batch runs. */
  refreshSeconds: number;
}

/**
 * @example
 * <BatchesPage viewer={viewer} batches={page.items} next={null} refreshSeconds={3} />
 */
export const BatchesPage: FC<BatchesPageProps> = ({ viewer, batches, next, refreshSeconds }) => {
  const running = batches.some(({ batch }) => batch.state !== "ended");
  return (
    <Layout title="Batches" viewer={viewer} section="batches">
      <h1>Batches{viewer.kind === "admin" ? " (every key)" : ""}</h1>
      {running ? <p class="muted" data-live={refreshSeconds}>Refreshing every {refreshSeconds} s while a batch runs.</p> : null}
      {batches.length === 0 ? (
        <p class="muted">No batches yet.</p>
      ) : (
        <table id="batches">
          <thead>
            <tr>
              <th>Batch</th>
              <th>Provider</th>
              <th>Models</th>
              <th>Status</th>
              <th>Progress</th>
              <th>Created</th>
              <th>Ended</th>
              <th class="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {batches.map(({ batch, models, cost }) => (
              <tr data-batch={batch.id}>
                <td>
                  <a class="mono" href={`/dashboard/batches/${batch.id}`}>
                    {batch.id}
                  </a>
                </td>
                <td>{batch.provider}</td>
                <td>{models.length ? models.join(", ") : <span class="muted">—</span>}</td>
                <td>
                  <Status batch={batch} />
                </td>
                <td>
                  <Progress counts={batch.counts} total={batch.requestCount} />
                </td>
                <td>
                  <Time at={batch.createdAt} />
                </td>
                <td>
                  <Time at={batch.state === "ended" ? batch.endedAt : null} />
                </td>
                <td class="num">{cost === undefined ? <span class="muted">—</span> : <Usd value={cost} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next ? (
        <p class="pager">
          <a href={`/dashboard?after=${encodeURIComponent(next)}`}>Older batches →</a>
        </p>
      ) : null}
    </Layout>
  );
};

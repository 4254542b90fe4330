/**
 * A batch: its facts, counts and progress, its upstream jobs (their place, model and state;
 * never their native IDs), the first errored results, and the results download once ended.
 */
import type { FC } from "hono/jsx";
import type { BatchDetail } from "../../core/overview";
import type { Viewer } from "../../core/sessions";
import type { BatchUsage } from "../../core/usage";
import type { BatchResultLine } from "../../domain/batch-result";
import { Csrf, processingStatus, Progress, Status, Time, Usd } from "../components";
import { Layout } from "../layout";

export interface BatchPageProps {
  viewer: Viewer;
  detail: BatchDetail;
  /** The first errored results, or the reason they could not be read. */
  errored: BatchResultLine[] | { failure: string };
  /** Tokens and cost by model once ended (null while it runs), or why they could not be read. */
  usage: BatchUsage | null | { failure: string };
  refreshSeconds: number;
}

/**
 * @example
 * <BatchPage viewer={viewer} detail={detail} errored={[]} usage={null} refreshSeconds={3} />
 */
export const BatchPage: FC<BatchPageProps> = ({ viewer, detail, errored, usage, refreshSeconds }) => {
  const { batch, jobs, models } = detail;
  const ended = batch.state === "ended";
  return (
    <Layout title={batch.id} viewer={viewer} section="batches">
      <h1 class="mono">{batch.id}</h1>
      {ended ? null : (
        <p class="muted" data-live={refreshSeconds}>
          Refreshing every {refreshSeconds} s until the batch has ended.
        </p>
      )}
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <Status batch={batch} />
        </dd>
        <dt>Progress</dt>
        <dd>
          <Progress counts={batch.counts} total={batch.requestCount} />
        </dd>
        <dt>Provider</dt>
        <dd>{batch.provider}</dd>
        <dt>Models</dt>
        <dd>{models.length ? models.join(", ") : <span class="muted">—</span>}</dd>
        <dt>Requests</dt>
        <dd>{batch.requestCount}</dd>
        <dt>Created</dt>
        <dd>
          <Time at={batch.createdAt} />
        </dd>
        <dt>Ended</dt>
        <dd>
          <Time at={batch.state === "ended" ? batch.endedAt : null} />
        </dd>
        <dt>Expires</dt>
        <dd>
          <Time at={batch.expiresAt} />
        </dd>
        {batch.cancelInitiatedAt ? (
          <>
            <dt>Cancel asked</dt>
            <dd>
              <Time at={batch.cancelInitiatedAt} />
            </dd>
          </>
        ) : null}
        {viewer.kind === "admin" ? (
          <>
            <dt>Owner</dt>
            <dd class="mono">{batch.owner}</dd>
          </>
        ) : null}
        <dt>Cost</dt>
        <dd>{usage && !("failure" in usage) ? <Usd value={usage.cost_usd} /> : <span class="muted">once the batch has ended</span>}</dd>
        <dt>Results</dt>
        <dd>
          {ended ? (
            <a id="download-results" href={`/dashboard/batches/${batch.id}/results`} download={`${batch.id}_results.jsonl`}>
              Download results (JSONL)
            </a>
          ) : (
            <span class="muted">once the batch has ended</span>
          )}
        </dd>
      </dl>

      <h2>Request counts</h2>
      <table id="counts">
        <thead>
          <tr>
            <th class="num">processing</th>
            <th class="num">succeeded</th>
            <th class="num">errored</th>
            <th class="num">canceled</th>
            <th class="num">expired</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td class="num">{batch.counts.processing}</td>
            <td class="num">{batch.counts.succeeded}</td>
            <td class="num">{batch.counts.errored}</td>
            <td class="num">{batch.counts.canceled}</td>
            <td class="num">{batch.counts.expired}</td>
          </tr>
        </tbody>
      </table>

      {usage ? (
        <>
          <h2>Usage by model</h2>
          {"failure" in usage ? (
            <p class="error">The usage could not be read: {usage.failure}</p>
          ) : (
            <table id="usage">
              <thead>
                <tr>
                  <th>Provider</th>
                  <th>Model</th>
                  <th class="num">Requests</th>
                  <th class="num">Input tokens</th>
                  <th class="num">Output tokens</th>
                  <th class="num">Cache writes</th>
                  <th class="num">Cache reads</th>
                  <th class="num">Cost</th>
                </tr>
              </thead>
              <tbody>
                {usage.by_model.map((row) => (
                  <tr>
                    <td>{row.provider}</td>
                    <td class="mono">{row.model}</td>
                    <td class="num">{row.requests}</td>
                    <td class="num">{row.input_tokens}</td>
                    <td class="num">{row.output_tokens}</td>
                    <td class="num">{row.cache_creation_input_tokens}</td>
                    <td class="num">{row.cache_read_input_tokens}</td>
                    <td class="num">
                      <Usd value={row.cost_usd} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}

      <h2>Upstream jobs</h2>
      <p class="muted">How {batch.provider} runs this batch: one row per job it was split into.</p>
      <table id="jobs">
        <thead>
          <tr>
            <th>#</th>
            <th>Model</th>
            <th class="num">Requests</th>
            <th>State</th>
            <th>Progress</th>
            <th>Ended</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr>
              <td>{job.seq + 1}</td>
              <td>{job.model ?? <span class="muted">several</span>}</td>
              <td class="num">{job.requestCount}</td>
              <td>{job.state}</td>
              <td>
                <Progress counts={job.counts} total={job.requestCount} />
              </td>
              <td>
                <Time at={job.endedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      {ended && batch.counts.errored > 0 ? (
        <>
          <h2>First errored results</h2>
          {"failure" in errored ? (
            <p class="error">The results could not be read: {errored.failure}</p>
          ) : (
            <table id="errored">
              <thead>
                <tr>
                  <th>custom_id</th>
                  <th>Error type</th>
                  <th>Message</th>
                </tr>
              </thead>
              <tbody>
                {errored.map((line) => {
                  const error = line.result.type === "errored" ? line.result.error.error : { type: "", message: "" };
                  return (
                    <tr>
                      <td class="mono custom-id">{line.custom_id}</td>
                      <td class="mono">{error.type}</td>
                      <td>{error.message}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </>
      ) : null}

      {!ended && processingStatus(batch) === "in_progress" ? (
        <form method="post" action={`/dashboard/batches/${batch.id}/cancel`} class="card">
          <Csrf token={viewer.csrf} />
          <button class="danger" type="submit">
            Cancel this batch
          </button>
        </form>
      ) : null}
    </Layout>
  );
};

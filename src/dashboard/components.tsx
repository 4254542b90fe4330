/**
 * Small pieces the pages share: status badges, the progress bar, times, money. Every value
 * reaches the page through JSX, which escapes it (never through raw(): see
 * docs/sources/dashboard.md § The dashboard's JSX runtime).
 */
import type { FC } from "hono/jsx";
import type { RequestCounts } from "../domain/request-counts";
import type { BatchRecord } from "../domain/batch-record";

/** What the API calls a batch's state, as retrieve answers it (`vaulting` still reads as running). */
export function processingStatus(batch: BatchRecord): string {
  return batch.state === "ended" ? "ended" : batch.cancelInitiatedAt ? "canceling" : "in_progress";
}

/** @example <Status batch={batch} /> */
export const Status: FC<{ batch: BatchRecord }> = ({ batch }) => {
  const status = processingStatus(batch);
  return <span class={`status ${status}`} data-status={status}>{status}</span>;
};

const SEGMENTS = ["succeeded", "errored", "canceled", "expired"] as const;

/**
 * A bar of a batch's `request_counts`: one coloured segment per outcome, the rest (still
 * processing) empty, and "done / total" beside it. SVG attributes, not inline styles, so the
 * page's Content-Security-Policy can forbid inline styles.
 *
 * @example
 * <Progress counts={batch.counts} total={batch.requestCount} />
 */
export const Progress: FC<{ counts: RequestCounts; total: number }> = ({ counts, total }) => {
  const width = 160;
  const done = counts.succeeded + counts.errored + counts.canceled + counts.expired;
  const all = Math.max(total, done + counts.processing, 1);
  let x = 0;
  const rects = SEGMENTS.map((name) => {
    const w = (counts[name] / all) * width;
    const rect = w > 0 ? <rect class={`seg-${name}`} x={x.toFixed(2)} y="0" width={w.toFixed(2)} height="10" /> : null;
    x += w;
    return rect;
  });
  const label = `${done} of ${all} done: ${counts.succeeded} succeeded, ${counts.errored} errored, ${counts.canceled} canceled, ${counts.expired} expired, ${counts.processing} processing`;
  return (
    <span class="progress" data-done={done} data-total={all}>
      <svg width={width} height="10" viewBox={`0 0 ${width} 10`} role="img" aria-label={label}>
        <title>{label}</title>
        {rects}
      </svg>
      <span class="mono">
        {done} / {all}
      </span>
    </span>
  );
};

/**
 * An RFC 3339 time as "2026-12-03 14:15:09 UTC", or a dash.
 *
 * @example
 * <Time at={batch.createdAt} />
 */
export const Time: FC<{ at: string | null | undefined }> = ({ at }) => {
  if (!at) return <span class="muted">—</span>;
  const shown = at.replace("T", " ").replace(/\.\d+/, "").replace(/Z$/, " UTC");
  return <time datetime={at}>{shown}</time>;
};

/**
 * A USD amount; a dash when unknown (a model without a price).
 *
 * @example
 * <Usd value={0.0123} /> // $0.0123 (fractions of a cent to the micro-dollar)
 */
export const Usd: FC<{ value: number | null | undefined }> = ({ value }) => {
  if (value === null || value === undefined) return <span class="muted" title="no price for some model">—</span>;
  return <span class="mono">${value === 0 ? "0" : value < 0.01 ? value.toFixed(6) : value < 1 ? value.toFixed(4) : value.toFixed(2)}</span>;
};

/** A hidden CSRF field for a form of this session. */
export const Csrf: FC<{ token: string }> = ({ token }) => <input type="hidden" name="csrf" value={token} />;

/**
 * Usage over time: a chart of the last days by provider (cost, tokens or requests), the
 * same numbers as a table, and for the admin, the period's usage per key and model.
 */
import type { FC } from "hono/jsx";
import type { Viewer } from "../../core/sessions";
import type { DailyUsage } from "../../core/usage-overview";
import type { UsageRow } from "../../core/usage";
import { UsageChart, type ChartMetric } from "../chart";
import { Usd } from "../components";
import { Layout } from "../layout";

export interface UsagePageProps {
  viewer: Viewer;
  days: string[];
  rows: DailyUsage[];
  metric: ChartMetric;
  /** The admin's per-key summary of the same days (null for anyone else). */
  byKey: UsageRow[] | null;
}

const METRICS: Array<[ChartMetric, string]> = [
  ["cost", "Cost (USD)"],
  ["tokens", "Tokens"],
  ["requests", "Requests"],
];

/**
 * @example
 * <UsagePage viewer={viewer} days={days} rows={rows} metric="cost" byKey={null} />
 */
export const UsagePage: FC<UsagePageProps> = ({ viewer, days, rows, metric, byKey }) => {
  const providers = [...new Set(rows.map((row) => row.provider))].sort();
  const unpriced = [...new Set(rows.flatMap((row) => row.unpriced))].sort();
  return (
    <Layout title="Usage" viewer={viewer} section="usage">
      <h1>
        Usage, {days[0]} to {days.at(-1)} (UTC, by the day batches ended){viewer.kind === "admin" ? ", every key" : ""}
      </h1>
      <p>
        {METRICS.map(([name, text]) =>
          name === metric ? (
            <strong>{text} </strong>
          ) : (
            <>
              <a href={`/dashboard/usage?metric=${name}`}>{text}</a>{" "}
            </>
          ),
        )}
      </p>
      <UsageChart days={days} rows={rows} metric={metric} />
      <div class="legend">
        {providers.map((provider) => (
          <span class={provider}>{provider}</span>
        ))}
      </div>
      {unpriced.length ? <p class="notice">No price for {unpriced.join(", ")}: their tokens count, their cost does not (set MODEL_PRICES).</p> : null}
      {rows.length === 0 ? (
        <p class="muted">No batch ended in these days.</p>
      ) : (
        <table id="daily-usage">
          <thead>
            <tr>
              <th>Day</th>
              <th>Provider</th>
              <th class="num">Requests</th>
              <th class="num">Input tokens</th>
              <th class="num">Output tokens</th>
              <th class="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr>
                <td>{row.day}</td>
                <td>{row.provider}</td>
                <td class="num">{row.requests}</td>
                <td class="num">{row.input_tokens}</td>
                <td class="num">{row.output_tokens}</td>
                <td class="num">
                  {/* Unpriced models add no cost: a row of only those has none to show. */}
                  <Usd value={row.unpriced.length && row.cost_usd === 0 ? null : row.cost_usd} />
                  {row.unpriced.length && row.cost_usd > 0 ? <span title={`plus ${row.unpriced.join(", ")} (no price)`}> +?</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {byKey && byKey.length ? (
        <>
          <h2>By key and model</h2>
          <table id="usage-by-key">
            <thead>
              <tr>
                <th>Key</th>
                <th>Provider</th>
                <th>Model</th>
                <th class="num">Batches</th>
                <th class="num">Requests</th>
                <th class="num">Input tokens</th>
                <th class="num">Output tokens</th>
                <th class="num">Cost</th>
              </tr>
            </thead>
            <tbody>
              {byKey.map((row) => (
                <tr>
                  <td>{row.key_name ?? row.key_id ?? <span class="muted">shared (open gateway)</span>}</td>
                  <td>{row.provider}</td>
                  <td class="mono">{row.model}</td>
                  <td class="num">{row.batches}</td>
                  <td class="num">{row.requests}</td>
                  <td class="num">{row.input_tokens}</td>
                  <td class="num">{row.output_tokens}</td>
                  <td class="num">
                    <Usd value={row.cost_usd} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </Layout>
  );
};

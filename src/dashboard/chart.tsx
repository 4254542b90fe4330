/**
 * A stacked bar chart of usage per day and provider, drawn as SVG on the server (no script,
 * no inline style: colours come from the stylesheet's classes).
 */
import type { FC } from "hono/jsx";
import type { DailyUsage } from "../core/usage-overview";
import { PROVIDER_NAMES } from "../domain/provider-name";

export type ChartMetric = "cost" | "tokens" | "requests";

const WIDTH = 760;
const HEIGHT = 260;
const LEFT = 64;
const RIGHT = 12;
const TOP = 12;
const BOTTOM = 30;

/** The value a row contributes to the chart. */
export function metricOf(row: DailyUsage, metric: ChartMetric): number {
  return metric === "cost" ? row.cost_usd : metric === "tokens" ? row.input_tokens + row.output_tokens : row.requests;
}

/** An axis label for a value. */
export function formatMetric(value: number, metric: ChartMetric): string {
  if (metric === "cost") return value === 0 ? "$0" : value < 0.01 ? `$${value.toFixed(6)}` : `$${value.toFixed(2)}`;
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(1)}M`;
  if (value >= 1_000) return `${(value / 1_000).toFixed(1)}k`;
  return String(Math.round(value));
}

/**
 * @example
 * <UsageChart days={["2026-12-02", "2026-12-03"]} rows={rows} metric="cost" />
 */
export const UsageChart: FC<{ days: string[]; rows: DailyUsage[]; metric: ChartMetric }> = ({ days, rows, metric }) => {
  const totals = days.map((day) => rows.filter((row) => row.day === day).reduce((sum, row) => sum + metricOf(row, metric), 0));
  const max = Math.max(...totals, 0);
  const top = max > 0 ? max : 1;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = plotWidth / Math.max(days.length, 1);
  const barWidth = Math.max(slot * 0.64, 2);
  const y = (value: number) => TOP + plotHeight - (value / top) * plotHeight;
  const label = `Usage by day and provider (${metric}), ${days[0] ?? ""} to ${days.at(-1) ?? ""}`;
  return (
    <svg class="chart" width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label} data-metric={metric}>
      <title>{label}</title>
      {[0, 0.5, 1].map((fraction) => (
        <g>
          <line class="axis" x1={LEFT} x2={WIDTH - RIGHT} y1={y(top * fraction).toFixed(1)} y2={y(top * fraction).toFixed(1)} />
          <text x={LEFT - 6} y={(y(top * fraction) + 4).toFixed(1)} text-anchor="end">
            {formatMetric(max > 0 ? top * fraction : 0, metric)}
          </text>
        </g>
      ))}
      {days.map((day, index) => {
        const x = LEFT + index * slot + (slot - barWidth) / 2;
        let base = 0;
        const bars = PROVIDER_NAMES.map((provider) => {
          const row = rows.find((candidate) => candidate.day === day && candidate.provider === provider);
          const value = row ? metricOf(row, metric) : 0;
          if (value <= 0) return null;
          const rect = (
            <rect class={`bar-${provider}`} data-day={day} data-provider={provider} x={x.toFixed(1)} y={y(base + value).toFixed(1)} width={barWidth.toFixed(1)} height={(y(base) - y(base + value)).toFixed(1)}>
              <title>{`${day} ${provider}: ${formatMetric(value, metric)}`}</title>
            </rect>
          );
          base += value;
          return rect;
        });
        const showLabel = days.length <= 16 || index % Math.ceil(days.length / 16) === 0;
        return (
          <g>
            {bars}
            {showLabel ? (
              <text x={(x + barWidth / 2).toFixed(1)} y={HEIGHT - 10} text-anchor="middle">
                {day.slice(5)}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
};

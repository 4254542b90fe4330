/** Latency statistics. */

/** The value below which `fraction` of `sorted` (ascending) lies, nearest rank. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Latency {
  p50: number;
  p99: number;
  count: number;
}

export function latency(samplesMs: readonly number[]): Latency {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const r = (value: number) => Math.round(value * 100) / 100;
  return { p50: r(percentile(sorted, 0.5)), p99: r(percentile(sorted, 0.99)), count: sorted.length };
}

// Median, p99 and max of a run's measurements (the same quantile rule as test/bench/stats.ts).

export interface Distribution { n: number, median: number | null, p99: number | null, max: number | null }

export function distribution (values: readonly number[]): Distribution {
  const s = [...values].sort((a, b) => a - b)
  const q = (p: number): number | null => s.length === 0 ? null : s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!
  return { n: s.length, median: q(0.5), p99: q(0.99), max: s.length === 0 ? null : s[s.length - 1]! }
}

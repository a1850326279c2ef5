// Summary statistics for benchmarks: median, p99, max and spread, never a single lucky run.

export interface Summary { n: number, min: number, median: number, p99: number, max: number, mean: number }

export function quantile (sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[i]!
}

export function summarize (values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b)
  return {
    n: s.length,
    min: s[0] ?? NaN,
    median: quantile(s, 0.5),
    p99: quantile(s, 0.99),
    max: s[s.length - 1] ?? NaN,
    mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)
  }
}

export function formatSummary (s: Summary, unit: string): string {
  const f = (x: number): string => x >= 100 ? x.toFixed(0) : x.toFixed(1)
  return `median ${f(s.median)} ${unit}, p99 ${f(s.p99)} ${unit}, max ${f(s.max)} ${unit}, min ${f(s.min)} ${unit} (n=${s.n})`
}

/** A compact cell for tables: the median with the range of the runs around it. */
export function formatSpread (s: Summary, unit: string): string {
  const f = (x: number): string => x >= 100 ? x.toFixed(0) : x.toFixed(2)
  return `${f(s.median)} ${unit} (${f(s.min)}-${f(s.max)})`
}

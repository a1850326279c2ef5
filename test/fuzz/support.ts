// How many cases each fuzz target runs, and the count report `npm run fuzz` prints.
//   MCP_FUZZ_RUNS    cases per target (default 150: the whole suite stays a few seconds in npm test)
//   MCP_FUZZ_SEED    replay a failing run (fast-check prints the seed)
//   MCP_FUZZ_REPORT  file to append {"target","cases"} lines to (set by test/fuzz/run.mjs)
import { appendFileSync } from 'node:fs'
import fc from 'fast-check'

const DEFAULT_RUNS = 150

function positiveInt (text: string | undefined, fallback: number): number {
  const n = Number(text)
  return text !== undefined && Number.isSafeInteger(n) && n > 0 ? n : fallback
}

/** Cases per target; `weight` scales it for targets far slower or faster than the rest. */
export function fuzzRuns (weight = 1): number {
  return Math.max(1, Math.round(positiveInt(process.env.MCP_FUZZ_RUNS, DEFAULT_RUNS) * weight))
}

function parameters (weight: number): fc.Parameters<unknown> {
  const seed = process.env.MCP_FUZZ_SEED
  return { numRuns: fuzzRuns(weight), includeErrorInReport: true, ...(seed !== undefined ? { seed: Number(seed) } : {}) }
}

function report (target: string, cases: number): void {
  const file = process.env.MCP_FUZZ_REPORT
  if (file !== undefined) appendFileSync(file, JSON.stringify({ target, cases }) + '\n')
}

/** Checks `check` on generated inputs; it must throw (assert) on a violation. Counts the cases run. */
export function fuzz<T> (target: string, arb: fc.Arbitrary<T>, check: (input: T) => void, weight = 1): void {
  let cases = 0
  try {
    fc.assert(fc.property(arb, (input) => { cases++; check(input) }), parameters(weight))
  } finally {
    report(target, cases)
  }
}

export async function fuzzAsync<T> (target: string, arb: fc.Arbitrary<T>, check: (input: T) => Promise<void>, weight = 1): Promise<void> {
  let cases = 0
  try {
    await fc.assert(fc.asyncProperty(arb, async (input) => { cases++; await check(input) }), parameters(weight))
  } finally {
    report(target, cases)
  }
}

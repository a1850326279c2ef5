// Seeded random simulation of the election under faults. SIM_RUNS overrides the number of runs;
// SIM_SEED replays one run and prints its full trace.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runScenario, VOTER_COUNTS, type ScenarioResult } from './scenario.js'

const DEFAULT_RUNS = 10_000
const thisFile = relative(process.cwd(), fileURLToPath(import.meta.url))
const replay = (seed: number): string => `SIM_SEED=${seed} node --test ${thisFile}`

function explain (failed: ScenarioResult): string {
  const traced = runScenario(failed.seed, true)
  return [
    `seed ${failed.seed} (${failed.family}, ${failed.voters} voters, ${failed.workers} workers): ${failed.failure ?? 'passed on replay?!'}`,
    `replay: ${replay(failed.seed)}`,
    'last events:',
    ...traced.trace.slice(-60)
  ].join('\n')
}

const seedEnv = process.env.SIM_SEED
if (seedEnv !== undefined) {
  test(`replay of seed ${seedEnv}`, () => {
    const r = runScenario(Number(seedEnv), true)
    console.log(r.trace.join('\n'))
    console.log(`${r.family}, ${r.voters} voters, ${r.workers} workers, ${r.stints} master stints, recovery ${r.recoveryMs ?? '-'} ms`)
    assert.equal(r.failure, null, `${r.failure}\nreplay: ${replay(r.seed)}`)
  })
} else {
  const runs = Number(process.env.SIM_RUNS ?? DEFAULT_RUNS)
  test(`${runs} seeded runs across ${VOTER_COUNTS.join(', ')} voters: one master at a time, rising epochs, fenced orders, recovery after heal`, () => {
    const failures: ScenarioResult[] = []
    const recoveries: number[] = []
    let failovers = 0
    const perVoters = new Map<number, number>()
    for (let seed = 1; seed <= runs; seed++) {
      const r = runScenario(seed)
      perVoters.set(r.voters, (perVoters.get(r.voters) ?? 0) + 1)
      if (r.failure !== null) {
        failures.push(r)
        if (failures.length >= 5) break
        continue
      }
      if (r.stints > 1) failovers++
      if (r.recoveryMs !== null) recoveries.push(r.recoveryMs)
    }
    assert.equal(failures.length, 0, `${failures.length} failing run(s); first:\n${failures[0] === undefined ? '' : explain(failures[0])}\n` +
      `other failing seeds: ${failures.slice(1).map(f => `${f.seed} (${f.failure})`).join('; ')}`)
    // The faults must actually move mastership around, or the safety checks prove little.
    assert.ok(failovers > runs * 0.5, `only ${failovers} of ${runs} runs changed master: the fault plan is too gentle`)
    for (const v of VOTER_COUNTS) assert.ok((perVoters.get(v) ?? 0) >= Math.floor(runs / VOTER_COUNTS.length))
    recoveries.sort((a, b) => a - b)
    const q = (p: number): number => Math.round(recoveries[Math.min(recoveries.length - 1, Math.floor(p * recoveries.length))] ?? 0)
    console.log(`${runs} runs, ${failovers} with a change of master; recovery after heal: median ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms`)
  })
}

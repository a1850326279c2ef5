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

const quantile = (xs: number[], p: number): number => Math.round(xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0)

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
    console.log(`${r.family}, ${r.voters} voters, ${r.workers} workers, ${r.stints} master stints, recovery ${r.recoveryMs ?? '-'} ms, ` +
      `${r.changes} voter changes, replaced after ${r.replacedMs === null ? '-' : Math.round(r.replacedMs)} ms`)
    assert.equal(r.failure, null, `${r.failure}\nreplay: ${replay(r.seed)}`)
  })
} else {
  const runs = Number(process.env.SIM_RUNS ?? DEFAULT_RUNS)
  test(`${runs} seeded runs across ${VOTER_COUNTS.join(', ')} voters: one master at a time, rising epochs, fenced orders, ` +
    'voter changes one at a time and committed by quorums, recovery after heal, lost voters replaced', () => {
    const failures: ScenarioResult[] = []
    const recoveries: number[] = []
    const replacements: number[] = []
    let failovers = 0
    let autopilotRuns = 0
    let changes = 0
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
      if (r.family !== 'autopilot') continue
      autopilotRuns++
      changes += r.changes
      // Every autopilot run loses a voter: it must have been replaced (added, then removed).
      assert.ok(r.changes >= 2 && r.replacedMs !== null, `seed ${r.seed}: a voter was lost but ${r.changes} changes were committed\nreplay: ${replay(r.seed)}`)
      replacements.push(r.replacedMs)
    }
    assert.equal(failures.length, 0, `${failures.length} failing run(s); first:\n${failures[0] === undefined ? '' : explain(failures[0])}\n` +
      `other failing seeds: ${failures.slice(1).map(f => `${f.seed} (${f.failure})`).join('; ')}`)
    // The faults must actually move mastership around, or the safety checks prove little.
    assert.ok(failovers > runs * 0.5, `only ${failovers} of ${runs} runs changed master: the fault plan is too gentle`)
    for (const v of VOTER_COUNTS) assert.ok((perVoters.get(v) ?? 0) >= Math.floor(runs / VOTER_COUNTS.length))
    assert.ok(autopilotRuns > runs * 0.2, `only ${autopilotRuns} autopilot runs`)
    recoveries.sort((a, b) => a - b)
    replacements.sort((a, b) => a - b)
    console.log(`${runs} runs, ${failovers} with a change of master; recovery after heal: median ${quantile(recoveries, 0.5)} ms, ` +
      `p99 ${quantile(recoveries, 0.99)} ms, max ${quantile(recoveries, 1)} ms`)
    console.log(`${autopilotRuns} autopilot runs, ${changes} voter changes committed; lost voter out of the voter set after: ` +
      `median ${quantile(replacements, 0.5)} ms, p99 ${quantile(replacements, 0.99)} ms, max ${quantile(replacements, 1)} ms`)
  })
}

// Seeded simulation of the task lifecycle under delays, reordering, crashes, failovers and a
// paused old master. SIM_SEED=<n> replays one run; SIM_RUNS=<n> changes how many run.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt, seededRng } from '../../src/core/random.js'
import { TaskClusterSim, type SimReport } from './tasks-cluster.js'

const REPLAY = process.env.SIM_SEED
const RUNS = Number(process.env.SIM_RUNS ?? 500)

/** Every broken rule of one run, in words; empty when the run is sound. */
export function check (report: SimReport): string[] {
  const problems = [...report.violations]
  for (const [id, sub] of report.submitted) {
    const settled = report.settlements.get(id) ?? []
    const executions = report.executions.get(id) ?? []
    if (settled.length > 1) problems.push(`${id} settled ${settled.length} times`)
    // A task whose submitter crashed is not owed a result (its caller is gone).
    if (!sub.orphaned && settled.length === 0) problems.push(`${id} (from ${sub.submitter}) never settled; executions: ${JSON.stringify(executions)}`)
    const [s] = settled
    if (s !== undefined) {
      if (s.ok && JSON.stringify(s.value) !== JSON.stringify({ echoed: sub.spec.payload })) problems.push(`${id} settled with a wrong value ${JSON.stringify(s.value)}`)
      if (!s.ok && !['handler-error', 'worker-lost'].includes(s.error.code)) problems.push(`${id} failed with ${s.error.code}: ${s.error.message}`)
      if (s.cached === true && sub.spec.cacheKey === undefined) problems.push(`${id} was answered from a cache without a cache key`)
    }
    // Legitimate re-runs: after a handler error. Everything else needs an excuse.
    const retriesAfterError = executions.filter(ex => ex.outcome === 'error').length
    const extra = Math.max(0, executions.length - 1 - retriesAfterError)
    const excused = executions.filter(ex => ex.excuse !== null).length
    if (extra > excused) problems.push(`${id} ran ${executions.length} times (${retriesAfterError} after errors) with only ${excused} excused: ${JSON.stringify(executions)}`)
  }
  return problems
}

function runOne (seed: number): { problems: string[], report: SimReport } {
  const rng = seededRng(seed)
  const sim = new TaskClusterSim(seed, randomInt(rng, 3, 5), process.env.SIM_TRACE !== undefined ? line => console.log(line) : undefined)
  const report = sim.run({ tasks: randomInt(rng, 5, 40), faults: randomInt(rng, 0, 3), chaosMs: 3000, maxMs: 30_000 })
  return { problems: check(report), report }
}

test('task lifecycle simulation: nothing accepted is lost, duplicates only where a worker crashed or was cut off, never over slots, cached answers equal fresh ones', () => {
  const seeds = REPLAY !== undefined ? [Number(REPLAY)] : Array.from({ length: RUNS }, (_, i) => i + 1)
  let executions = 0
  let excusedRuns = 0
  let faults = 0
  let cachedAnswers = 0
  for (const seed of seeds) {
    const { problems, report } = runOne(seed)
    if (problems.length > 0) {
      assert.fail([
        `seed ${seed} broke ${problems.length} rule(s):`, ...problems.slice(0, 5).map(p => `  - ${p}`),
        `faults: ${report.faults.join('; ')}`,
        `replay: SIM_SEED=${seed} node --test <build dir>/test/sim/tasks-sim.test.js`
      ].join('\n'))
    }
    for (const list of report.executions.values()) {
      executions += list.length
      if (list.some(ex => ex.excuse !== null)) excusedRuns++
    }
    faults += report.faults.length
    for (const list of report.settlements.values()) if (list[0]?.cached === true) cachedAnswers++
  }
  // The runs must exercise what they claim to check.
  assert.ok(executions > seeds.length * 5 || REPLAY !== undefined, `only ${executions} executions`)
  assert.ok(faults > 0 || REPLAY !== undefined, 'no faults were injected')
  if (REPLAY === undefined) assert.ok(excusedRuns > 0, 'no run had a crash-excused execution')
  if (REPLAY === undefined) assert.ok(cachedAnswers > 0, 'no task was answered from a cache or by an identical task')
})

test('the checker catches a task that ran twice without excuse, and one that never settled', () => {
  const { report } = runOne(7)
  const [id, sub] = [...report.submitted][0] ?? []
  assert.ok(id !== undefined && sub !== undefined)
  const list = report.executions.get(id) ?? []
  const twice: SimReport = { ...report, executions: new Map(report.executions).set(id, [...list, ...list.map(ex => ({ ...ex, excuse: null }))].map(ex => ({ ...ex, excuse: null, outcome: 'ok' as const }))) }
  assert.ok(check(twice).some(p => p.startsWith(`${id} ran`)))
  const unsettled: SimReport = {
    ...report,
    settlements: new Map([...report.settlements].filter(([k]) => k !== id)),
    submitted: new Map(report.submitted).set(id, { ...sub, orphaned: false })
  }
  assert.ok(check(unsettled).some(p => p.startsWith(`${id} (from`)))
})

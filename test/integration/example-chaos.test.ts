import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))

test('examples/chaos runs a short scripted chaos run on loopback with its own workload and reports no anomaly', { timeout: 150_000 }, () => {
  const r = spawnSync(process.execPath, ['examples/chaos/run.mjs', '--duration', '12s', '--seed', '5'], { cwd: root, encoding: 'utf8', timeout: 140_000 })
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr.slice(-3000)}`)
  assert.match(r.stdout, /result: OK: no split brain, no lost task/)
  assert.match(r.stdout, /example: passed/)
  const file = /report written to (\S+)/.exec(r.stdout)?.[1]
  assert.ok(file != null, r.stdout)
  const report = JSON.parse(readFileSync(file, 'utf8')) as { seed: number, faults: { injected: Array<{ kind: string, wasMaster: boolean }> }, check: { tasks: { done: number } } }
  rmSync(file)
  assert.equal(report.seed, 5)
  assert.ok(report.faults.injected.some(f => f.wasMaster), 'a fault hit the master')
  assert.ok(report.check.tasks.done > 0)
})

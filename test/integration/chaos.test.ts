import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI_PATH } from '../../src/harness/node-process.js'
import { netnsUnavailable } from '../../src/harness/netns.js'
import { namespacesOf, processesUsing } from '../../src/harness/chaos/leftovers.js'
import { lanPrefixFor } from '../../src/harness/chaos/lan-launch.js'
import type { ChaosReport } from '../../src/harness/chaos/report.js'

interface Finished { code: number | null, stdout: string, stderr: string, pid: number }

/** Run `mcp-cluster chaos` as a child; `interruptWhen` sends it SIGINT once its stderr matches. */
async function chaos (args: string[], interruptWhen?: RegExp): Promise<Finished> {
  const child = spawn(process.execPath, [CLI_PATH, 'chaos', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let interrupted = false
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
    if (interruptWhen != null && !interrupted && interruptWhen.test(stderr)) {
      interrupted = true
      child.kill('SIGINT')
    }
  })
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  return { code, stdout, stderr, pid: child.pid! }
}

/** Nothing of the run is left: no process naming its directory, no namespace of its LAN. */
async function assertNothingLeft (base: string, launcherPid: number): Promise<void> {
  // Node processes notice a dead parent within a second; give them a little longer under load.
  for (let i = 0; i < 50 && processesUsing(base).length > 0; i++) await new Promise(resolve => setTimeout(resolve, 100))
  assert.deepEqual(processesUsing(base), [], 'processes of the run still alive')
  assert.deepEqual(namespacesOf(lanPrefixFor(launcherPid)), [], 'namespaces of the run still there')
}

const noLan = netnsUnavailable()

test('chaos on a 3-node namespace LAN: 5 master kills, a pause past the lease, a partition; no split brain, no lost task, nothing left behind', { timeout: 300_000, skip: noLan }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'chaos-ci-'))
  const reportFile = `${base}-report.json`
  try {
    const r = await chaos(['--nodes', '3', '--duration', '45s', '--fault-interval', '5s', '--faults', 'kill,pause,partition,restart',
      '--rate', '100', '--seed', '1', '--report', reportFile, '--dir', base])
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr.slice(-4000)}`)
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ChaosReport
    const onMaster = (kind: string): number => report.faults.injected.filter(f => f.kind === kind && f.wasMaster).length
    assert.ok(onMaster('kill') >= 5, `master kills: ${onMaster('kill')}\n${r.stdout}`)
    assert.ok(onMaster('pause') >= 1)
    assert.ok(report.faults.injected.some(f => f.kind === 'pause' && f.wasMaster && /SIGSTOP for (\d+) ms/.test(f.detail ?? '') && Number(/(\d+) ms/.exec(f.detail!)![1]) > 1000), 'the pause outlasts the 1000 ms lease')
    assert.ok(onMaster('partition') >= 1)
    assert.deepEqual(report.check.splitBrain, [])
    assert.deepEqual(report.check.staleOrders, [])
    assert.deepEqual(report.check.tasks.lost, [])
    assert.equal(report.ok, true)
    assert.ok(report.check.tasks.done > 0)
    assert.ok(report.check.failover.newMasterMs.n >= 5, 'a new master after each master fault, measured')
    assert.match(r.stdout, /result: OK: no split brain, no lost task/)
    await assertNothingLeft(base, r.pid)
    assert.deepEqual(readdirSync(base), [], 'a clean run removes its directory')
  } finally {
    rmSync(base, { recursive: true, force: true })
    rmSync(reportFile, { force: true })
  }
})

test('an interrupted chaos run (SIGINT) undoes its faults, stops its nodes and removes its namespaces', { timeout: 120_000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'chaos-int-'))
  try {
    const network = noLan === undefined ? [] : ['--loopback']
    const r = await chaos(['--nodes', '3', '--duration', '60s', '--fault-interval', '4s', '--faults', 'kill,pause,restart', '--rate', '50', '--seed', '2', '--dir', base, ...network],
      /\d+\.\ds (kill|pause) node\d/)
    assert.equal(r.code, 130, `exit ${r.code}\n${r.stdout}\n${r.stderr.slice(-4000)}`)
    assert.match(r.stderr, /interrupted: undoing the faults and stopping the nodes/)
    assert.match(r.stdout, /INTERRUPTED/)
    await assertNothingLeft(base, r.pid)
  } finally {
    rmSync(base, { recursive: true, force: true })
  }
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CLI_PATH, freePorts, waitFor } from '../../src/harness/node-process.js'
import type { ClusterStatus } from '../../src/node/status.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))

test('examples/embed starts a node in an app, sees itself elected, runs tasks, and stops cleanly', { timeout: 60_000 }, () => {
  const r = spawnSync(process.execPath, ['examples/embed/app.mjs'], { cwd: root, encoding: 'utf8', timeout: 50_000 })
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /this node is master at epoch \d+/)
  const summary = JSON.parse(r.stdout.split('\n').find(l => l.startsWith('{'))!) as { master: { id: string } | null, members: Array<{ id: string, role: string }> }
  assert.ok(summary.master != null, 'a one-node cluster elects itself')
  assert.equal(summary.members.length, 1)
  assert.equal(summary.members[0]!.role, 'master')
  assert.match(r.stdout, /greet -> \{"hello":"edge","attempt":1\}/)
  assert.match(r.stdout, /sha256 x3 -> 3 ok/)
  assert.match(r.stdout, /stopped\s*$/)
})

test('examples/custom-placement: a user policy puts tasks on the GPU node first and overflows to the others', { timeout: 60_000 }, () => {
  const r = spawnSync(process.execPath, ['examples/custom-placement/run.mjs'], { cwd: root, encoding: 'utf8', timeout: 50_000 })
  assert.equal(r.status, 0, r.stderr)
  const summary = JSON.parse(r.stdout.split('\n').find(l => l.startsWith('{'))!) as { sequential: string[], burst: Record<string, number>, allOk: boolean }
  assert.deepEqual(summary.sequential, ['gpu-box', 'gpu-box', 'gpu-box'], 'one at a time, the GPU node always wins')
  assert.ok(summary.allOk)
  // Six 300 ms tasks at once, two slots per node: the GPU node takes its two, the rest overflow.
  assert.equal(summary.burst['gpu-box'], 2)
  assert.equal((summary.burst['cpu-box-1'] ?? 0) + (summary.burst['cpu-box-2'] ?? 0), 4)
})

test('examples/edge: the unit\'s command line with its config starts a secret-cluster node that stops cleanly on SIGTERM', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-example-'))
  try {
    const unit = readFileSync(join(root, 'examples/edge/mcp-cluster.service'), 'utf8')
    const execStart = unit.split('\n').find(l => l.startsWith('ExecStart='))!.slice('ExecStart='.length).split(/\s+/)
    // ExecStart = <node> [node flags...] <program> start --config <file>
    const programAt = execStart.findIndex(a => a.endsWith('mcp-cluster.mjs'))
    assert.ok(programAt > 0, 'ExecStart runs the bundled CLI')
    assert.deepEqual(execStart.slice(programAt + 1), ['start', '--config', '/etc/mcp-cluster/config.json'])
    const nodeFlags = execStart.slice(1, programAt)

    const key = spawnSync(process.execPath, [CLI_PATH, 'secret', 'generate'], { encoding: 'utf8' })
    assert.equal(key.status, 0, key.stderr)
    writeFileSync(join(dir, 'cluster.key'), key.stdout)
    // The same config, with its paths moved into the test's directory.
    const config = readFileSync(join(root, 'examples/edge/config.json'), 'utf8')
      .replace('/etc/mcp-cluster/cluster.key', join(dir, 'cluster.key'))
      .replace('/var/lib/mcp-cluster', join(dir, 'state'))
    writeFileSync(join(dir, 'config.json'), config)

    const [port] = await freePorts(1)
    // Loopback only and no multicast here; a one-node cluster (expect 1) so it elects itself.
    const child = spawn(process.execPath, [...nodeFlags, CLI_PATH, 'start', '--config', join(dir, 'config.json'),
      '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--http', `127.0.0.1:${port!}`, '--expect', '1'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (b: Buffer) => { out += b.toString() })
    child.stderr.on('data', (b: Buffer) => { out += b.toString() })
    const exited = new Promise<number | null>(resolve => child.on('exit', resolve))
    try {
      const st = await waitFor('the edge node to elect itself', async () => {
        const res = await fetch(`http://127.0.0.1:${port!}/status`).catch(() => undefined)
        const s = res?.ok === true ? await res.json() as ClusterStatus : undefined
        return s?.master != null ? s : undefined
      }, 30_000)
      assert.equal(st.self.openCluster, false, 'the config\'s secret is applied')
      const self = st.members.find(m => m.self)!
      assert.equal(self.capacity.slots, 1)
      assert.deepEqual(self.capacity.labels, { site: 'shop-floor', class: 'edge' })
    } finally {
      child.kill('SIGTERM')
    }
    const timeoutStop = Number(/TimeoutStopSec=(\d+)/.exec(unit)![1]) * 1000
    const code = await Promise.race([exited, new Promise<string>(resolve => setTimeout(() => resolve('still running'), timeoutStop))])
    if (code === 'still running') child.kill('SIGKILL')
    assert.equal(code, 0, `exit within TimeoutStopSec with 0 (so Restart=on-failure leaves it stopped)\n${out}`)
    assert.match(out, /node stopped/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

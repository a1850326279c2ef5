import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { CLI_PATH } from '../../src/harness/node-process.js'

test('the demo (npm start) runs tasks through a master kill and reports every task done', { timeout: 120_000 }, () => {
  const r = spawnSync(process.execPath, [CLI_PATH, 'demo', '--tasks', '90'], { encoding: 'utf8', timeout: 110_000 })
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`)
  assert.match(r.stdout, /killing the master node\d \(kill -9\)/)
  const m = /summary: (\d+) of (\d+) tasks done, (\d+) failed.*epoch (\d+) -> (\d+)/.exec(r.stdout)
  assert.ok(m != null, r.stdout)
  assert.equal(m[1], '90')
  assert.equal(m[2], '90')
  assert.equal(m[3], '0')
  assert.ok(Number(m[5]) > Number(m[4]), 'the new master has a higher epoch')
  assert.match(r.stdout, /stopping every node the demo started/)
})

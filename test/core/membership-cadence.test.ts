import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { HEARTBEAT_BUDGET_PER_SECOND, heartbeatInterval } from '../../src/core/membership/cadence.js'
import { MembershipView } from '../../src/core/membership/view.js'
import type { Heartbeat } from '../../src/core/membership/heartbeat.js'
import { decodeGossip, encodeGossip } from '../../src/wire/heartbeat.js'
import { plainHeartbeat } from './heartbeat-fixtures.js'

function hb (id: string, seq: number, every?: number): Heartbeat {
  return plainHeartbeat({ id, seq, ...(every !== undefined ? { every } : {}) })
}

describe('heartbeat cadence', () => {
  test('small clusters keep the configured interval; large ones slow down so each node receives at most the budget', () => {
    assert.equal(heartbeatInterval(500, 1), 500)
    assert.equal(heartbeatInterval(500, 10), 500)
    assert.equal(heartbeatInterval(500, 50), 2500)
    assert.equal(heartbeatInterval(2000, 50), 2500)
    assert.equal(heartbeatInterval(5000, 50), 5000, 'never faster than configured')
    for (const n of [1, 7, 20, 50, 200, 1000]) {
      const received = (n - 1) * 1000 / heartbeatInterval(500, n)
      assert.ok(received <= HEARTBEAT_BUDGET_PER_SECOND, `${n} nodes: ${received} heartbeats/s per receiver`)
    }
  })

  test('a member that announces a slower interval gets proportionally longer timeouts; others do not', () => {
    const view = new MembershipView('self', { suspectMs: 1500, deadMs: 3000, forgetMs: 60_000, heartbeatMs: 500 })
    assert.ok(view.onHeartbeat('slow', hb('slow', 0, 2500), 0).accepted)
    assert.ok(view.onHeartbeat('usual', hb('usual', 0), 0).accepted)
    view.tick(1600)
    assert.equal(view.get('usual')?.state, 'suspect')
    assert.equal(view.get('slow')?.state, 'alive', 'x5 stretch: suspect only after 7500 ms')
    view.tick(7499)
    assert.equal(view.get('slow')?.state, 'alive')
    view.tick(7500)
    assert.equal(view.get('slow')?.state, 'suspect')
    view.tick(14_999)
    assert.equal(view.get('slow')?.state, 'suspect')
    view.tick(15_000)
    assert.equal(view.get('slow')?.state, 'dead')
    assert.equal(view.liveCount(), 0)
  })

  test('without a configured heartbeatMs nothing is stretched (and a faster announcement never shortens timeouts)', () => {
    const plain = new MembershipView('self', { suspectMs: 1500, deadMs: 3000, forgetMs: 60_000 })
    plain.onHeartbeat('slow', hb('slow', 0, 2500), 0)
    plain.tick(1500)
    assert.equal(plain.get('slow')?.state, 'suspect')
    const view = new MembershipView('self', { suspectMs: 1500, deadMs: 3000, forgetMs: 60_000, heartbeatMs: 500 })
    view.onHeartbeat('fast', hb('fast', 0, 100), 0)
    view.tick(1499)
    assert.equal(view.get('fast')?.state, 'alive')
    assert.equal(view.liveCount(), 1)
  })

  test('the wire carries `every`, and rejects a zero, negative, fractional or too slow one', () => {
    const msg = { v: 1 as const, kind: 'heartbeat' as const, hb: hb('N1', 3, 2500) }
    assert.deepEqual(decodeGossip(encodeGossip(msg)), { ok: true, value: msg })
    for (const every of [0, -1, 1.5, 60_001, '2500', null]) {
      const bad = new TextEncoder().encode(JSON.stringify({ ...msg, hb: { ...msg.hb, every } }))
      const r = decodeGossip(bad)
      assert.equal(r.ok, false, `every=${String(every)}`)
      if (!r.ok) assert.match(r.reason, /hb\.every/)
    }
  })
})
